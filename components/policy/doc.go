// Package policy builds IAM policy documents from typed Go values, so that no skein component ever
// concatenates JSON, and defines the small interfaces through which components grant each other
// access without knowing each other's internals.
//
// A [Statement] holds plain strings for what the code decides (effect, actions, condition
// operators) and [pulumi.StringInput] for what other resources produce (ARNs). [Document.Json]
// waits for every input and marshals one deterministic document.
//
// # Defaults
//
// The zero [Effect] is Allow. Version is always "2012-10-17". Empty Sids are omitted.
//
// # IAM
//
// [Document.Validate] rejects what skein promises never to emit: an Allow statement whose action
// is a pattern of any kind ("*", "s3:*", "s3:Get*", "s3:?etObject"), statements without
// actions, and Allow statements without resources in identity policies. Deny statements may use
// service wildcards (a TLS-only guard must deny every action).
//
// A [Grantee] is anything that can hold identity policy: a worker's role, or any role the user
// wraps with [NewRoleGrantee]. Every grant of a skein component returns the [Grant] it attached
// (the policy resource, to depend on) and refuses a nil grantee, a typed nil pointer included,
// with a *check.FieldError ([CheckGrantee]).
//
// A [Target] is anything a service (EventBridge Scheduler, Step Functions, EventBridge) can
// deliver to, with the identity statements the delivering role needs. Components that take one
// kind of target take its type: a [Function] (a worker: its timeout, reserved concurrency and
// budget draw), a [Queue] (FIFO, and whether its policy admits a service) or a [StateMachine],
// so that the compiler refuses a queue where a function belongs.
//
// # Escape hatches
//
// [Statement.Raw] lets a statement carry condition blocks or principals skein does not model.
//
// See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html and the
// size limits at https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html.
package policy
