package cost

// The fixtures of the internal tests, for plan_test.go (package cost_test: it plans with
// components/plan, which imports cost).
var (
	Small         = small
	SmallWorkload = smallWorkload
	Near          = near
)

const (
	ArnPrepare = arnPrepare
	ArnList    = arnList
	ArnFetch   = arnFetch
)
