package cost

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DefinitionError is a definition the walk cannot cost: malformed ASL, or a construct whose cost
// depends on something the definition does not say (a batch size given only by a path).
// Classify with errors.As.
type DefinitionError struct {
	// State is the state's name ("" for the machine itself); In lists the enclosing Map and
	// Parallel states, outermost first.
	State string
	In    []string
	// Problem says what is wrong.
	Problem string
}

func (e *DefinitionError) Error() string {
	where := "definition"
	if e.State != "" {
		where = fmt.Sprintf("state %q", e.State)
	}
	if len(e.In) > 0 {
		where += fmt.Sprintf(" (in %q)", strings.Join(e.In, " > "))
	}
	return "cost: " + where + ": " + e.Problem
}

// machine is a state machine or a Map/Parallel sub-machine.
type machine struct {
	StartAt string            `json:"StartAt"`
	States  map[string]*state `json:"States"`
}

type state struct {
	Type       string         `json:"Type"`
	Next       string         `json:"Next"`
	End        bool           `json:"End"`
	Resource   string         `json:"Resource"`
	Parameters map[string]any `json:"Parameters"`
	Arguments  any            `json:"Arguments"`
	Seconds    *float64       `json:"Seconds"`

	Choices []struct {
		Next string `json:"Next"`
	} `json:"Choices"`
	Default string `json:"Default"`

	Branches []*machine `json:"Branches"`

	ItemProcessor *processor `json:"ItemProcessor"`
	Iterator      *processor `json:"Iterator"`
	ItemReader    *struct {
		Resource     string `json:"Resource"`
		ReaderConfig struct {
			InputType string `json:"InputType"`
		} `json:"ReaderConfig"`
	} `json:"ItemReader"`
	ItemBatcher *struct {
		MaxItemsPerBatch     *int   `json:"MaxItemsPerBatch"`
		MaxItemsPerBatchPath string `json:"MaxItemsPerBatchPath"`
	} `json:"ItemBatcher"`
	ResultWriter *struct {
		Resource string `json:"Resource"`
	} `json:"ResultWriter"`
}

type processor struct {
	machine
	ProcessorConfig struct {
		Mode          string `json:"Mode"`
		ExecutionType string `json:"ExecutionType"`
	} `json:"ProcessorConfig"`
}

func (s *state) processor() *processor {
	if s.ItemProcessor != nil {
		return s.ItemProcessor
	}
	return s.Iterator
}

func (s *state) distributed() bool {
	p := s.processor()
	return p != nil && strings.EqualFold(p.ProcessorConfig.Mode, "DISTRIBUTED")
}

// childExpress reports whether a Distributed Map's children are Express executions. A missing
// ExecutionType is read as STANDARD, the more expensive choice.
func (s *state) childExpress() bool {
	return strings.EqualFold(s.processor().ProcessorConfig.ExecutionType, "EXPRESS")
}

func parse(definition []byte) (*machine, error) {
	var m machine
	if err := json.Unmarshal(definition, &m); err != nil {
		return nil, &DefinitionError{Problem: "not valid ASL JSON: " + err.Error()}
	}
	return &m, nil
}

// validate reports every problem of m and its sub-machines at once. batchSizes are the
// workload's overrides, which make a batch size given only by a path acceptable.
func validate(m *machine, in []string, batchSizes map[string]int) []error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, &DefinitionError{State: name, In: append([]string(nil), in...), Problem: fmt.Sprintf(format, args...)})
	}
	if len(m.States) == 0 {
		bad("", "no States")
		return errs
	}
	if m.StartAt == "" {
		bad("", "no StartAt")
	} else if _, ok := m.States[m.StartAt]; !ok {
		bad("", "StartAt %q names no state", m.StartAt)
	}
	exists := func(n string) bool { _, ok := m.States[n]; return ok }
	for _, name := range slices.Sorted(maps.Keys(m.States)) {
		s := m.States[name]
		if s == nil {
			bad(name, "state is null")
			continue
		}
		needsNext := false
		switch s.Type {
		case "Task":
			needsNext = true
			if s.Resource == "" {
				bad(name, "Task has no Resource")
			}
		case "Pass", "Wait":
			needsNext = true
		case "Succeed", "Fail":
		case "Choice":
			if len(s.Choices) == 0 {
				bad(name, "Choice has no Choices")
			}
			for i, c := range s.Choices {
				if !exists(c.Next) {
					bad(name, "Choices[%d].Next %q names no state", i, c.Next)
				}
			}
			if s.Default != "" && !exists(s.Default) {
				bad(name, "Default %q names no state", s.Default)
			}
		case "Parallel":
			needsNext = true
			if len(s.Branches) == 0 {
				bad(name, "Parallel has no Branches")
			}
			for i, b := range s.Branches {
				if b == nil {
					bad(name, "Branches[%d] is null", i)
					continue
				}
				errs = append(errs, validate(b, append(in, name), batchSizes)...)
			}
		case "Map":
			needsNext = true
			p := s.processor()
			if p == nil {
				bad(name, "Map has no ItemProcessor")
				break
			}
			switch mode := strings.ToUpper(p.ProcessorConfig.Mode); mode {
			case "", "INLINE", "DISTRIBUTED":
			default:
				bad(name, "ProcessorConfig.Mode must be INLINE or DISTRIBUTED, got %q", p.ProcessorConfig.Mode)
			}
			switch et := strings.ToUpper(p.ProcessorConfig.ExecutionType); et {
			case "", "EXPRESS", "STANDARD":
			default:
				bad(name, "ProcessorConfig.ExecutionType must be EXPRESS or STANDARD, got %q", p.ProcessorConfig.ExecutionType)
			}
			if b := s.ItemBatcher; b != nil {
				switch {
				case !s.distributed():
					bad(name, "ItemBatcher is only allowed in DISTRIBUTED mode")
				case b.MaxItemsPerBatch != nil && *b.MaxItemsPerBatch < 1:
					bad(name, "ItemBatcher.MaxItemsPerBatch must be at least 1, got %d", *b.MaxItemsPerBatch)
				case b.MaxItemsPerBatch == nil && batchSizes[name] == 0:
					bad(name, "ItemBatcher has no MaxItemsPerBatch (a path or a byte limit only): set Workload.BatchSizes[%q]", name)
				}
			}
			errs = append(errs, validate(&p.machine, append(in, name), batchSizes)...)
		case "":
			bad(name, "state has no Type")
		default:
			bad(name, "unknown Type %q", s.Type)
		}
		if needsNext {
			switch {
			case s.Next == "" && !s.End:
				bad(name, "%s has neither Next nor End", s.Type)
			case s.Next != "" && s.End:
				bad(name, "%s has both Next and End", s.Type)
			case s.Next != "" && !exists(s.Next):
				bad(name, "Next %q names no state", s.Next)
			}
		}
	}
	return errs
}

// lambdaTarget returns the function ARN (or JSONPath) a Task invokes, or "" when the Task is
// not a Lambda invocation.
func (s *state) lambdaTarget() string {
	r := s.Resource
	if strings.HasPrefix(r, "arn:") && strings.Contains(r, ":lambda:") && strings.Contains(r, ":function:") {
		return r
	}
	if !strings.Contains(r, ":states:::lambda:invoke") {
		return ""
	}
	if v, ok := s.Parameters["FunctionName"].(string); ok {
		return v
	}
	if v, ok := s.Parameters["FunctionName.$"].(string); ok {
		return v
	}
	if a, ok := s.Arguments.(map[string]any); ok {
		if v, ok := a["FunctionName"].(string); ok {
			return v
		}
	}
	return "(dynamic)"
}
