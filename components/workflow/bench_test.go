package workflow

import (
	"fmt"
	"testing"
)

// chain builds a definition of n states: groups of a Task, a Choice and a Pass, in a line.
func chain(n int) Definition {
	states := States{}
	name := func(i int) string { return fmt.Sprintf("step %04d", i) }
	for i := 0; i < n; i++ {
		last := i == n-1
		next := ""
		if !last {
			next = name(i + 1)
		}
		switch i % 3 {
		case 0:
			states[name(i)] = &Task{Call: Invoke{Worker: fetch}, ResultPath: "$.r", Next: next, End: last}
		case 1:
			if last {
				states[name(i)] = &Succeed{}
				continue
			}
			states[name(i)] = &Choice{Choices: []Rule{{Condition: Cmp("$.r.ok", BooleanEquals, true), Next: next}}, Default: next}
		default:
			states[name(i)] = &Pass{Result: i, ResultPath: "$.i", Next: next, End: last}
		}
	}
	return Definition{StartAt: name(0), States: states}
}

// BenchmarkBuildAndValidate1000States builds a 1,000-state definition, validates it (names,
// transitions, reachability, terminals, ranges, size) and renders it. Target: under 50 ms.
func BenchmarkBuildAndValidate1000States(b *testing.B) {
	for b.Loop() {
		d := chain(1000)
		if _, err := d.Render(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate1000States is Validate alone on the same definition: the rules plus the
// size estimate, which renders it once with placeholder ARNs. Target: under 50 ms.
func BenchmarkValidate1000States(b *testing.B) {
	d := chain(1000)
	for b.Loop() {
		if err := d.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
