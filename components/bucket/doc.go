// Package bucket is an S3 bucket that cannot leak: every control AWS offers is on by default,
// access is granted to roles with least-privilege inline policies, and events reach consumers
// through EventBridge rules rather than S3 notifications to functions.
//
//	raw, err := bucket.NewBucket(ctx, "raw", nil)
//	_, err = raw.GrantWrite(fetch, "incoming/") // fetch is a *worker.Worker
//	ev, err := raw.OnObjectCreated("incoming", &bucket.EventArgs{Prefix: "incoming/"})
//	_, err = ev.SendTo(parse, nil) // a worker, workflow or queue
//
// Buckets leak when one of several independent settings is left off (a public ACL, a policy
// naming "*", plain HTTP). [NewBucket] turns every one of them on and offers no argument that
// turns one off: the Transform hooks are the deliberate, visible escape hatch. Every name, key
// prefix, lifecycle and retry setting is checked against S3's and EventBridge's limits before
// anything is created, every problem at once.
//
// # Defaults
//
//   - All four Block Public Access settings on; ACLs disabled (BucketOwnerEnforced).
//   - Encryption SSE-S3, or [SseKms] with a key of its own (yearly rotation) or yours.
//   - Versioning on; incomplete uploads aborted after 7 days; noncurrent versions expired after
//     30 days (90 in production).
//   - One bucket policy, owned by the component: deny requests without TLS or with TLS older than
//     1.2, then BucketArgs.PolicyStatements.
//   - EventBridge notifications on; server access logs only on request ([AccessLogs]).
//   - Auto-named with a random suffix; forceDestroy outside production, protected in production.
//
// # IAM
//
// Grants attach one inline policy to a [policy.Grantee] (a worker, a workflow, or a role wrapped
// with policy.NewRoleGrantee) and return the [policy.Grant] they create; they never touch the
// bucket policy. Each lists its actions: [Bucket.GrantRead], [Bucket.GrantWrite],
// [Bucket.GrantReadWrite], [Bucket.GrantList], [Bucket.GrantDelete]. A prefix "raw" also
// matches "raw-archive/": end prefixes with "/" to mean a folder. [Bucket.Statements] gives the
// same statements for principals skein does not manage.
//
// Events: [Bucket.OnObjectCreated] and [Bucket.OnObjectRemoved] create an EventBridge rule;
// [Event.SendTo] connects a target with a retry policy and an optional dead-letter queue, and
// admits EventBridge the way the target needs ([DeliveryOf]). S3 never invokes a function
// directly, so the S3 → Lambda dependency cycle cannot occur.
//
// # Escape hatches
//
// [Transform], [EventTransform] and [TargetTransform] have one hook per child, run after skein's
// choices and not re-validated; BucketArgs.PolicyStatements adds cross-account or service
// principals to the one bucket policy (never create a second s3.BucketPolicy: S3 keeps only the
// last written); the children are exported for resources skein does not model (replication,
// inventory, object lock).
//
// Limits enforced: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
// and https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html. Every
// default, grant, child name and limit in full:
// https://github.com/skeinhq/skein/blob/main/docs/design/bucket.md.
package bucket
