package diff

// Change is an entry added, removed or changed between the plans, by name: Before or After is
// nil for one added or removed.
type Change[T any] struct {
	Name   string `json:"name"`
	Before *T     `json:"before,omitempty"`
	After  *T     `json:"after,omitempty"`
}

// ScheduleChange is a schedule added, removed, or whose expression, time zone or state changed.
type ScheduleChange = Change[Schedule]

// BudgetChange is a budget added, removed, or whose limits, shares or users changed.
type BudgetChange = Change[Budget]

func compareSchedules(base, head *Plan) []ScheduleChange {
	return changes(base.Schedules, head.Schedules, func(s *Schedule) string { return s.Name }, func(x, y *Schedule) bool {
		return x.Expression == y.Expression && x.TimeZone == y.TimeZone && x.State == y.State
	})
}

func compareBudgets(base, head *Plan) []BudgetChange {
	return changes(base.Budgets, head.Budgets, func(b *Budget) string { return b.Name }, func(x, y *Budget) bool { return compact(x) == compact(y) })
}

// changes lists the entries added, removed, or in both but not the same, sorted by name.
func changes[T any](base, head []T, name func(*T) string, same func(x, y *T) bool) []Change[T] {
	names, b, h := byName(base, head, name)
	var out []Change[T]
	for _, n := range names {
		x, y := b[n], h[n]
		if x != nil && y != nil && same(x, y) {
			continue
		}
		out = append(out, Change[T]{Name: n, Before: x, After: y})
	}
	return out
}

// byName indexes two plans' entries of one kind by name: every name of either side, sorted,
// and each side's entries by name.
func byName[T any](base, head []T, name func(*T) string) (names []string, b, h map[string]*T) {
	index := func(list []T) map[string]*T {
		m := make(map[string]*T, len(list))
		for i := range list {
			m[name(&list[i])] = &list[i]
		}
		return m
	}
	b, h = index(base), index(head)
	return unionKeys(b, h), b, h
}
