package diff

// Change is an entry of a plan file added (Before nil), removed (After nil) or changed, by name.
type Change[T any] struct {
	Name   string `json:"name"`
	Before *T     `json:"before,omitempty"`
	After  *T     `json:"after,omitempty"`
}

// ScheduleChange is a schedule added, removed, or whose expression, time zone or state changed.
type ScheduleChange = Change[Schedule]

func compareSchedules(base, head *Plan) []ScheduleChange {
	return changes(base.Schedules, head.Schedules, func(x *Schedule) string { return x.Name },
		func(x, y *Schedule) bool {
			return x.Expression == y.Expression && x.TimeZone == y.TimeZone && x.State == y.State
		},
		func(n string, x, y *Schedule) ScheduleChange { return ScheduleChange{Name: n, Before: x, After: y} })
}

// BudgetChange is a budget added, removed, or whose limits, shares or users changed.
type BudgetChange = Change[Budget]

func compareBudgets(base, head *Plan) []BudgetChange {
	return changes(base.Budgets, head.Budgets, func(x *Budget) string { return x.Name },
		func(x, y *Budget) bool { return compact(x) == compact(y) },
		func(n string, x, y *Budget) BudgetChange { return BudgetChange{Name: n, Before: x, After: y} })
}

// changes compares two plans' entries of one kind by name, in name order: change describes each
// entry added (before nil), removed (after nil), or on both sides and not the same.
func changes[T, C any](base, head []T, name func(*T) string, same func(before, after *T) bool, change func(name string, before, after *T) C) []C {
	index := func(list []T) map[string]*T {
		m := make(map[string]*T, len(list))
		for i := range list {
			m[name(&list[i])] = &list[i]
		}
		return m
	}
	b, h := index(base), index(head)
	var out []C
	for _, n := range unionKeys(b, h) {
		if b[n] != nil && h[n] != nil && same(b[n], h[n]) {
			continue
		}
		out = append(out, change(n, b[n], h[n]))
	}
	return out
}
