// Package pipeline holds the logic of the reference pipeline's Lambda handlers, one type per
// handler, each depending only on narrow interfaces (the vendor client's methods, S3's
// GetObject/PutObject/ListObjectsV2). The deployables in functions/<name>/main.go only wire them;
// `make local` registers the same types with components/sfnlocal, in-process.
//
//	vendor           Vendor          Request{op,input} -> the op's output; SQS event -> partial batch response
//	  list-groups    ListGroups      RunInput         -> ListGroupsOutput
//	  list-devices   ListDevices     ListDevicesInput -> ListDevicesOutput   (writes a group manifest)
//	  fetch-metrics  FetchMetrics    FetchInput       -> FetchOutput         (writes one raw/ part per batch)
//	merge-manifests  MergeManifests  MergeInput       -> MergeOutput         (writes the day's manifest)
//	transform        Transform       events.SQSEvent  -> events.SQSEventResponse (writes one processed/ part per raw part)
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
// Hive-style, one object per batch and day (JSON Lines, one record per device), the same key
// for the same items on every run (idempotent); the prefixes are package layout's:
//
//	manifests/date=<d>/groups/group=<g>.json   one group's items
//	manifests/date=<d>/items.json              the day's manifest, read by the Distributed Map
//	manifests/date=<d>/redrive/<hash>.json     items of failed batches, for a redrive run
//	raw/date=<d>/part=<id>.jsonl               each device's status and answer ([RawRecord])
//	failed/date=<d>/part=<id>.jsonl            the part's failed records, when it has any
//	processed/date=<d>/part=<id>.jsonl         the summaries ([ProcessedRecord])
//
// Ids are checked ([ValidID]) before they become key parts; a part's id is [PartID].
// [RawRecord] says how to read a device present in several parts.
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
// vendor: s3:PutObject on manifests/* (list-devices), s3:PutObject and s3:GetObject on raw/*
// and s3:PutObject on failed/* (fetch-metrics), ssm:GetParameter on the token parameter,
// kms:Decrypt on its key, and the SQS consumer actions of a queue subscribed to it.
// merge-manifests: s3:GetObject and s3:PutObject on manifests/* (and s3:GetObject on results/*
// for a redrive manifest, s3:GetObject on raw/* and s3:ListBucket with the prefix raw/ to leave
// stored devices out of a skipExisting or redrive manifest). transform: s3:GetObject on raw/*,
// s3:PutObject on processed/*. GetObject of a missing key answers 403 instead of 404 without
// s3:ListBucket; fetch-metrics (which reads its part only on retries) treats a 403 as "not
// stored" and fetches the items again, so it needs no s3:ListBucket.
//
// # Escape hatches
//
// Every dependency is an interface field: wrap the vendor client (caching, another API), or the
// S3 client (another endpoint, path-style addressing for a local S3 server, instrumentation).
// [Summarize] is the transform's pure core; replace Transform.Record's use of it by writing
// your own handler around [ParsePartKey] and package layout's keys.
//
// Limits enforced: Step Functions payload 256 KiB and Cause 32,768 characters
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); Distributed Map
// item reader formats (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html).
package pipeline
