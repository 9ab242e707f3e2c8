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
	b, h := map[string]*Schedule{}, map[string]*Schedule{}
	names := map[string]bool{}
	for i := range base.Schedules {
		b[base.Schedules[i].Name] = &base.Schedules[i]
		names[base.Schedules[i].Name] = true
	}
	for i := range head.Schedules {
		h[head.Schedules[i].Name] = &head.Schedules[i]
		names[head.Schedules[i].Name] = true
	}
	var out []ScheduleChange
	for _, n := range sortedKeys(names) {
		x, y := b[n], h[n]
		if x != nil && y != nil && x.Expression == y.Expression && x.TimeZone == y.TimeZone && x.State == y.State {
			continue
		}
		out = append(out, ScheduleChange{Name: n, Before: x, After: y})
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
	b, h := map[string]*Budget{}, map[string]*Budget{}
	names := map[string]bool{}
	for i := range base.Budgets {
		b[base.Budgets[i].Name] = &base.Budgets[i]
		names[base.Budgets[i].Name] = true
	}
	for i := range head.Budgets {
		h[head.Budgets[i].Name] = &head.Budgets[i]
		names[head.Budgets[i].Name] = true
	}
	var out []BudgetChange
	for _, n := range sortedKeys(names) {
		x, y := b[n], h[n]
		if x != nil && y != nil && compact(x) == compact(y) {
			continue
		}
		out = append(out, BudgetChange{Name: n, Before: x, After: y})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
