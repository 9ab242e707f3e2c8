package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Machine is a state machine, a Parallel state's branch or a Map state's item processor.
type Machine struct {
	Comment string `json:"Comment"`
	// StartAt names the first state.
	StartAt string `json:"StartAt"`
	// States are by name; a state written as null is a nil *State.
	States         map[string]*State `json:"States"`
	TimeoutSeconds *float64          `json:"TimeoutSeconds"`
	Version        string            `json:"Version"`
	QueryLanguage  string            `json:"QueryLanguage"`
	// ProcessorConfig is only meaningful in a Map state's ItemProcessor.
	ProcessorConfig *ProcessorConfig `json:"ProcessorConfig"`
}

// ProcessorConfig is a Map state's ItemProcessor.ProcessorConfig.
type ProcessorConfig struct {
	// Mode is INLINE or DISTRIBUTED; empty means INLINE.
	Mode string `json:"Mode"`
	// ExecutionType is STANDARD or EXPRESS (a Distributed Map's child executions).
	ExecutionType string `json:"ExecutionType"`
}

// State is one state of any Type. Fields a Type does not use are zero unless written.
type State struct {
	Type    string `json:"Type"`
	Comment string `json:"Comment"`
	Next    string `json:"Next"`
	End     bool   `json:"End"`

	InputPath      Path            `json:"InputPath"`
	OutputPath     Path            `json:"OutputPath"`
	ResultPath     Path            `json:"ResultPath"`
	Parameters     json.RawMessage `json:"Parameters"`
	ResultSelector json.RawMessage `json:"ResultSelector"`
	ItemSelector   json.RawMessage `json:"ItemSelector"`
	Arguments      json.RawMessage `json:"Arguments"`
	Result         json.RawMessage `json:"Result"`

	// Task.
	Resource             string    `json:"Resource"`
	TimeoutSeconds       *float64  `json:"TimeoutSeconds"`
	TimeoutSecondsPath   string    `json:"TimeoutSecondsPath"`
	HeartbeatSeconds     *float64  `json:"HeartbeatSeconds"`
	HeartbeatSecondsPath string    `json:"HeartbeatSecondsPath"`
	Retry                []Retrier `json:"Retry"`
	Catch                []Catcher `json:"Catch"`

	// Choice.
	Choices []Rule `json:"Choices"`
	Default string `json:"Default"`

	// Wait.
	Seconds       *float64 `json:"Seconds"`
	Timestamp     string   `json:"Timestamp"`
	SecondsPath   string   `json:"SecondsPath"`
	TimestampPath string   `json:"TimestampPath"`

	// Fail.
	Error     string `json:"Error"`
	Cause     string `json:"Cause"`
	ErrorPath string `json:"ErrorPath"`
	CausePath string `json:"CausePath"`

	// Parallel; a branch written as null is nil.
	Branches []*Machine `json:"Branches"`

	// Map: ItemProcessor, or Iterator, its older name (see [State.Processor]).
	ItemProcessor                  *Machine      `json:"ItemProcessor"`
	Iterator                       *Machine      `json:"Iterator"`
	ItemsPath                      string        `json:"ItemsPath"`
	MaxConcurrency                 *float64      `json:"MaxConcurrency"`
	MaxConcurrencyPath             string        `json:"MaxConcurrencyPath"`
	ItemReader                     *ItemReader   `json:"ItemReader"`
	ItemBatcher                    *ItemBatcher  `json:"ItemBatcher"`
	ResultWriter                   *ResultWriter `json:"ResultWriter"`
	ToleratedFailurePercentage     *float64      `json:"ToleratedFailurePercentage"`
	ToleratedFailurePercentagePath string        `json:"ToleratedFailurePercentagePath"`
	ToleratedFailureCount          *float64      `json:"ToleratedFailureCount"`
	ToleratedFailureCountPath      string        `json:"ToleratedFailureCountPath"`
	Label                          string        `json:"Label"`

	// Raw is the state as written.
	Raw json.RawMessage `json:"-"`
	// Err says why the state could not be decoded (a field of the wrong JSON type); the other
	// fields then hold what could be. Nil when it could.
	Err error `json:"-"`
}

// UnmarshalJSON decodes a state without failing: a problem is kept in Err.
func (s *State) UnmarshalJSON(b []byte) error {
	type state State // the fields without this method
	var v state
	err := json.Unmarshal(b, &v)
	*s = State(v)
	s.Raw = append(json.RawMessage(nil), b...)
	s.Err = err
	return nil
}

// Processor is a Map state's item processor: ItemProcessor, or else Iterator; nil for others.
func (s *State) Processor() *Machine {
	if s.ItemProcessor != nil {
		return s.ItemProcessor
	}
	return s.Iterator
}

// Distributed reports whether s is a Distributed Map (its processor's Mode is DISTRIBUTED,
// in any case).
func (s *State) Distributed() bool {
	p := s.Processor()
	return p != nil && p.ProcessorConfig != nil && strings.EqualFold(p.ProcessorConfig.Mode, "DISTRIBUTED")
}

// Path is a path field (InputPath, OutputPath, ResultPath): absent (Set is false; the
// specification's default "$"), null (Null: discard), or a path in Value.
type Path struct {
	Set, Null bool
	Value     string
}

// UnmarshalJSON decodes null or a string.
func (p *Path) UnmarshalJSON(b []byte) error {
	p.Set = true
	if string(b) == "null" {
		p.Null = true
		return nil
	}
	return json.Unmarshal(b, &p.Value)
}

// Retrier is one element of a state's Retry.
type Retrier struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds *float64 `json:"IntervalSeconds"`
	MaxAttempts     *float64 `json:"MaxAttempts"`
	BackoffRate     *float64 `json:"BackoffRate"`
	MaxDelaySeconds *float64 `json:"MaxDelaySeconds"`
	JitterStrategy  string   `json:"JitterStrategy"`
}

// Catcher is one element of a state's Catch.
type Catcher struct {
	ErrorEquals []string `json:"ErrorEquals"`
	Next        string   `json:"Next"`
	ResultPath  Path     `json:"ResultPath"`
}

// Rule is one element of a Choice state's Choices: the rule as written, and its Next.
type Rule struct {
	// Next is the rule's Next when it is a string.
	Next string
	// Raw is the rule as written (an object, unless the definition is wrong).
	Raw json.RawMessage
}

// UnmarshalJSON keeps the rule as written; it never fails.
func (r *Rule) UnmarshalJSON(b []byte) error {
	r.Raw = append(json.RawMessage(nil), b...)
	r.Next, _ = StringMember(b, "Next")
	return nil
}

// ItemReader is a Distributed Map's ItemReader.
type ItemReader struct {
	Resource     string          `json:"Resource"`
	Parameters   json.RawMessage `json:"Parameters"`
	ReaderConfig *ReaderConfig   `json:"ReaderConfig"`
}

// ReaderConfig is an ItemReader's ReaderConfig.
type ReaderConfig struct {
	InputType         string   `json:"InputType"`
	CSVHeaderLocation string   `json:"CSVHeaderLocation"`
	CSVHeaders        []string `json:"CSVHeaders"`
	CSVDelimiter      string   `json:"CSVDelimiter"`
	MaxItems          *float64 `json:"MaxItems"`
	MaxItemsPath      string   `json:"MaxItemsPath"`
}

// ItemBatcher is a Distributed Map's ItemBatcher.
type ItemBatcher struct {
	MaxItemsPerBatch          *float64        `json:"MaxItemsPerBatch"`
	MaxItemsPerBatchPath      string          `json:"MaxItemsPerBatchPath"`
	MaxInputBytesPerBatch     *float64        `json:"MaxInputBytesPerBatch"`
	MaxInputBytesPerBatchPath string          `json:"MaxInputBytesPerBatchPath"`
	BatchInput                json.RawMessage `json:"BatchInput"`
}

// ResultWriter is a Distributed Map's ResultWriter.
type ResultWriter struct {
	Resource     string          `json:"Resource"`
	Parameters   json.RawMessage `json:"Parameters"`
	WriterConfig *WriterConfig   `json:"WriterConfig"`
}

// WriterConfig is a ResultWriter's WriterConfig.
type WriterConfig struct {
	OutputType     string `json:"OutputType"`
	Transformation string `json:"Transformation"`
}

// Decode decodes a definition: the first JSON value of definition, which must be an object
// (what follows that value is not read). It fails only when the machine itself cannot be
// decoded; a state that cannot be is reported by its Err (see [Machine.Err]).
func Decode(definition []byte) (*Machine, error) {
	var m Machine
	if err := json.NewDecoder(bytes.NewReader(definition)).Decode(&m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Names returns the names of m's states, sorted.
func (m *Machine) Names() []string {
	names := make([]string, 0, len(m.States))
	for n := range m.States {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Err returns the first state of m, nested machines included, that could not be decoded (in
// name order, depth first), as an error naming the state; nil when every state was decoded.
func (m *Machine) Err() error {
	if m == nil {
		return nil
	}
	for _, n := range m.Names() {
		s := m.States[n]
		if s == nil {
			continue
		}
		if s.Err != nil {
			return fmt.Errorf("state %q: %w", n, s.Err)
		}
		for _, sub := range append(append([]*Machine(nil), s.Branches...), s.ItemProcessor, s.Iterator) {
			if err := sub.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// StringMember returns the member key of a JSON object when it is a string.
func StringMember(object json.RawMessage, key string) (string, bool) {
	var o map[string]json.RawMessage
	if json.Unmarshal(object, &o) != nil {
		return "", false
	}
	var s string
	if raw, ok := o[key]; !ok || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
