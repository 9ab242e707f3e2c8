// Package app is the nightly account report, composed from skein's components: a bucket, four
// workers built from handlers/, a workflow (list the accounts, summarise them in batches in a
// Distributed Map, publish the index), a schedule that starts it every night in the stage's time
// zone, and a queue whose consumer ingests account updates into the bucket.
package app

import (
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/bucket"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/schedule"
	"github.com/skeinhq/skein/components/stage"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

// Key prefixes of the report bucket.
const (
	AccountsKey       = "accounts/accounts.json"
	SummariesPrefix   = "summaries/"
	IncomingPrefix    = "incoming/"
	IndexPrefix       = "index/"
	ResultsPrefix     = "results/"
	ReportName        = "report"
	IngestName        = "ingest"
	ListAccountsName  = "list-accounts"
	SummariseName     = "summarise"
	PublishName       = "publish"
	NightlyName       = "nightly"
	ReportBucketName  = "reports"
	accountsPerBatch  = 25
	summariseTimeout  = 2 * time.Minute
	workerTaskTimeout = summariseTimeout + 30*time.Second
)

// Report is what Program creates.
type Report struct {
	Bucket   *bucket.Bucket
	Workers  map[string]*worker.Worker
	Workflow *workflow.Workflow
	Schedule *schedule.Schedule
	Queue    *queue.Queue
}

// Program is the Pulumi program: the stage and the report's settings from config, then New.
func Program(ctx *pulumi.Context) error {
	st, err := stage.Load(ctx)
	if err != nil {
		return err
	}
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return err
	}
	r, err := New(ctx, st, cfg)
	if err != nil {
		return err
	}
	ctx.Export("bucketName", r.Bucket.Name)
	ctx.Export("stateMachineArn", r.Workflow.Arn)
	ctx.Export("queueUrl", r.Queue.Url)
	return nil
}

// New creates the report of one stage.
func New(ctx *pulumi.Context, st *stage.Stage, cfg *Config) (*Report, error) {
	r := &Report{Workers: map[string]*worker.Worker{}}
	var err error
	if r.Bucket, err = bucket.NewBucket(ctx, ReportBucketName, &bucket.BucketArgs{
		Stage:       st,
		Expirations: []bucket.Expiration{{Prefix: IncomingPrefix, Days: 30}, {Prefix: ResultsPrefix, Days: 30}},
	}); err != nil {
		return nil, err
	}
	for _, w := range []struct {
		name, desc string
		timeout    time.Duration
	}{
		{ListAccountsName, "Lists the accounts to report on", 30 * time.Second},
		{SummariseName, "Summarises a batch of accounts into summaries/", summariseTimeout},
		{PublishName, "Writes the night's index of summaries", time.Minute},
		{IngestName, "Ingests account updates from the queue into incoming/", 30 * time.Second},
	} {
		// Nothing invokes these workers asynchronously (the workflow and the queue's event
		// source mapping invoke synchronously), so they need no dead-letter queue of their own.
		if r.Workers[w.name], err = worker.NewWorker(ctx, w.name, &worker.WorkerArgs{
			Stage:                  st,
			Package:                "./handlers/" + w.name,
			Timeout:                w.timeout,
			Description:            w.desc,
			EnvironmentInputs:      map[string]pulumi.StringInput{"REPORT_BUCKET": r.Bucket.Name},
			DisableDeadLetterQueue: true,
		}); err != nil {
			return nil, err
		}
	}
	for _, g := range []struct {
		worker string
		access bucket.Access
		prefix string
	}{
		{ListAccountsName, bucket.Read, "accounts/"},
		{SummariseName, bucket.Write, SummariesPrefix},
		{PublishName, bucket.Read, SummariesPrefix},
		{PublishName, bucket.Write, IndexPrefix},
		{IngestName, bucket.Write, IncomingPrefix},
	} {
		if _, err := r.Bucket.Grant(r.Workers[g.worker], g.access, g.prefix); err != nil {
			return nil, err
		}
	}

	if r.Workflow, err = workflow.NewWorkflow(ctx, ReportName, &workflow.WorkflowArgs{
		Stage:      st,
		Definition: Definition(cfg, r.Workers, r.Bucket.Name),
	}); err != nil {
		return nil, err
	}
	if r.Schedule, err = schedule.NewSchedule(ctx, NightlyName, &schedule.ScheduleArgs{
		Stage:       st,
		Expression:  cfg.Schedule,
		Target:      r.Workflow,
		Input:       map[string]any{"time": schedule.AttrScheduledTime},
		ContextKey:  schedule.NoContext,
		Description: "Starts the nightly account report",
	}); err != nil {
		return nil, err
	}
	if r.Queue, err = queue.NewQueue(ctx, IngestName, &queue.QueueArgs{
		Stage:        st,
		Consumer:     r.Workers[IngestName],
		Subscription: &queue.SubscribeArgs{MaxConcurrency: 2},
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// Definition is the report's workflow: list the accounts, summarise them in batches (a
// Distributed Map, at most cfg.SummariseConcurrency batches at once), publish the index.
func Definition(cfg *Config, w map[string]*worker.Worker, bucketName pulumi.StringInput) workflow.Definition {
	return workflow.Definition{
		Comment: "The nightly account report (skein example stack)",
		StartAt: "ListAccounts",
		States: workflow.States{
			"ListAccounts": &workflow.Task{Call: workflow.Invoke{Worker: w[ListAccountsName]}, Next: "Summarise"},
			"Summarise": &workflow.Map{
				ItemsPath:      "$.accounts",
				MaxConcurrency: cfg.SummariseConcurrency,
				ResultPath:     workflow.Discard,
				Distributed: &workflow.Distributed{
					Batcher: &workflow.ItemBatcher{MaxItemsPerBatch: accountsPerBatch, BatchInput: map[string]any{"date.$": "$.date"}},
					Writer:  &workflow.ResultWriter{Bucket: bucketName, Prefix: ResultsPrefix},
					Label:   "Summarise",
				},
				Processor: workflow.Definition{StartAt: "SummariseBatch", States: workflow.States{
					"SummariseBatch": &workflow.Task{Call: workflow.Invoke{Worker: w[SummariseName]}, Timeout: workerTaskTimeout, End: true},
				}},
				Next: "Publish",
			},
			"Publish": &workflow.Task{Call: workflow.Invoke{Worker: w[PublishName]}, Parameters: map[string]any{"date.$": "$.date"}, End: true},
		},
	}
}
