// Package queue is an SQS queue that never loses work: every queue comes with its dead-letter
// queue, both encrypted and reachable over TLS only, alarms on the dead letters and on the
// backlog, and Subscribe wires a worker to it with Lambda's rules made defaults (visibility
// timeout, partial batch responses, a concurrency cap).
//
//	w, _ := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{Package: "./functions/fetch", Timeout: time.Minute, ReservedConcurrency: 20})
//	q, _ := queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Consumer: w, Subscription: &queue.SubscribeArgs{MaxConcurrency: 5}})
//	_, _ = q.GrantSend(producer)
//
// On the function side, functions/sqsbatch turns a batch into the partial batch response. Every
// setting is checked against SQS's and Lambda's limits before anything is created.
//
// # Defaults
//
//   - A dead-letter queue "<name>-dlq" (maxReceiveCount 5, 14 days) that only this queue may use.
//   - SSE-SQS encryption (or a customer managed KMS key); a policy denying requests without TLS.
//   - Retention 4 days, long polling 20 s, messages up to 256 KiB.
//   - Visibility timeout 6 x the consumer's function timeout + its batching window (Lambda's
//     rule); a queue subscribed later derives it from QueueArgs.ConsumerTimeout, and one too
//     short for its real consumer is an error, never a silent update.
//   - Subscribe: batches of 10, partial batch responses on, maximum concurrency the consumer's
//     reserved concurrency (else 10); above it is an error, since throttled receives push
//     messages to the dead-letter queue. EventCount metrics on, so filtered and dropped
//     messages are counted.
//   - Alarms on any dead letter and on a backlog older than 15 minutes, to the stage's alarm
//     topic. Protected in production.
//
// The outputs include redriveCommand, the exact `aws sqs start-message-move-task` that moves
// dead letters back once their cause is fixed.
//
// # IAM
//
// [Queue.GrantSend], [Queue.GrantConsume] and [Queue.GrantRedrive] list their actions on the
// queue (and its key when KMS-encrypted), return the policy.Grant they attach and refuse a nil
// grantee. [Queue.Subscribe] grants its consumer what consuming needs, and the event source
// mapping depends on exactly that policy, which Lambda checks when the mapping is created. As
// a policy.Queue (schedules, workflows, rules) a queue gives sqs:SendMessage; services sending
// through the queue policy (Senders) need the KMS actions in the key's own policy.
//
// # Escape hatches
//
// QueueArgs.Transform and SubscribeArgs.Transform change any child's arguments right before it
// is created; the children are exported, and Subscribe returns the mapping.
// QueueArgs.DisableDeadLetterQueue is for a queue that is itself a dead-letter queue.
//
// Limits enforced:
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
// and https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html. Every default,
// grant and limit in full: https://github.com/skeinhq/skein/blob/main/docs/design/queue.md.
package queue
