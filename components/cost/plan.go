package cost

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/schedule/cron"
)

// Resource types Marshal reads.
const (
	StateMachineType = "aws:sfn/stateMachine:StateMachine"
	FunctionType     = "aws:lambda/function:Function"
	ScheduleType     = "aws:scheduler/schedule:Schedule"
)

// MonthDays is the length of the month Marshal counts fire times in, after the reference.
const MonthDays = 30

// Options configure Marshal and Write.
type Options struct {
	// Workloads are by state machine logical name; a missing one means the zero Workload
	// (DefaultItems items, default durations). A zero Workload.Type means the resource's type.
	Workloads map[string]Workload
	// Prices are the prices used; zero fields mean DefaultPrices.
	Prices Prices
	// Reference is the instant the month starts after; zero means plan.Reference, so
	// that `make plan` writes the same bytes on every run.
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

// DashboardType is the resource type the dashboards section of cost.json counts.
const DashboardType = "aws:cloudwatch/dashboard:Dashboard"

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

// Marshal renders cost.json for every state machine of the plan: indented, sorted, with a
// trailing newline. It fails, naming the state machine and the state, when a definition cannot
// be costed.
func Marshal(p *plan.Plan, opts Options) ([]byte, error) {
	ref := opts.Reference
	if ref.IsZero() {
		ref = plan.Reference()
	}
	fns := map[string]Function{}
	for _, r := range p.OfType(FunctionType) {
		if r.Arn() == "" {
			continue
		}
		fn := Function{Name: r.Name}
		if v, ok := r.Get("memorySize").(float64); ok {
			fn.MemoryMB = int(v)
		}
		if a, ok := r.Get("architectures").([]any); ok && len(a) > 0 {
			fn.Architecture, _ = a[0].(string)
		}
		fns[r.Arn()] = fn
	}
	schedules := map[string][]Schedule{}
	for _, r := range p.OfType(ScheduleType) {
		s := Schedule{
			Name:          r.Name,
			Expression:    r.String("scheduleExpression"),
			TimeZone:      r.String("scheduleExpressionTimezone"),
			ScheduleState: r.String("state"),
		}
		if s.TimeZone == "" {
			s.TimeZone = "UTC" // Scheduler's default
		}
		if s.ScheduleState == "" {
			s.ScheduleState = "ENABLED" // Scheduler's default
		}
		n, err := runsPerMonth(s.Expression, s.TimeZone, r.String("startDate"), r.String("endDate"), ref)
		if err != nil {
			s.Error = err.Error()
		}
		s.RunsPerMonth = n
		target := r.String("target.arn")
		schedules[target] = append(schedules[target], s)
	}
	f := File{
		Reference:     ref.UTC().Format(time.RFC3339),
		MonthDays:     MonthDays,
		Prices:        opts.Prices.withDefaults(),
		StateMachines: []StateMachine{},
	}
	var errs []error
	for _, r := range p.OfType(StateMachineType) {
		w := opts.Workloads[r.Name]
		if w.Type == "" {
			w.Type = r.String("type")
		}
		b, err := Estimate([]byte(r.String("definition")), fns, w, opts.Prices)
		if err != nil {
			errs = append(errs, fmt.Errorf("cost: state machine %s: %w", r.Name, err))
			continue
		}
		sm := StateMachine{Name: r.Name, Arn: r.Arn(), Schedules: []Schedule{}, Breakdown: b}
		if s := schedules[r.Arn()]; r.Arn() != "" && len(s) > 0 {
			sm.Schedules = s
			for _, x := range s {
				sm.RunsPerMonth += x.RunsPerMonth
			}
			sm.withRuns(float64(sm.RunsPerMonth))
		}
		sm.Assumptions = assumptions(w.withDefaults(), b.Run.Usage.Lambda)
		f.StateMachines = append(f.StateMachines, sm)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	f.Alarms = alarmsOf(p, f.Prices)
	f.Dashboards = Dashboards{Names: []string{}}
	for _, r := range p.OfType(DashboardType) {
		f.Dashboards.Names = append(f.Dashboards.Names, r.Name)
	}
	f.Dashboards.Month = round6(float64(len(f.Dashboards.Names)) * f.Prices.DashboardMonth)
	return plan.MarshalArtifact(f)
}

// Write writes dir/cost.json (see Marshal), only when its content changes.
func Write(p *plan.Plan, dir string, opts Options) error {
	b, err := Marshal(p, opts)
	if err != nil {
		return err
	}
	return plan.WriteFile(filepath.Join(dir, "cost.json"), b)
}

// A plan command writes cost.json with default workloads; Writer gives it the program's own.
func init() { plan.Register(Writer(nil)) }

// Writer is the cost.json plan writer. options, when not nil, is called at write time, after
// the program ran, so the workloads can follow the stage's settings the program read; nil means
// zero Options (DefaultItems items, default durations). Pass it to plan.Command.Writers (or
// plan.Main) to replace the registered default.
func Writer(options func() Options) plan.Writer {
	return plan.Writer{Name: "cost.json", Write: func(p *plan.Plan, dir string) error {
		var o Options
		if options != nil {
			o = options()
		}
		return Write(p, dir, o)
	}}
}

// runsPerMonth counts the fire times in the MonthDays after ref.
func runsPerMonth(expr, tz, start, end string, ref time.Time) (int, error) {
	const most = MonthDays*24*60 + 1 // Scheduler fires at most once a minute
	times, err := cron.FireTimes(expr, tz, start, end, ref, most)
	if err != nil {
		return 0, err
	}
	limit := ref.Add(MonthDays * 24 * time.Hour)
	n := 0
	for _, t := range times {
		if t.Before(limit) {
			n++
		}
	}
	return n, nil
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
