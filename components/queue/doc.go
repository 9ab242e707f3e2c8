// Package queue is an SQS queue that never loses work: every queue comes with its dead-letter
// queue, both encrypted and reachable over TLS only, alarms on the dead letters and on the
// backlog, and Subscribe wires a worker to it with Lambda's rules made defaults (visibility
// timeout, partial batch responses, a concurrency cap).
//
//	w, _ := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{Package: "./functions/fetch", Timeout: time.Minute, ReservedConcurrency: 20})
//	q, _ := queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Consumer: w, Subscription: &queue.SubscribeArgs{MaxConcurrency: 5}})
//	_ = q.GrantSend(producer)
//
// On the function side, functions/sqsbatch turns a batch into the partial batch response.
//
// # Defaults
//
//   - A dead-letter queue "<name>-dlq": maxReceiveCount 5, 14 days retention; its redrive-allow
//     policy names only its source queue (byQueue), so no other queue can use it.
//   - Encryption at rest with SQS-managed keys (SSE-SQS); KmsKeyArn selects a customer managed
//     KMS key for both queues, and every grant then adds the key actions it needs.
//   - A queue policy on both queues denying every request not made over TLS
//     (aws:SecureTransport false), plus one Allow per Sender (service principal, conditioned on
//     aws:SourceArn and aws:SourceAccount).
//   - Retention 4 days, long polling 20 s, maximum message size 256 KiB, no delay.
//   - FIFO (Fifo: true) makes both queues FIFO; deduplication scope queue, throughput per queue;
//     content-based deduplication on request.
//   - Visibility timeout derived from the consumer: 6 x its function timeout + the batching
//     window (Lambda's rule). With QueueArgs.Consumer the queue reads both from the consumer and
//     its Subscription; a queue subscribed later with Subscribe derives it from
//     QueueArgs.ConsumerTimeout (zero: 30 s, the worker's default), and Subscribe checks the rule
//     against the real consumer: a queue's visibility timeout is fixed when the queue is created
//     in a program, so a too-short one is an error that says the value required and why, never a
//     silent second update. An explicit VisibilityTimeout below the rule is the same error.
//   - Subscribe: batch size 10, no batching window, partial batch responses on
//     (ReportBatchItemFailures), maximum concurrency = the consumer's reserved concurrency when
//     it has one, else 10. Maximum concurrency above the reserved concurrency is an error: the
//     excess would be throttled, and throttled receives push messages to the dead-letter queue.
//     maxReceiveCount below 5 with a Lambda consumer is an error for the same reason.
//   - Alarms: "<name>-dlq-alarm" when the dead-letter queue has any visible message (its
//     description carries the redrive command), "<name>-age-alarm" when the oldest message is
//     older than 15 minutes for 3 minutes; both notify Alarms.TopicArn or the stage's alarm topic
//     (alarm and OK), if any.
//   - Both queues are protected in production stages, and tagged with the stage's tags.
//
// Outputs: arn, url, name, deadLetterArn, deadLetterUrl, deadLetterName and redriveCommand, the
// exact `aws sqs start-message-move-task --source-arn <dlq> --destination-arn <queue> --region
// <region>` that moves dead letters back once their cause is fixed.
//
// Filters (SubscribeArgs.Filters) are the one way a subscription drops work on purpose: Lambda
// deletes the messages that match no pattern. Every mapping turns its EventCount metrics on
// (SubscribeArgs.DisableMetrics turns them off), so that filtered and dropped messages are
// counted in CloudWatch rather than vanishing.
//
// # IAM
//
//   - Subscribe and GrantConsume: sqs:ReceiveMessage, sqs:DeleteMessage,
//     sqs:ChangeMessageVisibility, sqs:GetQueueAttributes on the queue only (not its dead-letter
//     queue, not other queues); kms:Decrypt on the key when KMS-encrypted.
//   - GrantSend: sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl; kms:GenerateDataKey
//     and kms:Decrypt on the key.
//   - GrantRedrive: sqs:StartMessageMoveTask, sqs:CancelMessageMoveTask,
//     sqs:ListMessageMoveTasks, sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes on
//     the dead-letter queue; sqs:SendMessage and sqs:GetQueueAttributes on the queue; kms:Decrypt
//     and kms:GenerateDataKey on the key.
//   - Lambda validates the consumer's role when the mapping is created, so the mapping depends
//     on exactly the consume policy (the policy.Grant the consumer's AttachPolicy returns).
//   - Every grant returns its policy.Grant; a nil grantee is a *check.FieldError.
//   - As a policy.Queue (schedules, workflows, rules): sqs:SendMessage, plus
//     kms:GenerateDataKey and kms:Decrypt on the key. Services sending through the queue policy
//     (Senders) need those KMS actions in the key's own policy: skein does not edit a key it does
//     not own.
//
// # Escape hatches
//
// QueueArgs.Transform and SubscribeArgs.Transform change any child's arguments right before it
// is created (queue, dead-letter queue, both policies, the redrive-allow policy, both alarms, the
// event source mapping). The children are exported on Queue, and Subscribe returns the mapping.
// QueueArgs.DisableDeadLetterQueue is for a queue that is itself a dead-letter queue (a
// schedule's): no dead-letter queue, redrive policy or dead-letter alarm of its own.
//
// # Limits enforced
//
//   - SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
//     (retention 1 min..14 days, delay 0..15 min, message size 1 KiB..256 KiB, visibility
//     0..12 h, long polling 0..20 s, maxReceiveCount 1..1000, KMS data key reuse 1 min..24 h).
//   - Dead-letter queues: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
//     (a standard message keeps its enqueue time in the dead-letter queue, so the dead-letter
//     retention must not be shorter than the queue's).
//   - Lambda with SQS: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
//     and https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html (batch size
//     1..10,000, FIFO 1..10, above 10 a batching window of at least 1 s; window 0..300 s,
//     standard queues only; maximum concurrency 2..1,000; visibility timeout at least 6 x the
//     function timeout; maxReceiveCount at least 5).
//   - Filters: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (5
//     patterns per mapping by default, 4096 characters each).
package queue
