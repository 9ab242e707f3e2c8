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
	b, h := map[string]*Cost{}, map[string]*Cost{}
	names := map[string]bool{}
	for i := range base.Cost {
		b[base.Cost[i].Name] = &base.Cost[i]
		names[base.Cost[i].Name] = true
	}
	for i := range head.Cost {
		h[head.Cost[i].Name] = &head.Cost[i]
		names[head.Cost[i].Name] = true
	}
	var out []CostChange
	for _, n := range sortedKeys(names) {
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
