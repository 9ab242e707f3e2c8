// Package dashboard is a CloudWatch dashboard for a pipeline: one row per workflow, worker and
// queue, a graph per schedule's dead letters, and graphs of the handlers' own metrics (the
// embedded metric format lines of functions/metrics). The body is built from typed structs
// ([Body], [Widget], [Metric]) and marshalled once every name and ARN it draws is known.
//
//	d, _ := dashboard.NewDashboard(ctx, "pipeline", &dashboard.DashboardArgs{
//		Workflows: map[string]*workflow.Workflow{"export": wf},
//		Workers:   map[string]*worker.Worker{"vendor": vendor},
//		Queues:    map[string]*queue.Queue{"transform": q},
//	})
//
// `make plan` writes each dashboard's body to out/<stage>/dashboards/<logical name>.json.
//
// # Defaults
//
//   - Name "<stage prefix>-<name>" (stage.PhysicalName): CloudWatch requires a name, and stages
//     sharing an account never collide. Region: the stage's.
//   - Every graph: 5-minute period; the dashboard opens on the last 24 hours.
//   - Workflows (AWS/States, per StateMachineArn): executions started, succeeded, failed, timed
//     out, aborted and redriven; execution time. Step Functions publishes no metric per Map Run,
//     so a Distributed Map's items are read from the handlers' metrics (and DescribeMapRun).
//   - Workers (AWS/Lambda, per FunctionName): invocations, errors, throttles; duration with the
//     timeout drawn; concurrent executions with the reserved concurrency drawn (when reserved);
//     the depth of the worker's own asynchronous dead-letter queue when it owns one.
//   - Queues (AWS/SQS, per QueueName): visible and in-flight messages, age of the oldest message,
//     dead-letter depth. Schedules: their dead-letter queue's depth.
//   - Handlers: one graph per [HandlerWidget], statistic Sum unless it says otherwise.
//
// Validation (before anything is created) reports every problem at once as *check.FieldError:
// a period of whole minutes in 1m..24h, a start of 1h..15 days, no nil component, a namespace and
// titles and metric names for the handler graphs, at most 500 widgets (CloudWatch's limit).
//
// # IAM
//
// None: a dashboard grants nothing. Reading it needs cloudwatch:GetDashboard and the
// cloudwatch:GetMetricData its graphs call.
//
// # Escape hatches
//
// Transform.Body changes the body (add, move or drop widgets) before it is marshalled;
// Transform.Dashboard changes the resource's arguments; Dashboard.Dashboard is the resource.
// See https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html.
package dashboard
