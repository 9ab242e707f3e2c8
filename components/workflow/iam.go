package workflow

import (
	pkgpath "path"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/policy"
)

// self identifies the state machine for the statements that name it: it cannot use the state
// machine's ARN output (the role must exist first), so ARNs are built from the physical name.
type self struct {
	partition, region, account, name string
}

func (s self) arn(kind, rest string) string {
	return "arn:" + s.partition + ":states:" + s.region + ":" + s.account + ":" + kind + ":" + rest
}

// statements derives the role's statements from the rendered definition (collect mode).
func statements(r *renderer, me self) []policy.Statement {
	var out []policy.Statement
	seen := map[any]bool{}
	// once reports whether a target is seen for the first time; targets that cannot be map keys
	// (a comparable type holding an incomparable value) are simply never deduplicated.
	once := func(t any) (first bool) {
		if t == nil {
			return false
		}
		defer func() {
			if recover() != nil {
				first = true
			}
		}()
		if reflect.TypeOf(t).Comparable() {
			if seen[t] {
				return false
			}
			seen[t] = true
		}
		return true
	}
	for _, c := range r.calls {
		switch x := derefCall(c.call).(type) {
		case Invoke:
			if once(x.Worker) {
				out = append(out, x.Worker.DeliverStatements()...)
			}
		case SendMessage:
			if once(x.Queue) {
				out = append(out, x.Queue.DeliverStatements()...)
			}
		case StartWorkflow:
			if !once(x.Workflow) {
				continue
			}
			out = append(out, x.Workflow.DeliverStatements()...)
			if x.Wait {
				// The .sync pattern polls and stops the nested execution and relies on an
				// EventBridge rule managed by Step Functions.
				// https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html
				execs := x.Workflow.TargetArn().ApplyT(func(a string) string {
					return strings.Replace(a, ":stateMachine:", ":execution:", 1) + ":*"
				}).(pulumi.StringOutput)
				out = append(out,
					policy.Statement{Sid: "", Actions: []string{"states:DescribeExecution", "states:StopExecution"}, Resources: []pulumi.StringInput{execs}},
					policy.Statement{Actions: []string{"events:PutTargets", "events:PutRule", "events:DescribeRule"},
						Resources: policy.Strings("arn:" + me.partition + ":events:" + me.region + ":" + me.account + ":rule/StepFunctionsGetEventsForStepFunctionsExecutionRule")})
			}
		case Service:
			out = append(out, x.Statements...)
		}
	}
	bucketArn := func(b pulumi.StringInput, suffix string) pulumi.StringInput {
		return pulumi.Sprintf("arn:%s:s3:::%s%s", me.partition, b, suffix)
	}
	for _, rd := range r.readers {
		switch rd.Source {
		case ListObjects:
			st := policy.Statement{Actions: []string{"s3:ListBucket"}, Resources: []pulumi.StringInput{bucketArn(rd.Bucket, "")}}
			if rd.Prefix != "" {
				st.Conditions = []policy.Condition{{Test: "StringLike", Variable: "s3:prefix", Values: policy.Strings(rd.Prefix + "*")}}
			}
			out = append(out, st)
		case Manifest:
			// The manifest lists data files under <destination prefix>/<source>/<config>/data/;
			// the manifest itself is at <...>/<config>/<date>/manifest.json.
			dataDir := pkgpath.Dir(pkgpath.Dir(rd.Key))
			res := []pulumi.StringInput{bucketArn(rd.Bucket, "/"+rd.Key)}
			if dataDir == "." {
				res = append(res, bucketArn(rd.Bucket, "/data/*"))
			} else {
				res = append(res, bucketArn(rd.Bucket, "/"+dataDir+"/data/*"))
			}
			out = append(out, policy.Statement{Actions: []string{"s3:GetObject"}, Resources: res})
		default:
			key := "/" + rd.Key
			if rd.KeyPath != "" {
				// The key is only known at run time: every key under Prefix.
				key = "/" + rd.Prefix + "*"
			}
			out = append(out, policy.Statement{Actions: []string{"s3:GetObject"}, Resources: []pulumi.StringInput{bucketArn(rd.Bucket, key)}})
		}
	}
	for _, w := range r.writers {
		prefix := strings.TrimSuffix(w.Prefix, "/")
		key := "/*"
		if prefix != "" {
			key = "/" + prefix + "/*"
		}
		out = append(out, policy.Statement{
			Actions:   []string{"s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"},
			Resources: []pulumi.StringInput{bucketArn(w.Bucket, key)},
		})
	}
	if r.distributed {
		// A Distributed Map starts child executions of its own state machine and follows them.
		// https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
		out = append(out,
			policy.Statement{Actions: []string{"states:StartExecution"}, Resources: policy.Strings(me.arn("stateMachine", me.name))},
			// Child executions are named <name>/<label>:<id>; the page's current example also
			// names the state machine's own executions, <name>:<id>.
			policy.Statement{Actions: []string{"states:DescribeExecution", "states:StopExecution"},
				Resources: policy.Strings(me.arn("execution", me.name+"/*"), me.arn("execution", me.name+":*"))},
			// Redriving an execution redrives its Map Runs, which redrive their unsuccessful
			// child executions as the state machine's role.
			// https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html
			policy.Statement{Actions: []string{"states:RedriveExecution"}, Resources: policy.Strings(me.arn("execution", me.name+"/*"))},
		)
	}
	return out
}

// serviceStatements are what every skein state machine needs: X-Ray segments and log delivery.
// Both services only accept "*" as the resource for these actions.
// https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
func serviceStatements(tracing, logging bool) []policy.Statement {
	var out []policy.Statement
	if tracing {
		out = append(out, policy.Statement{
			Actions:   []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"},
			Resources: policy.Strings("*"), // X-Ray has no resource-level permissions
		})
	}
	if logging {
		out = append(out, policy.Statement{
			Actions: []string{"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
				"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"},
			Resources: policy.Strings("*"), // vended log delivery accepts only "*"
		})
	}
	return out
}
