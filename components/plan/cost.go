package plan

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/skeinhq/skein/components/cost"
)

// metricAlarmType is the resource type the alarms of cost.json count (cost.json also reads
// stateMachineType, functionType, scheduleType and dashboardType, shared with the other files).
const metricAlarmType = "aws:cloudwatch/metricAlarm:MetricAlarm"

// MarshalCost renders cost.json (a [cost.File]) for every state machine of the plan, its runs per
// month from the schedules that target it, and the month of the plan's CloudWatch alarms and
// dashboards: indented, sorted, with a trailing newline. Zero opts.Reference means [Reference].
// It fails, naming the state machine and the state, when a definition cannot be costed.
func (p *Plan) MarshalCost(opts cost.Options) ([]byte, error) {
	ref := opts.Reference
	if ref.IsZero() {
		ref = Reference()
	}
	fns := map[string]cost.Function{}
	for _, r := range p.OfType(functionType) {
		if r.Arn() == "" {
			continue
		}
		fn := cost.Function{Name: r.Name}
		if v, ok := r.Get("memorySize").(float64); ok {
			fn.MemoryMB = int(v)
		}
		if a, ok := r.Get("architectures").([]any); ok && len(a) > 0 {
			fn.Architecture, _ = a[0].(string)
		}
		fns[r.Arn()] = fn
	}
	schedules := map[string][]cost.Schedule{}
	for _, r := range p.OfType(scheduleType) {
		sch := scheduleOf(r)
		s := cost.Schedule{Name: sch.Name, Expression: sch.Expression, TimeZone: sch.TimeZone, ScheduleState: sch.State}
		n, err := runsPerMonth(sch, ref)
		if err != nil {
			s.Error = err.Error()
		}
		s.RunsPerMonth = n
		target := r.String("target.arn")
		schedules[target] = append(schedules[target], s)
	}
	f := cost.File{
		Reference:     ref.UTC().Format(time.RFC3339),
		MonthDays:     cost.MonthDays,
		Prices:        opts.Prices.WithDefaults(),
		StateMachines: []cost.StateMachine{},
	}
	var errs []error
	for _, r := range p.OfType(stateMachineType) {
		w := opts.Workloads[r.Name]
		if w.Type == "" {
			w.Type = r.String("type")
		}
		b, err := cost.Estimate([]byte(r.String("definition")), fns, w, opts.Prices)
		if err != nil {
			errs = append(errs, fmt.Errorf("cost: state machine %s: %w", r.Name, err))
			continue
		}
		var s []cost.Schedule
		if r.Arn() != "" {
			s = schedules[r.Arn()]
		}
		f.StateMachines = append(f.StateMachines, cost.NewStateMachine(r.Name, r.Arn(), w, b, s))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var alarms []cost.Alarm
	for _, r := range p.OfType(metricAlarmType) {
		alarms = append(alarms, alarmOf(r))
	}
	f.Alarms = cost.PriceAlarms(alarms, f.Prices)
	var dashboards []string
	for _, r := range p.OfType(dashboardType) {
		dashboards = append(dashboards, r.Name)
	}
	f.Dashboards = cost.PriceDashboards(dashboards, f.Prices)
	return MarshalArtifact(f)
}

// WriteCost writes dir/cost.json (see MarshalCost), only when its content changes.
func (p *Plan) WriteCost(dir string, opts cost.Options) error {
	b, err := p.MarshalCost(opts)
	if err != nil {
		return err
	}
	return WriteFile(filepath.Join(dir, "cost.json"), b)
}

// CostWriter is the cost.json writer with the program's own workloads. options, when not nil, is
// called at write time, after the program ran, so the workloads can follow the stage's settings
// the program read; nil means zero cost.Options (cost.DefaultItems items, default durations), as
// the writer every plan runs. Pass it to [Command.Writers] (or [Main]) to replace that writer.
func CostWriter(options func() cost.Options) Writer {
	return Writer{Name: "cost.json", Write: func(p *Plan, dir string) error {
		var o cost.Options
		if options != nil {
			o = options()
		}
		return p.WriteCost(dir, o)
	}}
}

// runsPerMonth counts the schedule's fire times in the cost.MonthDays after ref.
func runsPerMonth(s Schedule, ref time.Time) (int, error) {
	const most = cost.MonthDays*24*60 + 1 // Scheduler fires at most once a minute
	times, err := s.fireTimes(ref, most)
	if err != nil {
		return 0, err
	}
	limit := ref.Add(cost.MonthDays * 24 * time.Hour)
	n := 0
	for _, t := range times {
		if t.Before(limit) {
			n++
		}
	}
	return n, nil
}

// alarmOf reads what a metric alarm is billed by: its owner, its metrics (1 for an alarm on one
// metric, each metric a metric-math alarm reads otherwise) and whether it is high-resolution
// (a period under 60 s).
func alarmOf(r *Resource) cost.Alarm {
	a := cost.Alarm{Name: r.Name, Metrics: 1}
	if r.Parent != nil {
		a.Owner = r.Parent.Type + " " + r.Parent.Name
	}
	if qs, ok := r.Get("metricQueries").([]any); ok && len(qs) > 0 {
		a.Metrics = 0
		for _, q := range qs {
			if m, ok := q.(map[string]any); ok && m["metric"] != nil {
				a.Metrics++
			}
		}
	}
	// A metric-math alarm's period is in each query's metric; the alarm's own period decides
	// for an alarm on one metric.
	period, _ := r.Get("period").(float64)
	if qs, ok := r.Get("metricQueries").([]any); ok {
		for _, q := range qs {
			if m, ok := q.(map[string]any); ok {
				if mm, ok := m["metric"].(map[string]any); ok {
					if x, ok := mm["period"].(float64); ok && (period == 0 || x < period) {
						period = x
					}
				}
			}
		}
	}
	a.HighResolution = period > 0 && period < 60
	return a
}
