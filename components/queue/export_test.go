package queue

// The tests that subscribe real workers live in package queue_test (worker_test.go): the worker
// package imports this one for its dead-letter queue. These are the helpers they share with
// the package's own tests.
var (
	MustRun          = mustRun
	Num              = num
	Decode           = decode
	AssertFieldError = assertFieldError
	Dependencies     = dependencies
)

// Resource types the tests look up.
const (
	QueueType = queueType
	EsmType   = esmType
	RpType    = rpType
)
