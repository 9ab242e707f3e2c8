package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/skeinhq/skein/components/asl"
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

// machine is a state machine or a Map/Parallel sub-machine, and state one of its states, as
// package asl decodes them.
type (
	machine = asl.Machine
	state   = asl.State
)

// childExpress reports whether a Distributed Map's children are Express executions. A missing
// ExecutionType is read as STANDARD, the more expensive choice.
func childExpress(s *state) bool {
	pc := s.Processor().ProcessorConfig
	return pc != nil && strings.EqualFold(pc.ExecutionType, "EXPRESS")
}

func parse(definition []byte) (*machine, error) {
	m, err := asl.Decode(definition)
	if err == nil {
		err = m.Err()
	}
	if err != nil {
		return nil, &DefinitionError{Problem: "not valid ASL JSON: " + err.Error()}
	}
	return m, nil
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
	for _, name := range m.Names() {
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
			p := s.Processor()
			if p == nil {
				bad(name, "Map has no ItemProcessor")
				break
			}
			pc := asl.ProcessorConfig{}
			if p.ProcessorConfig != nil {
				pc = *p.ProcessorConfig
			}
			switch mode := strings.ToUpper(pc.Mode); mode {
			case "", "INLINE", "DISTRIBUTED":
			default:
				bad(name, "ProcessorConfig.Mode must be INLINE or DISTRIBUTED, got %q", pc.Mode)
			}
			switch et := strings.ToUpper(pc.ExecutionType); et {
			case "", "EXPRESS", "STANDARD":
			default:
				bad(name, "ProcessorConfig.ExecutionType must be EXPRESS or STANDARD, got %q", pc.ExecutionType)
			}
			if b := s.ItemBatcher; b != nil {
				switch {
				case !s.Distributed():
					bad(name, "ItemBatcher is only allowed in DISTRIBUTED mode")
				case b.MaxItemsPerBatch != nil && (*b.MaxItemsPerBatch < 1 || *b.MaxItemsPerBatch != math.Trunc(*b.MaxItemsPerBatch)):
					bad(name, "ItemBatcher.MaxItemsPerBatch must be a whole number, at least 1, got %v", *b.MaxItemsPerBatch)
				case b.MaxItemsPerBatch == nil && batchSizes[name] == 0:
					bad(name, "ItemBatcher has no MaxItemsPerBatch (a path or a byte limit only): set Workload.BatchSizes[%q]", name)
				}
			}
			errs = append(errs, validate(p, append(in, name), batchSizes)...)
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
func lambdaTarget(s *state) string {
	r := s.Resource
	if strings.HasPrefix(r, "arn:") && strings.Contains(r, ":lambda:") && strings.Contains(r, ":function:") {
		return r
	}
	if !strings.Contains(r, ":states:::lambda:invoke") {
		return ""
	}
	if v, ok := asl.StringMember(s.Parameters, "FunctionName"); ok {
		return v
	}
	if v, ok := asl.StringMember(s.Parameters, "FunctionName.$"); ok {
		return v
	}
	if v, ok := asl.StringMember(s.Arguments, "FunctionName"); ok {
		return v
	}
	return "(dynamic)"
}
