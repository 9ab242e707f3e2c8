package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/policy"
)

// Resource ARNs of the service integrations skein writes.
const (
	lambdaInvokeResource   = "arn:aws:states:::lambda:invoke"
	sqsSendResource        = "arn:aws:states:::sqs:sendMessage"
	startExecResource      = "arn:aws:states:::states:startExecution"
	startExecSyncResource  = "arn:aws:states:::states:startExecution.sync:2"
	s3ListResource         = "arn:aws:states:::s3:listObjectsV2"
	s3GetResource          = "arn:aws:states:::s3:getObject"
	s3PutResource          = "arn:aws:states:::s3:putObject"
	defaultInlineMax       = 40
	defaultDistributedMax  = 1000
	placeholderArnForSizes = "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:placeholder-for-size-estimates-of-definitions-0123456789abcdef0123456789abcdef"
)

// wire is one ASL state as it is marshalled; field order is the order in the JSON.
type wire struct {
	Type                       string           `json:"Type"`
	Comment                    string           `json:"Comment,omitempty"`
	Resource                   string           `json:"Resource,omitempty"`
	InputPath                  *path            `json:"InputPath,omitempty"`
	ItemsPath                  string           `json:"ItemsPath,omitempty"`
	ItemReader                 *wireReader      `json:"ItemReader,omitempty"`
	ItemSelector               map[string]any   `json:"ItemSelector,omitempty"`
	ItemBatcher                *wireBatcher     `json:"ItemBatcher,omitempty"`
	ItemProcessor              *wireProcessor   `json:"ItemProcessor,omitempty"`
	MaxConcurrency             *int             `json:"MaxConcurrency,omitempty"`
	ToleratedFailurePercentage *float64         `json:"ToleratedFailurePercentage,omitempty"`
	ToleratedFailureCount      *int             `json:"ToleratedFailureCount,omitempty"`
	Label                      string           `json:"Label,omitempty"`
	ResultWriter               *wireWriter      `json:"ResultWriter,omitempty"`
	Branches                   []*wireMachine   `json:"Branches,omitempty"`
	Parameters                 map[string]any   `json:"Parameters,omitempty"`
	Result                     any              `json:"Result,omitempty"`
	Choices                    []map[string]any `json:"Choices,omitempty"`
	Default                    string           `json:"Default,omitempty"`
	Seconds                    *int             `json:"Seconds,omitempty"`
	Timestamp                  string           `json:"Timestamp,omitempty"`
	SecondsPath                string           `json:"SecondsPath,omitempty"`
	TimestampPath              string           `json:"TimestampPath,omitempty"`
	TimeoutSeconds             int              `json:"TimeoutSeconds,omitempty"`
	HeartbeatSeconds           int              `json:"HeartbeatSeconds,omitempty"`
	ResultSelector             map[string]any   `json:"ResultSelector,omitempty"`
	ResultPath                 *path            `json:"ResultPath,omitempty"`
	OutputPath                 *path            `json:"OutputPath,omitempty"`
	Error                      string           `json:"Error,omitempty"`
	Cause                      string           `json:"Cause,omitempty"`
	ErrorPath                  string           `json:"ErrorPath,omitempty"`
	CausePath                  string           `json:"CausePath,omitempty"`
	Retry                      []wireRetry      `json:"Retry,omitempty"`
	Catch                      []wireCatch      `json:"Catch,omitempty"`
	Next                       string           `json:"Next,omitempty"`
	End                        bool             `json:"End,omitempty"`
}

type wireMachine struct {
	Comment        string           `json:"Comment,omitempty"`
	StartAt        string           `json:"StartAt"`
	States         map[string]*wire `json:"States"`
	TimeoutSeconds int              `json:"TimeoutSeconds,omitempty"`
}

type wireProcessor struct {
	ProcessorConfig map[string]string `json:"ProcessorConfig"`
	StartAt         string            `json:"StartAt"`
	States          map[string]*wire  `json:"States"`
}

type wireReader struct {
	Resource     string         `json:"Resource"`
	ReaderConfig map[string]any `json:"ReaderConfig,omitempty"`
	Parameters   map[string]any `json:"Parameters"`
}

type wireBatcher struct {
	MaxItemsPerBatch      int            `json:"MaxItemsPerBatch,omitempty"`
	MaxInputBytesPerBatch int            `json:"MaxInputBytesPerBatch,omitempty"`
	BatchInput            map[string]any `json:"BatchInput,omitempty"`
}

type wireWriter struct {
	Resource   string         `json:"Resource"`
	Parameters map[string]any `json:"Parameters"`
}

type wireRetry struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds int      `json:"IntervalSeconds"`
	MaxAttempts     int      `json:"MaxAttempts"`
	BackoffRate     float64  `json:"BackoffRate"`
	MaxDelaySeconds int      `json:"MaxDelaySeconds,omitempty"`
	JitterStrategy  string   `json:"JitterStrategy,omitempty"`
}

type wireCatch struct {
	ErrorEquals []string `json:"ErrorEquals"`
	ResultPath  *path    `json:"ResultPath,omitempty"`
	Next        string   `json:"Next"`
}

// path renders Discard as JSON null.
type path string

func (p path) MarshalJSON() ([]byte, error) {
	if p == Discard {
		return []byte("null"), nil
	}
	return json.Marshal(string(p))
}

func pathOf(s string) *path {
	if s == "" {
		return nil
	}
	p := path(s)
	return &p
}

// slot is one value of a definition that is only known once other resources exist: a target's
// ARN or a bucket's name. Rendering visits slots in a fixed order, so the values resolved by
// pulumi.All come back in that order.
type slot struct {
	target policy.Target
	bucket pulumi.StringInput
}

// renderer renders a definition. In collect mode it records slots and writes placeholders (long
// enough to estimate the definition's size); otherwise it consumes resolved values in order.
type renderer struct {
	collect bool
	slots   []slot
	vals    []string
	next    int
	// targets records every call target, in order, for IAM derivation.
	calls []callRef
	// readers and writers record the S3 access Distributed Maps need.
	readers []*ItemReader
	writers []*ResultWriter
	// distributed is set when any Distributed Map exists.
	distributed bool
	// enclosing is the product of the MaxConcurrency of the Maps around the state being
	// rendered (0 or 1 at the top).
	enclosing int
}

type callRef struct {
	call Call
}

func (r *renderer) value(s slot) string {
	if r.collect {
		r.slots = append(r.slots, s)
		if s.bucket != nil {
			return "placeholder-bucket-name-for-size-estimates-0123456789abcdef-0123"
		}
		return placeholderArnForSizes
	}
	if r.next >= len(r.vals) {
		return ""
	}
	v := r.vals[r.next]
	r.next++
	return v
}

func (r *renderer) machine(d *Definition) *wireMachine {
	m := &wireMachine{Comment: d.Comment, StartAt: d.StartAt, States: r.states(d.States)}
	m.TimeoutSeconds = int(d.Timeout / time.Second)
	return m
}

func (r *renderer) states(ss States) map[string]*wire {
	out := make(map[string]*wire, len(ss))
	for _, name := range sortedNames(ss) {
		out[name] = r.state(name, ss[name])
	}
	return out
}

func sortedNames(ss States) []string {
	names := make([]string, 0, len(ss))
	for n := range ss {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func seconds(d time.Duration) int { return int(d / time.Second) }

func (r *renderer) state(name string, s State) *wire {
	switch x := s.(type) {
	case *Task:
		return r.task(x)
	case *Map:
		return r.mapState(name, x)
	case *Parallel:
		w := &wire{Type: "Parallel", Comment: x.Comment, InputPath: pathOf(x.InputPath), OutputPath: pathOf(x.OutputPath),
			Parameters: x.Parameters, ResultSelector: x.ResultSelector, ResultPath: pathOf(x.ResultPath),
			Retry: retries(x.Retry), Catch: catches(x.Catch), Next: x.Next, End: x.End}
		for i := range x.Branches {
			w.Branches = append(w.Branches, r.machine(&x.Branches[i]))
		}
		return w
	case *Choice:
		w := &wire{Type: "Choice", Comment: x.Comment, InputPath: pathOf(x.InputPath), OutputPath: pathOf(x.OutputPath), Default: x.Default}
		for _, rule := range x.Choices {
			c := renderCondition(rule.Condition)
			c["Next"] = rule.Next
			if rule.Comment != "" {
				c["Comment"] = rule.Comment
			}
			w.Choices = append(w.Choices, c)
		}
		return w
	case *Pass:
		return &wire{Type: "Pass", Comment: x.Comment, InputPath: pathOf(x.InputPath), OutputPath: pathOf(x.OutputPath),
			Parameters: x.Parameters, Result: x.Result, ResultPath: pathOf(x.ResultPath), Next: x.Next, End: x.End}
	case *Wait:
		w := &wire{Type: "Wait", Comment: x.Comment, InputPath: pathOf(x.InputPath), OutputPath: pathOf(x.OutputPath),
			Timestamp: x.Timestamp, SecondsPath: x.SecondsPath, TimestampPath: x.TimestampPath, Next: x.Next, End: x.End}
		if x.Timestamp == "" && x.SecondsPath == "" && x.TimestampPath == "" {
			n := x.Seconds
			w.Seconds = &n
		}
		return w
	case *Succeed:
		return &wire{Type: "Succeed", Comment: x.Comment, InputPath: pathOf(x.InputPath), OutputPath: pathOf(x.OutputPath)}
	case *Fail:
		return &wire{Type: "Fail", Comment: x.Comment, Error: x.Error, Cause: x.Cause, ErrorPath: x.ErrorPath, CausePath: x.CausePath}
	}
	return &wire{Type: "Pass", End: true}
}

func retries(rs []Retry) []wireRetry {
	if len(rs) == 0 {
		return nil
	}
	out := make([]wireRetry, len(rs))
	for i, r := range rs {
		w := wireRetry{ErrorEquals: r.ErrorEquals, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
		if r.Interval > 0 {
			w.IntervalSeconds = seconds(r.Interval)
		}
		if r.MaxAttempts != nil {
			w.MaxAttempts = *r.MaxAttempts
		}
		if r.BackoffRate != 0 {
			w.BackoffRate = r.BackoffRate
		}
		w.MaxDelaySeconds = seconds(r.MaxDelay)
		if r.FullJitter {
			w.JitterStrategy = "FULL"
		}
		out[i] = w
	}
	return out
}

func catches(cs []Catch) []wireCatch {
	if len(cs) == 0 {
		return nil
	}
	out := make([]wireCatch, len(cs))
	for i, c := range cs {
		out[i] = wireCatch{ErrorEquals: c.ErrorEquals, ResultPath: pathOf(c.ResultPath), Next: c.Next}
	}
	return out
}

// effectiveRetry is the retriers a Task runs with: Retry or the call's defaults, then AlsoRetry.
func effectiveRetry(t *Task) []Retry {
	var rs []Retry
	switch {
	case t.Retry != nil:
		rs = append(rs, t.Retry...)
	default:
		switch c := derefCall(t.Call).(type) {
		case Invoke:
			if !policy.IsNil(c.Worker) && c.Worker.ReservedConcurrency() > 0 {
				// A throttle of a reserved worker is the budget at work: retried for longer.
				transient := DefaultWorkerRetry()
				transient.ErrorEquals = transient.ErrorEquals[:0]
				for _, e := range LambdaTransientErrors() {
					if e != "Lambda.TooManyRequestsException" {
						transient.ErrorEquals = append(transient.ErrorEquals, e)
					}
				}
				rs = append(rs, transient, ThrottleRetry())
			} else {
				rs = append(rs, DefaultWorkerRetry())
			}
		case SendMessage, *SendMessage:
			rs = append(rs, DefaultSendRetry())
		}
	}
	return append(rs, t.AlsoRetry...)
}

func payload(params map[string]any, key string) map[string]any {
	if params == nil {
		return map[string]any{key + ".$": "$"}
	}
	return map[string]any{key: params}
}

func (r *renderer) task(t *Task) *wire {
	w := &wire{Type: "Task", Comment: t.Comment, InputPath: pathOf(t.InputPath), OutputPath: pathOf(t.OutputPath),
		ResultSelector: t.ResultSelector, ResultPath: pathOf(t.ResultPath),
		TimeoutSeconds: seconds(t.Timeout), HeartbeatSeconds: seconds(t.Heartbeat),
		Retry: retries(effectiveRetry(t)), Catch: catches(t.Catch), Next: t.Next, End: t.End}
	r.calls = append(r.calls, callRef{call: t.Call})
	switch c := derefCall(t.Call).(type) {
	case Invoke:
		arn := r.value(slot{target: c.Worker})
		if !c.Integration {
			w.Resource = arn
			w.Parameters = t.Parameters
			break
		}
		w.Resource = lambdaInvokeResource
		w.Parameters = payload(t.Parameters, "Payload")
		w.Parameters["FunctionName"] = arn
		if t.ResultSelector == nil && t.ResultPath == "" && t.OutputPath == "" {
			w.OutputPath = pathOf("$.Payload")
		}
	case SendMessage:
		arn := r.value(slot{target: c.Queue})
		w.Resource = sqsSendResource
		w.Parameters = payload(t.Parameters, "MessageBody")
		w.Parameters["QueueUrl"] = queueURL(arn)
		if c.MessageGroupId != "" {
			w.Parameters["MessageGroupId"] = c.MessageGroupId
		}
	case StartWorkflow:
		arn := r.value(slot{target: c.Workflow})
		w.Resource = startExecResource
		if c.Wait {
			w.Resource = startExecSyncResource
		}
		w.Parameters = payload(t.Parameters, "Input")
		w.Parameters["StateMachineArn"] = arn
	case Service:
		w.Resource = c.Resource
		w.Parameters = t.Parameters
	}
	return w
}

// derefCall returns a call given by pointer as its value (nil for a nil pointer), so that the
// renderer switches on values only.
func derefCall(c Call) Call {
	switch x := c.(type) {
	case *Invoke:
		return deref(x)
	case *SendMessage:
		return deref(x)
	case *StartWorkflow:
		return deref(x)
	case *Service:
		return deref(x)
	}
	return c
}

func deref[T Call](p *T) Call {
	if p == nil {
		return nil
	}
	return *p
}

// queueURL turns an SQS queue ARN into its URL: arn:PART:sqs:REGION:ACCOUNT:NAME becomes
// https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (amazonaws.com.cn in China).
func queueURL(arn string) string {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[2] != "sqs" {
		return arn
	}
	suffix := "amazonaws.com"
	if p[1] == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	return fmt.Sprintf("https://sqs.%s.%s/%s/%s", p[3], suffix, p[4], p[5])
}

func (r *renderer) mapState(name string, m *Map) *wire {
	enclosing := max(r.enclosing, 1)
	n := mapConcurrency(m, enclosing)
	w := &wire{Type: "Map", Comment: m.Comment, InputPath: pathOf(m.InputPath), OutputPath: pathOf(m.OutputPath),
		ItemsPath: m.ItemsPath, ItemSelector: m.ItemSelector, MaxConcurrency: &n,
		ResultSelector: m.ResultSelector, ResultPath: pathOf(m.ResultPath),
		Retry: retries(m.Retry), Catch: catches(m.Catch), Next: m.Next, End: m.End}
	proc := processorOf(name, m)
	w.ItemProcessor = &wireProcessor{ProcessorConfig: map[string]string{"Mode": "INLINE"}, StartAt: proc.StartAt}
	if d := m.Distributed; d != nil {
		r.distributed = true
		et := d.ExecutionType
		if et == "" {
			et = Express
		}
		w.ItemProcessor.ProcessorConfig = map[string]string{"Mode": "DISTRIBUTED", "ExecutionType": string(et)}
		w.Label = d.Label
		if d.ToleratedFailurePercentage > 0 {
			p := d.ToleratedFailurePercentage
			w.ToleratedFailurePercentage = &p
		}
		if d.ToleratedFailureCount > 0 {
			c := d.ToleratedFailureCount
			w.ToleratedFailureCount = &c
		}
		if rd := d.Reader; rd != nil {
			r.readers = append(r.readers, rd)
			w.ItemReader = r.reader(rd)
		}
		if b := d.Batcher; b != nil {
			w.ItemBatcher = &wireBatcher{MaxItemsPerBatch: b.MaxItemsPerBatch, MaxInputBytesPerBatch: b.MaxInputBytesPerBatch, BatchInput: b.BatchInput}
		}
		if wr := d.Writer; wr != nil {
			r.writers = append(r.writers, wr)
			params := map[string]any{"Bucket": r.value(slot{bucket: wr.Bucket})}
			if wr.Prefix != "" {
				params["Prefix"] = wr.Prefix
			}
			w.ResultWriter = &wireWriter{Resource: s3PutResource, Parameters: params}
		}
	}
	r.enclosing = enclosing * n
	w.ItemProcessor.States = r.states(proc.States)
	r.enclosing = enclosing
	return w
}

func (r *renderer) reader(rd *ItemReader) *wireReader {
	bucket := r.value(slot{bucket: rd.Bucket})
	w := &wireReader{Parameters: map[string]any{"Bucket": bucket}}
	cfg := map[string]any{}
	if rd.Source == ListObjects {
		w.Resource = s3ListResource
		if rd.Prefix != "" {
			w.Parameters["Prefix"] = rd.Prefix
		}
	} else {
		w.Resource = s3GetResource
		if rd.KeyPath != "" {
			w.Parameters["Key.$"] = rd.KeyPath
		} else {
			w.Parameters["Key"] = rd.Key
		}
		cfg["InputType"] = string(rd.Source)
		if rd.Source == CSV {
			if len(rd.CSVHeaders) > 0 {
				cfg["CSVHeaderLocation"] = "GIVEN"
				cfg["CSVHeaders"] = rd.CSVHeaders
			} else {
				cfg["CSVHeaderLocation"] = "FIRST_ROW"
			}
			if rd.CSVDelimiter != "" {
				cfg["CSVDelimiter"] = rd.CSVDelimiter
			}
		}
	}
	if rd.MaxItems > 0 {
		cfg["MaxItems"] = rd.MaxItems
	}
	if len(cfg) > 0 {
		w.ReaderConfig = cfg
	}
	return w
}

// Names of the states a Map with a DeadLetter adds around its processor.
func dlqNames(mapName string) (item, process, send, captured string) {
	return mapName + ": item", mapName + ": process", mapName + ": dead letter", mapName + ": captured"
}

// processorOf is the processor a Map runs: its own, or, with a DeadLetter, its own wrapped so that
// an item that still fails is sent to the queue as {"input","error","cause"} and the iteration
// ends successfully with {"error","cause"}:
//
//	"<map>: item"        Pass      {"input.$": "$"}                      (keep the item)
//	"<map>: process"     Parallel  InputPath $.input, one branch = the processor, OutputPath $[0],
//	                               Catch States.ALL -> dead letter, ResultPath $.error
//	"<map>: dead letter" Task      sqs:sendMessage {"input","error","cause"}, ResultPath null
//	"<map>: captured"    Pass      {"error","cause"}, End
func processorOf(mapName string, m *Map) Definition {
	if policy.IsNil(m.DeadLetter) {
		return m.Processor
	}
	item, process, send, captured := dlqNames(mapName)
	return Definition{
		StartAt: item,
		States: States{
			item: &Pass{Comment: "Keeps the item so a failure can be captured with it.",
				Parameters: map[string]any{"input.$": "$"}, Next: process},
			process: &Parallel{Comment: "Processes the item; a failure that survives the retries goes to the dead-letter queue.",
				IO: IO{InputPath: "$.input", OutputPath: "$[0]"}, Branches: []Definition{m.Processor},
				Catch: []Catch{{ErrorEquals: []string{"States.ALL"}, ResultPath: "$.error", Next: send}}, End: true},
			send: &Task{Comment: "Captures the failed item with its error and cause.",
				Call:       SendMessage{Queue: m.DeadLetter},
				Parameters: map[string]any{"input.$": "$.input", "error.$": "$.error.Error", "cause.$": "$.error.Cause"},
				ResultPath: Discard, Next: captured},
			captured: &Pass{Comment: "Ends the iteration successfully so the other items go on.",
				Parameters: map[string]any{"error.$": "$.error.Error", "cause.$": "$.error.Cause"}, End: true},
		},
	}
}

// marshal renders the machine without HTML escaping ("<", ">" and "&" stay as they are).
func marshal(v any, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if !indent {
		b = bytes.TrimRight(b, "\n")
	}
	return b, nil
}
