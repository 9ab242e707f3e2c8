package sfnlocal

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

type resourceKind int

const (
	resLambdaARN resourceKind = iota
	resLambdaInvoke
	resSQSSend
	resS3Get
	resS3Put
	resStartExec
	resStartExecSync
	resStartExecSync2
)

// classifyResource recognises the Task resources the engine runs.
func classifyResource(arn string) (resourceKind, error) {
	switch arn {
	case "arn:aws:states:::lambda:invoke":
		return resLambdaInvoke, nil
	case "arn:aws:states:::sqs:sendMessage":
		return resSQSSend, nil
	case "arn:aws:states:::aws-sdk:s3:getObject", "arn:aws:states:::s3:getObject":
		return resS3Get, nil
	case "arn:aws:states:::aws-sdk:s3:putObject", "arn:aws:states:::s3:putObject":
		return resS3Put, nil
	case "arn:aws:states:::states:startExecution":
		return resStartExec, nil
	case "arn:aws:states:::states:startExecution.sync":
		return resStartExecSync, nil
	case "arn:aws:states:::states:startExecution.sync:2":
		return resStartExecSync2, nil
	}
	parts := strings.Split(arn, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" && parts[6] != "" && len(parts) <= 8 {
		return resLambdaARN, nil
	}
	if strings.HasSuffix(arn, ".waitForTaskToken") {
		return 0, fmt.Errorf("callback tasks (.waitForTaskToken) are not supported locally: %q", arn)
	}
	return 0, fmt.Errorf("unsupported resource %q; supported: Lambda function ARNs, arn:aws:states:::lambda:invoke, "+
		"sqs:sendMessage, aws-sdk:s3:getObject/putObject, s3:getObject/putObject, states:startExecution[.sync|.sync:2]", arn)
}

// runTask performs a Task state's work on its effective input.
func (x *execution) runTask(ctx context.Context, s *state, eff any, cf ctxSource) (any, error) {
	timeout := s.timeout
	if s.timeoutPath != nil {
		n, err := intAt(s.timeoutPath, eff, cf, 1, math.MaxInt64, "TimeoutSecondsPath", "a positive integer")
		if err != nil {
			return nil, err
		}
		timeout = float64(n)
	}
	if timeout <= 0 {
		return x.dispatchTask(ctx, s, eff)
	}
	// The handler runs in its own goroutine so a handler that ignores its context still times
	// out on time; it keeps running in the background until it returns.
	tctx, cancel := context.WithTimeout(ctx, time.Duration(timeout*float64(time.Second)))
	defer cancel()
	type result struct {
		v   any
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := x.dispatchTask(tctx, s, eff)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil && tctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return nil, x.taskTimedOut(s, timeout)
		}
		return r.v, r.err
	case <-tctx.Done():
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, x.taskTimedOut(s, timeout)
	}
}

func (x *execution) taskTimedOut(s *state, timeout float64) error {
	// a Task naming a Lambda function by its ARN reports LambdaFunctionTimedOut, service
	// integrations TaskTimedOut (GetExecutionHistory's HistoryEventType)
	if kind, err := classifyResource(s.resource); err == nil && kind == resLambdaARN {
		x.emit("LambdaFunctionTimedOut", map[string]any{"error": ErrTimeout})
	} else {
		typ, action := integrationName(s.resource)
		x.emit("TaskTimedOut", map[string]any{"resource": action, "resourceType": typ, "error": ErrTimeout})
	}
	return &ExecutionError{Name: ErrTimeout, Cause: fmt.Sprintf("The task %q did not finish within its TimeoutSeconds (%v)", s.name, timeout)}
}

func (x *execution) dispatchTask(ctx context.Context, s *state, eff any) (any, error) {
	if h, ok := x.r.eng.opts.TaskOverrides[s.name]; ok {
		return x.callInvoker(ctx, h, s.resource, eff, false)
	}
	kind, err := classifyResource(s.resource)
	if err != nil {
		return nil, newErr(ErrRuntime, "%v", err)
	}
	switch kind {
	case resLambdaARN:
		return x.callLambda(ctx, s.resource, eff, false)
	case resLambdaInvoke:
		p, ok := eff.(*object)
		var fn string
		if ok {
			fn, _ = p.str("FunctionName")
		}
		if !ok || fn == "" {
			return nil, newErr(ErrRuntime, "arn:aws:states:::lambda:invoke needs Parameters.FunctionName (a function name or ARN)")
		}
		var payload any = newObject(0)
		if pl, has := p.get("Payload"); has {
			payload = pl
		}
		return x.callLambda(ctx, fn, payload, true)
	case resSQSSend:
		return x.sqsSend(ctx, s, eff)
	case resS3Get:
		return x.s3Get(ctx, s, eff)
	case resS3Put:
		return x.s3Put(ctx, s, eff)
	case resStartExec, resStartExecSync, resStartExecSync2:
		return x.startExecution(ctx, s, eff, kind)
	}
	return nil, newErr(ErrRuntime, "unsupported resource %q", s.resource)
}

func (x *execution) callLambda(ctx context.Context, fn string, payload any, wrap bool) (any, error) {
	h, ok := x.r.eng.opts.Functions.Lookup(fn)
	if !ok {
		if x.listening() {
			x.emit("LambdaFunctionScheduleFailed", map[string]any{"resource": fn, "error": ErrLambdaResourceNotFound})
		} else {
			x.tally(1)
		}
		return nil, newErr(ErrLambdaResourceNotFound, "Function not found: %s (register it in Options.Functions)", fn)
	}
	return x.callInvoker(ctx, h, fn, payload, wrap)
}

func (x *execution) callInvoker(ctx context.Context, h Invoker, resource string, payload any, wrap bool) (any, error) {
	body, err := marshalJSON(payload)
	if err != nil {
		return nil, newErr(ErrRuntime, "the task input cannot be encoded: %v", err)
	}
	if len(body) > maxPayloadBytes {
		return nil, newErr(ErrDataLimitExceeded, "The task input is %d bytes, more than the 262144-byte limit", len(body))
	}
	// a function named by its ARN reports LambdaFunction* events, the lambda:invoke
	// integration Task* events (resourceType lambda, resource invoke), as in GetExecutionHistory
	failed := func(ee *ExecutionError) {
		if !x.listening() {
			x.tally(1)
			return
		}
		if wrap {
			x.emit("TaskFailed", map[string]any{"resourceType": "lambda", "resource": "invoke", "error": ee.Name, "cause": ee.Cause})
			return
		}
		x.emit("LambdaFunctionFailed", map[string]any{"error": ee.Name, "cause": ee.Cause})
	}
	if x.listening() {
		if wrap {
			params := jsonText(map[string]any{"FunctionName": resource, "Payload": payload})
			x.emit("TaskScheduled", map[string]any{"resourceType": "lambda", "resource": "invoke", "region": x.r.eng.opts.Region, "parameters": params})
			x.emit("TaskStarted", map[string]any{"resourceType": "lambda", "resource": "invoke"})
		} else {
			x.emit("LambdaFunctionScheduled", map[string]any{"resource": resource, "input": string(body)})
			x.emit("LambdaFunctionStarted", nil)
		}
	} else {
		x.tally(2)
	}
	out, err := invokeHandler(ctx, h, body)
	if err != nil {
		ee := asExecErr(err, ErrTaskFailed)
		failed(ee)
		return nil, ee
	}
	if len(out) > maxPayloadBytes {
		// AWS records the failure as the task's (TaskFailed, LambdaFunctionFailed)
		ee := newErr(ErrDataLimitExceeded, "The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", resource)
		failed(ee)
		return nil, ee
	}
	var v any
	if len(strings.TrimSpace(string(out))) == 0 {
		v = nil
	} else if v, err = parseJSON(out); err != nil {
		ee := newErr(ErrTaskFailed, "the function returned a result that is not JSON: %v", err)
		failed(ee)
		return nil, ee
	}
	if !wrap {
		if x.listening() {
			x.emit("LambdaFunctionSucceeded", map[string]any{"output": string(out)})
		} else {
			x.tally(1)
		}
		return v, nil
	}
	reqID := newUUID()
	res := fromGo(map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         v,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": map[string]any{"X-Amz-Executed-Version": []any{"$LATEST"}, "x-amzn-Remapped-Content-Length": []any{"0"},
				"Connection": []any{"keep-alive"}, "x-amzn-RequestId": []any{reqID}, "Content-Type": []any{"application/json"}},
			"HttpHeaders": map[string]any{"Connection": "keep-alive", "Content-Type": "application/json",
				"X-Amz-Executed-Version": "$LATEST", "x-amzn-RequestId": reqID},
			"HttpStatusCode": int64(200),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": reqID},
		"StatusCode":          int64(200),
	}).(*object)
	res = res.with("Payload", v) // v is already an execution value
	if x.listening() {
		x.emit("TaskSucceeded", map[string]any{"resourceType": "lambda", "resource": "invoke", "output": jsonText(res)})
	} else {
		x.tally(1)
	}
	return res, nil
}

func params(eff any, resource string) (*object, error) {
	p, ok := eff.(*object)
	if !ok {
		return nil, newErr(ErrRuntime, "%s needs Parameters (an object), got %s", resource, typeName(eff))
	}
	return p, nil
}

// stringParam reads the Parameters of a call and its member name, a non-empty string.
func stringParam(eff any, resource, name string) (*object, string, error) {
	p, err := params(eff, resource)
	if err != nil {
		return nil, "", err
	}
	v, err := strParam(p, name, resource)
	return p, v, err
}

func strParam(p *object, name, resource string) (string, error) {
	v, _ := p.get(name)
	s, ok := v.(string)
	if !ok || s == "" {
		return "", newErr(ErrRuntime, "%s needs Parameters.%s (a string), got %s", resource, name, mustJSONString(v))
	}
	return s, nil
}

func (x *execution) sqsSend(ctx context.Context, s *state, eff any) (any, error) {
	p, url, err := stringParam(eff, s.resource, "QueueUrl")
	if err != nil {
		return nil, err
	}
	var body string
	mb, _ := p.get("MessageBody")
	switch b := mb.(type) {
	case string:
		body = b
	case nil:
		return nil, newErr(ErrRuntime, "%s needs Parameters.MessageBody", s.resource)
	default:
		body = mustJSONString(b)
	}
	m := Message{QueueUrl: url, Body: body}
	if a, ok := p.get("MessageAttributes"); ok {
		m.Attributes, _ = toGo(a).(map[string]any)
	}
	m.MessageGroupId, _ = p.str("MessageGroupId")
	m.MessageDeduplicationId, _ = p.str("MessageDeduplicationId")
	ds, _ := p.get("DelaySeconds")
	if d, ok := toInt(ds); ok {
		if d < 0 || d > 900 {
			return nil, newErr("SQS.InvalidParameterValueException", "DelaySeconds must be in 0..900, got %d", d)
		}
		m.DelaySeconds = int(d)
	}
	if len(body) > maxPayloadBytes {
		return nil, newErr("SQS.InvalidParameterValueException", "the message body is %d bytes, more than the 262144-byte limit", len(body))
	}
	x.emit("TaskScheduled", map[string]any{"resource": "sendMessage", "resourceType": "sqs", "parameters": jsonText(p)})
	id, err := x.r.eng.opts.Queues.SendMessage(ctx, m)
	if err != nil {
		ee := asExecErr(err, "SQS.SdkClientException")
		x.emit("TaskFailed", map[string]any{"error": ee.Name, "cause": ee.Cause})
		return nil, ee
	}
	sum := md5.Sum([]byte(body))
	out := fromGo(map[string]any{"MD5OfMessageBody": hex.EncodeToString(sum[:]), "MessageId": id,
		"SdkHttpMetadata": map[string]any{"HttpStatusCode": int64(200)}, "SdkResponseMetadata": map[string]any{"RequestId": newUUID()}})
	x.emit("TaskSucceeded", map[string]any{"resource": "sendMessage", "resourceType": "sqs", "output": jsonText(out)})
	return out, nil
}

func s3Err(err error) *ExecutionError {
	var ee *ExecutionError
	switch {
	case errors.As(err, &ee):
		return ee
	case errors.Is(err, ErrNoSuchKey):
		return &ExecutionError{Name: ErrS3NoSuchKey, Cause: err.Error()}
	case errors.Is(err, ErrNoSuchBucket):
		return &ExecutionError{Name: ErrS3NoSuchBucket, Cause: err.Error()}
	}
	return &ExecutionError{Name: "S3.S3Exception", Cause: err.Error()}
}

// s3Object reads the Parameters of an S3 object call: the object, its Bucket and its Key.
func s3Object(eff any, resource string) (p *object, bucket, key string, err error) {
	if p, bucket, err = stringParam(eff, resource, "Bucket"); err != nil {
		return nil, "", "", err
	}
	if key, err = strParam(p, "Key", resource); err != nil {
		return nil, "", "", err
	}
	return p, bucket, key, nil
}

func (x *execution) s3Get(ctx context.Context, s *state, eff any) (any, error) {
	_, bucket, key, err := s3Object(eff, s.resource)
	if err != nil {
		return nil, err
	}
	body, err := x.r.eng.opts.Store.GetObject(ctx, bucket, key)
	if err != nil {
		return nil, s3Err(err)
	}
	sum := md5.Sum(body)
	return fromGo(map[string]any{
		"Body": string(body), "ContentLength": int64(len(body)), "ContentType": "application/octet-stream",
		"ETag": `"` + hex.EncodeToString(sum[:]) + `"`, "AcceptRanges": "bytes", "Metadata": map[string]any{},
	}), nil
}

func (x *execution) s3Put(ctx context.Context, s *state, eff any) (any, error) {
	p, bucket, key, err := s3Object(eff, s.resource)
	if err != nil {
		return nil, err
	}
	var body []byte
	pb, _ := p.get("Body")
	switch b := pb.(type) {
	case string:
		body = []byte(b)
	case nil:
	default:
		body = []byte(mustJSONString(b))
	}
	etag, err := x.r.eng.opts.Store.PutObject(ctx, bucket, key, body)
	if err != nil {
		return nil, s3Err(err)
	}
	return obj("ETag", etag, "ServerSideEncryption", "AES256"), nil
}

func (x *execution) startExecution(ctx context.Context, s *state, eff any, kind resourceKind) (any, error) {
	p, target, err := stringParam(eff, s.resource, "StateMachineArn")
	if err != nil {
		return nil, err
	}
	def := x.r.eng.opts.StateMachines[target]
	smName := target
	if i := strings.LastIndex(target, ":"); i >= 0 {
		smName = target[i+1:]
	}
	if def == nil {
		def = x.r.eng.opts.StateMachines[smName]
	}
	if def == nil {
		return nil, newErr(ErrStateMachineDoesNotExist, "State Machine Does Not Exist: '%s' (register it in Options.StateMachines)", target)
	}
	smArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", x.r.eng.opts.Region, x.r.eng.opts.Account, smName)
	var input any = newObject(0)
	if in, ok := p.get("Input"); ok {
		input = in
		if str, isStr := in.(string); isStr {
			if v, perr := parseJSON([]byte(str)); perr == nil {
				input = v
			}
		}
	}
	name, _ := p.str("Name")
	if name == "" {
		name = newUUID()
	}
	start := time.Now().UTC()
	execArn := x.r.execArn(smArn, name)
	if kind == resStartExec {
		x.r.bg.Add(1)
		go func() {
			defer x.r.bg.Done()
			_, _ = x.r.execute(context.WithoutCancel(ctx), def.m, smArn, smName, name, "", input, def.m.timeout)
		}()
		return obj("ExecutionArn", execArn, "StartDate", start.Format(time.RFC3339Nano)), nil
	}
	out, err := x.r.execute(ctx, def.m, smArn, smName, name, "", input, def.m.timeout)
	stop := time.Now().UTC()
	desc := map[string]any{
		"ExecutionArn": execArn, "StateMachineArn": smArn, "Name": name, "StartDate": start.Format(time.RFC3339Nano),
		"StopDate": stop.Format(time.RFC3339Nano), "Input": jsonText(input),
		"InputDetails": map[string]any{"Included": true},
	}
	if err != nil {
		var ee *ExecutionError
		if !errors.As(err, &ee) {
			return nil, err
		}
		desc["Status"] = "FAILED"
		desc["Error"], desc["Cause"] = ee.Name, ee.Cause
		return nil, &ExecutionError{Name: ErrTaskFailed, Cause: jsonText(fromGo(desc))}
	}
	desc["Status"] = "SUCCEEDED"
	desc["OutputDetails"] = map[string]any{"Included": true}
	if kind == resStartExecSync2 {
		o := fromGo(desc).(*object)
		return o.with("Input", input).with("Output", out), nil
	}
	desc["Output"] = jsonText(out)
	return fromGo(desc), nil
}

// integrationName splits an arn:aws:states:::<service>:<action> resource into the resourceType
// and resource that Task* history events report ("sqs", "sendMessage"; "lambda", "invoke").
func integrationName(resource string) (resourceType, action string) {
	rest, ok := strings.CutPrefix(resource, "arn:aws:states:::")
	if !ok {
		return "", resource
	}
	rest = strings.TrimPrefix(rest, "aws-sdk:")
	typ, act, _ := strings.Cut(rest, ":")
	return typ, act
}
