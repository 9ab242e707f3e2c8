package sfnlocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Server speaks the AWS Step Functions JSON protocol (POST /, X-Amz-Target:
// AWSStepFunctions.<Operation>, application/x-amz-json-1.0) over engines it makes with its
// Options, so that AWS SDKs and the AWS CLI (with --endpoint-url) drive local executions, and
// serves a console listing the executions at GET /. It is what `sfnlocal serve` runs.
//
// Operations: CreateStateMachine (name, definition, type), DescribeStateMachine,
// StartExecution (name, input; runs in the background), DescribeExecution (with redriveCount,
// redriveDate, redriveStatus, redriveStatusReason), RedriveExecution (runs the redrive in the
// background and returns redriveDate), ListMapRuns, DescribeMapRun (counts over the whole run)
// and ListExecutions. Refusals are HTTP 400 with AWS's
// {"__type","message"}: ExecutionDoesNotExist, ExecutionNotRedrivable, ExecutionAlreadyExists,
// InvalidArn, InvalidDefinition, StateMachineDoesNotExist, StateMachineAlreadyExists,
// ValidationException, UnknownOperationException. Timestamps are epoch seconds, as AWS sends
// them.
type Server struct {
	opts Options
	mu   sync.Mutex
	sms  map[string]*serverSM // by state machine ARN
	bg   sync.WaitGroup
	ctx  context.Context
	stop context.CancelFunc
}

type serverSM struct {
	name, typ, definition string
	created               time.Time
	eng                   *Engine
	order                 []string // execution ARNs, oldest first
}

// NewServer returns a Server whose state machines run with opts (Name and Type come from
// CreateStateMachine, TaskOverrides from AddStateMachine; nil means the zero Options, see
// Options), sharing one Store and one Queues (nil: a new MemStore and MemQueues). Close stops
// and waits for the executions it started.
func NewServer(opts *Options) *Server {
	s := &Server{sms: map[string]*serverSM{}}
	if opts != nil {
		s.opts = *opts
	}
	s.opts.TaskOverrides = nil
	if s.opts.Store == nil {
		s.opts.Store = NewMemStore() // one store for every state machine, as one account's S3
	}
	if s.opts.Queues == nil {
		s.opts.Queues = &MemQueues{}
	}
	s.ctx, s.stop = context.WithCancel(context.Background())
	return s
}

// AddStateMachine is CreateStateMachine from Go: it makes an engine for def named name (type
// STANDARD or EXPRESS, empty meaning STANDARD; overrides as Options.TaskOverrides, nil meaning
// none) and returns its ARN.
func (s *Server) AddStateMachine(name, typ string, def []byte, overrides map[string]Invoker) (string, error) {
	d, err := Parse(def)
	if err != nil {
		return "", &RequestError{Code: "InvalidDefinition", Message: err.Error()}
	}
	o := s.opts
	o.Name, o.Type, o.TaskOverrides = name, typ, overrides
	eng, err := New(d, &o)
	if err != nil {
		return "", &RequestError{Code: "ValidationException", Message: err.Error()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sms[eng.arn]; ok {
		return "", &RequestError{Code: "StateMachineAlreadyExists", Message: "State Machine Already Exists: '" + eng.arn + "'"}
	}
	s.sms[eng.arn] = &serverSM{name: name, typ: eng.opts.Type, definition: string(def), created: time.Now().UTC(), eng: eng}
	return eng.arn, nil
}

// Close cancels the executions still running and waits for them.
func (s *Server) Close() {
	s.stop()
	s.bg.Wait()
}

// Wait waits until no execution or redrive the server started is running.
func (s *Server) Wait() { s.bg.Wait() }

func (s *Server) machine(arn string) (*serverSM, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sm := s.sms[arn]; sm != nil {
		return sm, nil
	}
	if !strings.HasPrefix(arn, "arn:aws:states:") {
		return nil, &RequestError{Code: CodeInvalidArn, Message: fmt.Sprintf("Invalid Arn: '%s'", arn)}
	}
	return nil, &RequestError{Code: "StateMachineDoesNotExist", Message: "State Machine Does Not Exist: '" + arn + "'"}
}

// machineOfExecution finds the state machine of an execution ARN
// (arn:aws:states:region:account:execution:<machine>:<name>).
func (s *Server) machineOfExecution(arn string) (*serverSM, error) {
	parts := strings.Split(arn, ":")
	if len(parts) < 8 || parts[0] != "arn" || parts[2] != "states" || parts[5] != "execution" {
		return nil, &RequestError{Code: CodeInvalidArn, Message: fmt.Sprintf("Invalid Arn: '%s'", arn)}
	}
	smArn := strings.Join(append(parts[:5:5], "stateMachine", parts[6]), ":")
	s.mu.Lock()
	defer s.mu.Unlock()
	sm := s.sms[smArn]
	if sm == nil {
		return nil, &RequestError{Code: CodeExecutionDoesNotExist, Message: "Execution Does Not Exist: '" + arn + "'"}
	}
	return sm, nil
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// describeJSON is DescribeExecution's response: d with epoch-second dates.
func describeJSON(d *ExecutionDescription) map[string]any {
	m := map[string]any{
		"executionArn": d.ExecutionArn, "stateMachineArn": d.StateMachineArn, "name": d.Name, "status": d.Status,
		"startDate": epoch(d.StartDate), "input": d.Input, "inputDetails": map[string]any{"included": true},
		"redriveCount": d.RedriveCount, "redriveStatus": d.RedriveStatus,
	}
	if !d.StopDate.IsZero() {
		m["stopDate"] = epoch(d.StopDate)
	}
	if d.Status == StatusSucceeded {
		m["output"], m["outputDetails"] = d.Output, map[string]any{"included": true}
	}
	if d.Error != "" {
		m["error"] = d.Error
	}
	if d.Cause != "" {
		m["cause"] = d.Cause
	}
	if !d.RedriveDate.IsZero() {
		m["redriveDate"] = epoch(d.RedriveDate)
	}
	if d.RedriveStatusReason != "" {
		m["redriveStatusReason"] = d.RedriveStatusReason
	}
	return m
}

// ServeHTTP answers POST / as the Step Functions JSON protocol and GET / with the console.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/" {
		s.console(w)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST a Step Functions JSON request, or GET / for the console", http.StatusMethodNotAllowed)
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	var req map[string]any
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeAPIError(w, &RequestError{Code: "SerializationException", Message: "the body is not a JSON object: " + err.Error()})
			return
		}
	}
	str := func(k string) string { v, _ := req[k].(string); return v }
	var (
		resp any
		err  error
	)
	switch {
	case !ok:
		err = &RequestError{Code: "UnknownOperationException", Message: "X-Amz-Target must be AWSStepFunctions.<Operation>, got " + r.Header.Get("X-Amz-Target")}
	case op == "CreateStateMachine":
		var arn string
		if arn, err = s.AddStateMachine(str("name"), str("type"), []byte(str("definition")), nil); err == nil {
			resp = map[string]any{"stateMachineArn": arn, "creationDate": epoch(time.Now())}
		}
	case op == "DescribeStateMachine":
		var sm *serverSM
		if sm, err = s.machine(str("stateMachineArn")); err == nil {
			resp = map[string]any{"stateMachineArn": sm.eng.arn, "name": sm.name, "type": sm.typ, "status": "ACTIVE",
				"definition": sm.definition, "roleArn": fmt.Sprintf("arn:aws:iam::%s:role/sfnlocal", sm.eng.opts.Account), "creationDate": epoch(sm.created)}
		}
	case op == "StartExecution":
		resp, err = s.startExecution(str("stateMachineArn"), str("name"), str("input"), req["input"] != nil)
	case op == "DescribeExecution":
		var sm *serverSM
		if sm, err = s.machineOfExecution(str("executionArn")); err == nil {
			var d *ExecutionDescription
			if d, err = sm.eng.Describe(str("executionArn")); err == nil {
				resp = describeJSON(d)
			}
		}
	case op == "RedriveExecution":
		resp, err = s.redrive(str("executionArn"))
	case op == "ListMapRuns":
		var sm *serverSM
		if sm, err = s.machineOfExecution(str("executionArn")); err == nil {
			runs := []any{}
			for _, arn := range sm.eng.MapRunsOf(str("executionArn")) {
				if d, derr := sm.eng.DescribeMapRun(arn); derr == nil {
					label := arn[strings.Index(arn, ":mapRun:")+len(":mapRun:") : strings.LastIndex(arn, ":")]
					runs = append(runs, map[string]any{"executionArn": d.ExecutionArn, "mapRunArn": arn, "startDate": epoch(d.StartDate),
						"stopDate": epoch(d.StopDate), "stateMachineArn": fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", sm.eng.opts.Region, sm.eng.opts.Account, label)})
				}
			}
			resp = map[string]any{"mapRuns": runs}
		}
	case op == "DescribeMapRun":
		resp, err = s.describeMapRun(str("mapRunArn"))
	case op == "ListExecutions":
		resp, err = s.listExecutions(str("stateMachineArn"), str("statusFilter"))
	default:
		err = &RequestError{Code: "UnknownOperationException", Message: "sfnlocal serve does not implement " + op}
	}
	if err != nil {
		writeAPIError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(resp)
}

func writeAPIError(w http.ResponseWriter, err error) {
	var re *RequestError
	if !errors.As(err, &re) {
		re = &RequestError{Code: "InternalFailure", Message: err.Error()}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", re.Code)
	status := http.StatusBadRequest
	if re.Code == "InternalFailure" {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": re.Code, "message": re.Message})
}

func (s *Server) startExecution(smArn, name, input string, hasInput bool) (any, error) {
	sm, err := s.machine(smArn)
	if err != nil {
		return nil, err
	}
	if !hasInput || strings.TrimSpace(input) == "" {
		input = "{}"
	}
	v, perr := parseJSON([]byte(input))
	if perr != nil {
		return nil, &RequestError{Code: "InvalidExecutionInput", Message: "the input is not JSON: " + perr.Error()}
	}
	if lim := sm.eng.opts.Limits.PayloadBytes; lim > 0 && len(input) > lim {
		return nil, &RequestError{Code: "InvalidExecutionInput", Message: fmt.Sprintf("the input is %d bytes, more than %d", len(input), lim)}
	}
	if name == "" {
		name = newUUID()
	}
	arn := strings.Replace(sm.eng.arn, ":stateMachine:", ":execution:", 1) + ":" + name
	sm.eng.execMu.Lock()
	_, exists := sm.eng.execs[arn]
	sm.eng.execMu.Unlock()
	if exists {
		return nil, &RequestError{Code: "ExecutionAlreadyExists", Message: "Execution Already Exists: '" + arn + "'"}
	}
	run := sm.eng.begin(name, v, []byte(input))
	s.mu.Lock()
	sm.order = append(sm.order, arn)
	s.mu.Unlock()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		_, _, _ = run(s.ctx)
	}()
	return map[string]any{"executionArn": arn, "startDate": epoch(time.Now())}, nil
}

func (s *Server) redrive(arn string) (any, error) {
	sm, err := s.machineOfExecution(arn)
	if err != nil {
		return nil, err
	}
	run, err := sm.eng.beginRedrive(arn)
	if err != nil {
		return nil, err
	}
	d, _ := sm.eng.Describe(arn)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		_, _ = run(s.ctx)
	}()
	return map[string]any{"redriveDate": epoch(d.RedriveDate)}, nil
}

func (s *Server) describeMapRun(arn string) (any, error) {
	// arn:aws:states:region:account:mapRun:<machine>/<label>:<id>
	parts := strings.Split(arn, ":")
	if len(parts) < 8 || parts[0] != "arn" || parts[2] != "states" || parts[5] != "mapRun" || !strings.Contains(parts[6], "/") {
		return nil, &RequestError{Code: CodeInvalidArn, Message: fmt.Sprintf("Invalid Arn: '%s'", arn)}
	}
	machine, _, _ := strings.Cut(parts[6], "/")
	sm, err := s.machine(strings.Join(append(parts[:5:5], "stateMachine", machine), ":"))
	if err != nil {
		return nil, &RequestError{Code: "ResourceNotFound", Message: "Map Run Does Not Exist: '" + arn + "'"}
	}
	d, err := sm.eng.DescribeMapRun(arn)
	if err != nil {
		return nil, err
	}
	m := map[string]any{"mapRunArn": d.MapRunArn, "executionArn": d.ExecutionArn, "status": d.Status,
		"startDate": epoch(d.StartDate), "stopDate": epoch(d.StopDate), "maxConcurrency": d.MaxConcurrency,
		"toleratedFailurePercentage": d.ToleratedFailurePercentage, "toleratedFailureCount": d.ToleratedFailureCount,
		"itemCounts": d.ItemCounts, "executionCounts": d.ExecutionCounts, "redriveCount": d.RedriveCount}
	if !d.RedriveDate.IsZero() {
		m["redriveDate"] = epoch(d.RedriveDate)
	}
	return m, nil
}

func (s *Server) listExecutions(smArn, status string) (any, error) {
	sm, err := s.machine(smArn)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	arns := append([]string(nil), sm.order...)
	s.mu.Unlock()
	list := []any{}
	for i := len(arns) - 1; i >= 0; i-- { // newest first, as AWS lists them
		d, err := sm.eng.Describe(arns[i])
		if err != nil || (status != "" && d.Status != status) {
			continue
		}
		m := map[string]any{"executionArn": d.ExecutionArn, "stateMachineArn": d.StateMachineArn, "name": d.Name,
			"status": d.Status, "startDate": epoch(d.StartDate), "redriveCount": d.RedriveCount}
		if !d.StopDate.IsZero() {
			m["stopDate"] = epoch(d.StopDate)
		}
		if !d.RedriveDate.IsZero() {
			m["redriveDate"] = epoch(d.RedriveDate)
		}
		list = append(list, m)
	}
	return map[string]any{"executions": list}, nil
}

var consolePage = htmltemplate.Must(htmltemplate.New("console").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>sfnlocal</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left}tr:nth-child(even){background:#f4f4f4}</style></head>
<body><h1>sfnlocal</h1>
{{range .}}<h2>{{.Name}} <small>({{.Type}})</small></h2>
<table><tr><th>Execution</th><th>Status</th><th>Started</th><th>Stopped</th><th>Redrives</th><th>Redrive status</th><th>Error</th></tr>
{{range .Executions}}<tr><td>{{.Name}}</td><td>{{.Status}}</td><td>{{.StartDate.Format "2006-01-02 15:04:05"}}</td><td>{{if not .StopDate.IsZero}}{{.StopDate.Format "2006-01-02 15:04:05"}}{{end}}</td><td>{{.RedriveCount}}</td><td>{{.RedriveStatus}}</td><td>{{.Error}}</td></tr>
{{else}}<tr><td colspan="7">no executions</td></tr>{{end}}</table>
{{else}}<p>No state machine yet: CreateStateMachine, then StartExecution.</p>{{end}}
</body></html>
`))

func (s *Server) console(w http.ResponseWriter) {
	type smView struct {
		Name, Type string
		Executions []*ExecutionDescription
	}
	s.mu.Lock()
	var views []smView
	type pair struct {
		sm    *serverSM
		order []string
	}
	var sms []pair
	for _, sm := range s.sms {
		sms = append(sms, pair{sm, append([]string(nil), sm.order...)})
	}
	s.mu.Unlock()
	sort.Slice(sms, func(i, j int) bool { return sms[i].sm.name < sms[j].sm.name })
	for _, p := range sms {
		v := smView{Name: p.sm.name, Type: p.sm.typ}
		for i := len(p.order) - 1; i >= 0; i-- {
			if d, err := p.sm.eng.Describe(p.order[i]); err == nil {
				v.Executions = append(v.Executions, d)
			}
		}
		views = append(views, v)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = consolePage.Execute(w, views)
}
