package diff

import (
	"sort"
)

// ScheduleChange is a schedule added, removed, or whose expression, time zone or state changed.
// Before or After is nil for a schedule added or removed.
type ScheduleChange struct {
	Name   string    `json:"name"`
	Before *Schedule `json:"before,omitempty"`
	After  *Schedule `json:"after,omitempty"`
}

func compareSchedules(base, head *Plan) []ScheduleChange {
	names, b, h := byName(base.Schedules, head.Schedules, func(x *Schedule) string { return x.Name })
	var out []ScheduleChange
	for _, n := range names {
		x, y := b[n], h[n]
		if x != nil && y != nil && x.Expression == y.Expression && x.TimeZone == y.TimeZone && x.State == y.State {
			continue
		}
		out = append(out, ScheduleChange{Name: n, Before: x, After: y})
	}
	return out
}

// CostChange is a state machine whose cost changed: per run, per month and per million items,
// before, after and the difference (after minus before; a state machine added or removed
// counts as costing zero on the other side).
type CostChange struct {
	Name   string      `json:"name"`
	Before CostFigures `json:"before"`
	After  CostFigures `json:"after"`
	Delta  CostFigures `json:"delta"`
}

// CostFigures are a state machine's cost in USD. PerMillionItems is zero when the plan does not
// give it.
type CostFigures struct {
	PerRun          float64 `json:"perRun"`
	PerMonth        float64 `json:"perMonth"`
	PerMillionItems float64 `json:"perMillionItems"`
}

func figures(c *Cost) CostFigures {
	if c == nil {
		return CostFigures{}
	}
	f := CostFigures{PerRun: c.Run.Total, PerMonth: c.Month.Total}
	if c.PerMillionItems != nil {
		f.PerMillionItems = c.PerMillionItems.Total
	}
	return f
}

func compareCost(base, head *Plan) []CostChange {
	names, b, h := byName(base.Cost, head.Cost, func(x *Cost) string { return x.Name })
	var out []CostChange
	for _, n := range names {
		x, y := figures(b[n]), figures(h[n])
		if x == y && (b[n] == nil) == (h[n] == nil) {
			continue
		}
		out = append(out, CostChange{Name: n, Before: x, After: y, Delta: CostFigures{
			PerRun: y.PerRun - x.PerRun, PerMonth: y.PerMonth - x.PerMonth, PerMillionItems: y.PerMillionItems - x.PerMillionItems}})
	}
	return out
}

// BudgetChange is a budget added, removed, or whose limits, shares or users changed.
type BudgetChange struct {
	Name   string  `json:"name"`
	Before *Budget `json:"before,omitempty"`
	After  *Budget `json:"after,omitempty"`
}

func compareBudgets(base, head *Plan) []BudgetChange {
	names, b, h := byName(base.Budgets, head.Budgets, func(x *Budget) string { return x.Name })
	var out []BudgetChange
	for _, n := range names {
		x, y := b[n], h[n]
		if x != nil && y != nil && compact(x) == compact(y) {
			continue
		}
		out = append(out, BudgetChange{Name: n, Before: x, After: y})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
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
