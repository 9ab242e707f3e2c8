package cost

import (
	"sort"

	"github.com/skeinhq/skein/components/plan"
)

// MetricAlarmType is the resource type the alarms section of cost.json counts.
const MetricAlarmType = "aws:cloudwatch/metricAlarm:MetricAlarm"

// Alarms is what the plan's CloudWatch metric alarms cost a month, in the stage the plan is of.
type Alarms struct {
	// Count is the number of metric alarms in the plan.
	Count int `json:"count"`
	// Metrics are the standard-resolution alarm metrics they are billed by, HighResolutionMetrics
	// the high-resolution ones (an alarm whose period is under 60 s).
	Metrics               int `json:"metrics"`
	HighResolutionMetrics int `json:"highResolutionMetrics"`
	// Month is the total in dollars for a month.
	Month float64 `json:"month"`
	// ByOwner sums the alarms by the component that owns them, sorted by owner.
	ByOwner []AlarmOwner `json:"byOwner"`
	// Alarms lists every alarm, sorted by logical name.
	Alarms []Alarm `json:"alarms"`
}

// AlarmOwner is the alarms of one component (or of the stack's top level).
type AlarmOwner struct {
	// Owner is the parent component as "<type> <name>" ("skein:aws:Worker vendor"); empty for
	// alarms registered at the stack's top level.
	Owner string  `json:"owner"`
	Count int     `json:"count"`
	Month float64 `json:"month"`
}

// Alarm is one metric alarm's monthly cost.
type Alarm struct {
	Name  string `json:"name"`
	Owner string `json:"owner"`
	// Metrics is how many metrics the alarm is billed for: 1 for an alarm on one metric, each
	// metric a metric-math alarm reads (metricQueries with a metric) otherwise.
	Metrics        int     `json:"metrics"`
	HighResolution bool    `json:"highResolution"`
	Month          float64 `json:"month"`
}

// alarmsOf costs every aws:cloudwatch/metricAlarm:MetricAlarm of the plan at prices (defaults
// applied).
func alarmsOf(p *plan.Plan, prices Prices) Alarms {
	out := Alarms{ByOwner: []AlarmOwner{}, Alarms: []Alarm{}}
	owners := map[string]*AlarmOwner{}
	for _, r := range p.OfType(MetricAlarmType) {
		a := Alarm{Name: r.Name, Metrics: 1}
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
		// A metric-math alarm's period is in each query's metric; the alarm's own period
		// decides for an alarm on one metric.
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
		price := prices.AlarmMetricMonth
		if period > 0 && period < 60 {
			a.HighResolution = true
			price = prices.HighResolutionAlarmMetricMonth
			out.HighResolutionMetrics += a.Metrics
		} else {
			out.Metrics += a.Metrics
		}
		month := float64(a.Metrics) * price
		a.Month = round6(month)
		out.Month += month
		out.Count++
		o := owners[a.Owner]
		if o == nil {
			o = &AlarmOwner{Owner: a.Owner}
			owners[a.Owner] = o
		}
		o.Count++
		o.Month += month
		out.Alarms = append(out.Alarms, a)
	}
	out.Month = round6(out.Month)
	for _, o := range owners {
		o.Month = round6(o.Month)
		out.ByOwner = append(out.ByOwner, *o)
	}
	sort.Slice(out.ByOwner, func(i, j int) bool { return out.ByOwner[i].Owner < out.ByOwner[j].Owner })
	sort.Slice(out.Alarms, func(i, j int) bool { return out.Alarms[i].Name < out.Alarms[j].Name })
	return out
}
