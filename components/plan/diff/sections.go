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
	var out []Change[T]
	for _, p := range pairs(base, head, name) {
		if p.before != nil && p.after != nil && same(p.before, p.after) {
			continue
		}
		out = append(out, Change[T]{Name: p.name, Before: p.before, After: p.after})
	}
	return out
}

// pair is the entry of one name in the base and in the head (nil where it is absent).
type pair[T any] struct {
	name          string
	before, after *T
}

// pairs matches the entries of base and head by name, sorted by name.
func pairs[T any](base, head []T, name func(*T) string) []pair[T] {
	byName := map[string]*pair[T]{}
	get := func(e *T) *pair[T] {
		n := name(e)
		if byName[n] == nil {
			byName[n] = &pair[T]{name: n}
		}
		return byName[n]
	}
	for i := range base {
		get(&base[i]).before = &base[i]
	}
	for i := range head {
		get(&head[i]).after = &head[i]
	}
	out := make([]pair[T], 0, len(byName))
	for _, n := range sortedKeys(byName) {
		out = append(out, *byName[n])
	}
	return out
}
