// Package pipeline holds the logic of the reference pipeline's Lambda handlers, one type per
// handler, each depending only on narrow interfaces (the vendor client's methods, S3's
// GetObject/PutObject/HeadObject). The deployables in functions/<name>/main.go only wire them;
// `make local` registers the same types with components/sfnlocal, in-process.
//
//	vendor           Vendor          Request{op,input} -> the op's output; SQS event -> partial batch response
//	  list-groups    ListGroups      RunInput         -> ListGroupsOutput
//	  list-devices   ListDevices     ListDevicesInput -> ListDevicesOutput   (writes a group manifest)
//	  fetch-metrics  FetchMetrics    FetchInput       -> FetchOutput         (writes raw/ objects)
//	merge-manifests  MergeManifests  MergeInput       -> MergeOutput         (writes the day's manifest)
//	transform        Transform       events.SQSEvent  -> events.SQSEventResponse (writes processed/)
//
// Every call to the vendor goes through the one vendor worker ([Vendor], ops [OpListGroups],
// [OpListDevices], [OpFetchMetrics]), so that its reserved concurrency and each invocation's
// share of the vendor's rate (package pace, a fresh pacer per invocation on the context the
// vendor client waits for) bound every caller at once.
//
// functions/README.md gives every input and output, the error names for Retry and Catch, and
// how the workflow wires them.
//
// # Keys
//
// Hive-style, one object per item and day, the same key on every run (idempotent):
//
//	manifests/date=<d>/groups/group=<g>.json   one group's items
//	manifests/date=<d>/items.json              the day's manifest, read by the Distributed Map
//	manifests/date=<d>/redrive/<hash>.json     items of failed batches, for a redrive run
//	raw/date=<d>/group=<g>/device=<id>.json    the vendor's answer (RawObject)
//	processed/date=<d>/group=<g>/device=<id>.json  the summary (ProcessedObject)
//
// Ids are checked ([ValidID]) before they become key parts.
//
// # Errors
//
// Every error a handler returns has a type whose name is the error name Step Functions sees
// (aws-lambda-go reports the Go type name as errorType): the vendor's (package vendorapi),
// plus [InputError], [StorageError], [RetryableBatchError], [ItemsFailedError] and
// [PayloadTooLargeError]. [RetryableErrorNames] and [PermanentErrorNames] list them for the
// workflow's Retry and Catch.
//
// # Defaults
//
// FetchMetrics runs one item of a batch at a time (Concurrency 0 means 1) and keeps 2 s before
// the Lambda deadline (Reserve) in which no item starts. Vendor paces nothing with a zero
// Budget and runs one SQS record at a time. Transform uses sqsbatch's default record
// concurrency.
// A nil Log means no logging; the mains pass logx.New.
//
// # IAM
//
// vendor: s3:PutObject on manifests/* (list-devices), s3:PutObject and s3:GetObject (HeadObject
// needs GetObject) on raw/* and s3:PutObject on failed/* (fetch-metrics), ssm:GetParameter on the
// token parameter, kms:Decrypt on its key, and the SQS consumer actions of a queue subscribed to
// it. merge-manifests: s3:GetObject and s3:PutObject on manifests/* (and s3:GetObject on
// results/* for a redrive manifest). transform: s3:GetObject on raw/*, s3:PutObject on
// processed/*. HeadObject of a missing key answers 403 instead of 404 without s3:ListBucket;
// fetch-metrics (which heads keys only on retries) treats a 403 as "not stored" and fetches the
// item again, so s3:ListBucket is not needed.
//
// # Escape hatches
//
// Every dependency is an interface field: wrap the vendor client (caching, another API), or the
// S3 client (another endpoint, path-style addressing for a local S3 server, instrumentation).
// [Summarize] is the transform's pure core; replace Transform.Record's use of it by writing
// your own handler around [ParseRawKey] and [ProcessedKey].
//
// Limits enforced: Step Functions payload 256 KiB and Cause 32,768 characters
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); Distributed Map
// item reader formats (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html).
package pipeline
