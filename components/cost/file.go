package cost

import (
	"strings"
	"time"
)

// MonthDays is the length of the month cost.json counts fire times in, after the reference.
const MonthDays = 30

// Options configure cost.json, as components/plan's Plan.MarshalCost and CostWriter write it.
type Options struct {
	// Workloads are by state machine logical name; a missing one means the zero Workload
	// (DefaultItems items, default durations). A zero Workload.Type means the resource's type.
	Workloads map[string]Workload
	// Prices are the prices used; zero fields mean DefaultPrices.
	Prices Prices
	// Reference is the instant the month starts after; zero means components/plan's
	// Reference, so that `make plan` writes the same bytes on every run.
	Reference time.Time
}

// File is cost.json.
type File struct {
	// Reference is the instant the month follows (RFC 3339, UTC); MonthDays its length.
	Reference string `json:"reference"`
	MonthDays int    `json:"monthDays"`
	// Prices lists every price used.
	Prices Prices `json:"prices"`
	// StateMachines are sorted by logical name.
	StateMachines []StateMachine `json:"stateMachines"`
	// Alarms is what the plan's CloudWatch metric alarms cost a month.
	Alarms Alarms `json:"alarms"`
	// Dashboards is what the plan's CloudWatch dashboards cost a month (the account's three free
	// ones are not counted: the plan cannot see the account's other dashboards).
	Dashboards Dashboards `json:"dashboards"`
}

// Dashboards is the plan's CloudWatch dashboards and their price a month.
type Dashboards struct {
	// Names are the dashboards' logical names, sorted.
	Names []string `json:"names"`
	// Month is the total in dollars for a month.
	Month float64 `json:"month"`
}

// StateMachine is one state machine's estimate in cost.json.
type StateMachine struct {
	// Name is the logical name; Arn the plan's mock ARN.
	Name string `json:"name"`
	Arn  string `json:"arn"`
	// Schedules are the schedules that start it; RunsPerMonth the sum of their fire times in
	// the month (DISABLED schedules included: the month shows what enabling them would cost).
	Schedules    []Schedule  `json:"schedules"`
	RunsPerMonth int         `json:"runsPerMonth"`
	Assumptions  Assumptions `json:"assumptions"`
	Breakdown
}

// Schedule is one schedule starting a state machine.
type Schedule struct {
	Name          string `json:"name"`
	Expression    string `json:"expression"`
	TimeZone      string `json:"timeZone"`
	ScheduleState string `json:"scheduleState"`
	RunsPerMonth  int    `json:"runsPerMonth"`
	// Error says why no fire time could be counted.
	Error string `json:"error,omitempty"`
}

// Assumptions are the workload as costed, defaults applied.
type Assumptions struct {
	Workload
	// DurationsMs and PerItemDurationsMs are the durations of every invoked function, in
	// milliseconds.
	DurationsMs        map[string]float64 `json:"durationsMs"`
	PerItemDurationsMs map[string]float64 `json:"perItemDurationsMs"`
}

// NewStateMachine is a state machine's entry of cost.json: its estimate b under w (the
// Workload b was estimated with), started by schedules. With schedules, RunsPerMonth is the sum
// of their runs and Month (and Naive.Month) are that many runs; without, Month is nil.
func NewStateMachine(name, arn string, w Workload, b Breakdown, schedules []Schedule) StateMachine {
	sm := StateMachine{Name: name, Arn: arn, Schedules: []Schedule{}, Breakdown: b}
	if len(schedules) > 0 {
		sm.Schedules = schedules
		for _, x := range schedules {
			sm.RunsPerMonth += x.RunsPerMonth
		}
		sm.withRuns(float64(sm.RunsPerMonth))
	}
	sm.Assumptions = assumptions(w.withDefaults(), b.Run.Usage.Lambda)
	return sm
}

// PriceDashboards is what the CloudWatch dashboards of those logical names cost a month at
// prices (zero fields mean DefaultPrices); names are listed as given, an empty list for none.
func PriceDashboards(names []string, prices Prices) Dashboards {
	d := Dashboards{Names: append([]string{}, names...)}
	d.Month = round6(float64(len(d.Names)) * prices.WithDefaults().DashboardMonth)
	return d
}

func assumptions(w Workload, invoked []LambdaUsage) Assumptions {
	a := Assumptions{Workload: w, DurationsMs: map[string]float64{}, PerItemDurationsMs: map[string]float64{}}
	a.Type = strings.ToUpper(a.Type)
	ms := func(d time.Duration) float64 { return round6(float64(d) / float64(time.Millisecond)) }
	consumer := map[string]bool{}
	for _, c := range w.Consumers {
		consumer[c.Name] = true // its durations are listed with it
	}
	for _, l := range invoked {
		d, per := w.Durations[l.Function], w.PerItemDurations[l.Function]
		if consumer[l.Function] && d == 0 && per == 0 {
			continue
		}
		if d == 0 && per == 0 {
			d = DefaultDuration
		}
		a.DurationsMs[l.Function] = ms(d)
		a.PerItemDurationsMs[l.Function] = ms(per)
	}
	// Entries by state name (a function several states invoke) are listed as they are.
	for k, d := range w.Durations {
		if _, ok := a.DurationsMs[k]; !ok {
			a.DurationsMs[k] = ms(d)
		}
	}
	for k, d := range w.PerItemDurations {
		if _, ok := a.PerItemDurationsMs[k]; !ok {
			a.PerItemDurationsMs[k] = ms(d)
		}
	}
	return a
}
