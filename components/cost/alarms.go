package cost

import "sort"

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

// PriceAlarms is what the metric alarms cost a month at prices (zero fields mean
// DefaultPrices): each alarm's Month from its Metrics and HighResolution (the other fields as
// given), the totals, the sums by owner sorted by owner, and the alarms sorted by name.
func PriceAlarms(alarms []Alarm, prices Prices) Alarms {
	prices = prices.WithDefaults()
	out := Alarms{ByOwner: []AlarmOwner{}, Alarms: []Alarm{}}
	owners := map[string]*AlarmOwner{}
	for _, a := range alarms {
		price := prices.AlarmMetricMonth
		if a.HighResolution {
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
