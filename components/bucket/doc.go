// Package bucket is an S3 bucket that cannot leak: every control AWS offers is on by default,
// access is granted to roles with least-privilege inline policies, and events reach consumers
// through EventBridge rules rather than S3 notifications to functions.
//
//	raw, err := bucket.NewBucket(ctx, "raw", nil)
//	_, err = raw.GrantWrite(fetch, "incoming/")           // fetch is a *worker.Worker
//	ev, err := raw.OnObjectCreated("incoming", &bucket.EventArgs{Prefix: "incoming/"})
//	_, err = ev.SendTo(parse, nil)                        // a worker, workflow or queue
//
// Buckets leak when one of several independent settings is left off (a public ACL, a policy
// naming "*", plain HTTP). [NewBucket] turns every one of them on and offers no argument that
// turns one off: the Transform hooks are the deliberate, visible escape hatch.
//
// # Defaults
//
//   - Block Public Access: all four settings on (BlockPublicAcls, IgnorePublicAcls,
//     BlockPublicPolicy, RestrictPublicBuckets).
//   - Object ownership BucketOwnerEnforced: ACLs are disabled; the bucket owner owns every object.
//   - Default encryption SSE-S3 (AES256). [SseKms] uses a KMS key with an S3 Bucket Key; without
//     KmsKeyArn the component creates a customer managed key with yearly rotation and a 7-day
//     (30 in production) deletion window.
//   - Versioning on. Lifecycle: incomplete multipart uploads aborted after 7 days, noncurrent
//     versions expired after 30 days (90 in production) and the delete markers they leave removed;
//     optional per-prefix expiry of current objects ([Expiration]).
//   - One bucket policy, owned by the component (S3 allows one per bucket): deny every request
//     without TLS (aws:SecureTransport false), deny TLS older than 1.2 (s3:TlsVersion < 1.2), then
//     the log delivery grant ([BucketArgs.ReceivesAccessLogs]) and [BucketArgs.PolicyStatements].
//     The policy waits for the public access block, as S3 checks a new policy against it.
//   - EventBridge notifications on (s3.BucketNotification with eventbridge true).
//   - Server access logging only on request ([AccessLogs]), with date-partitioned keys.
//   - Names: auto-named from the component name plus a random suffix, so stages never collide.
//     A given Name is checked against every rule of
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html.
//   - forceDestroy on outside production (stacks can be torn down), off in production, where the
//     bucket and its key are also protected (pulumi.Protect). RetainObjects keeps it off everywhere.
//
// Limits enforced before anything is created, all reported at once: bucket names (3..63
// characters, lowercase letters, digits, periods and hyphens, first and last a letter or a digit,
// no "..", not an IPv4 address, no reserved prefix xn--, sthree-, amzn-s3-demo- or suffix
// -s3alias, --ol-s3, .mrap, --x-s3, --table-s3); key prefixes (1..1024 bytes, no leading "/", no
// IAM wildcard "*" or "?", no policy variable "${"); lifecycle days 1..36500, noncurrent versions
// kept 0..100, at most 1,000 lifecycle rules
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html); EventBridge
// retries 0..185, event age 1m..24h, 5 targets per rule
// (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html).
//
// # IAM
//
// Grants attach one inline policy to a [policy.Grantee] (a worker, a workflow, or a role wrapped
// with policy.NewRoleGrantee), named "<bucket>-<access>[-<prefixes>]", and return the
// [policy.Grant] it created; a nil grantee is a *check.FieldError. They never touch the
// bucket policy: same-account roles need nothing there. Object actions are granted on
// "arn:...:bucket/<prefix>*"; listing on the bucket with a StringLike s3:prefix "<prefix>*"
// condition. A prefix "raw" also matches "raw-archive/": end prefixes with "/" to mean a folder.
//
//   - [Bucket.GrantRead]: s3:GetObject, s3:GetObjectVersion, s3:GetObjectTagging; with SSE-KMS
//     kms:Decrypt on the key.
//   - [Bucket.GrantWrite]: s3:PutObject, s3:PutObjectTagging, s3:AbortMultipartUpload,
//     s3:ListMultipartUploadParts; with SSE-KMS kms:GenerateDataKey and kms:Decrypt.
//   - [Bucket.GrantReadWrite]: both of the above.
//   - [Bucket.GrantList]: s3:ListBucket.
//   - [Bucket.GrantDelete]: s3:DeleteObject (never s3:DeleteObjectVersion).
//
// KMS statements carry a kms:ViaService condition for S3 in the stage's region.
// [Bucket.Statements] returns the same statements for principals skein does not manage.
//
// Events: [Bucket.OnObjectCreated] and [Bucket.OnObjectRemoved] create an EventBridge rule on the
// default bus matching this bucket and key prefix/suffix; [Event.SendTo] connects a target with a
// retry policy and an optional dead-letter queue. How EventBridge is allowed in depends on the
// target ([DeliveryOf]): a worker ([ServicePermitter]) gets a lambda.Permission for
// events.amazonaws.com from the rule's ARN; a queue must admit events.amazonaws.com with
// aws:SourceArn equal to [Event.RuleArn] in its own policy (create the rule first, then the
// queue, then SendTo); anything else (a workflow) gets a role that only events.amazonaws.com may
// assume for this rule and account, holding the target's DeliverStatements. A queue target
// ([policy.Queue]) is asked whether its policy admits the rule (a skein queue: its Senders), and
// SendTo fails when it does not, so a forgotten Sender is an error at deploy time rather than
// deliveries denied silently ([TargetArgs.AdmittedElsewhere] skips the check for policies
// written elsewhere).
//
// A FIFO queue target ([policy.Queue.Fifo]) needs [TargetArgs.MessageGroupId]. Every target gets an
// explicit retry policy (185 retries over 24 hours unless set) and, when given, an SQS
// dead-letter queue for events EventBridge could not deliver; that queue, too, must admit
// events.amazonaws.com from the rule.
//
// Children are named from the component name: "<name>" (the bucket), "<name>-public-access-block",
// "<name>-ownership", "<name>-key", "<name>-encryption", "<name>-versioning", "<name>-lifecycle",
// "<name>-logging", "<name>-policy", "<name>-notifications", "<name>-<event>" (rules),
// "<name>-<event>-<target>" (targets) and "<name>-<event>-<target>-role" (delivery roles).
//
// S3 never invokes a function directly, so the bucket does not depend on the function that
// writes to it: the circular dependency of S3 → Lambda notifications cannot occur.
//
// # Escape hatches
//
//   - [Transform] has one hook per child (bucket, public access block, ownership controls, key,
//     encryption, versioning, lifecycle, logging, policy, notification); [EventTransform] and
//     [TargetTransform] for rules, targets and delivery roles. Hooks run after skein's choices and
//     are not re-validated.
//   - [BucketArgs.PolicyStatements] for cross-account or service principals; they land in the one
//     bucket policy. Do not create another s3.BucketPolicy for the same bucket: S3 keeps only the
//     last one written.
//   - The children are exported ([Bucket.Bucket], [Bucket.Policy], ...) for dependsOn and for
//     resources skein does not model (replication, inventory, object lock).
package bucket
