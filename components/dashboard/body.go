package dashboard

import (
	"encoding/json"
	"fmt"
)

// ResourceType is the Pulumi type of the CloudWatch dashboard a Dashboard creates, whose body
// the plan writes to dashboards/<name>.json.
const ResourceType = "aws:cloudwatch/dashboard:Dashboard"

// Body is a CloudWatch dashboard body (the dashboard body structure AWS documents): its widgets,
// each placed on a 24-column grid.
type Body struct {
	// Start is the default time range, e.g. "-PT12H"; empty means the console's (3 hours).
	Start string `json:"start,omitempty"`
	// PeriodOverride is "auto" or "inherit"; empty means auto.
	PeriodOverride string   `json:"periodOverride,omitempty"`
	Widgets        []Widget `json:"widgets"`
}

// Widget is one widget: a metric graph or a text block.
type Widget struct {
	// Type is "metric" or "text".
	Type       string     `json:"type"`
	X          int        `json:"x"`
	Y          int        `json:"y"`
	Width      int        `json:"width"`
	Height     int        `json:"height"`
	Properties Properties `json:"properties"`
}

// Properties are a widget's properties: Markdown for a text widget, the rest for a metric
// widget.
type Properties struct {
	Markdown    string       `json:"markdown,omitempty"`
	Title       string       `json:"title,omitempty"`
	View        string       `json:"view,omitempty"`
	Stacked     bool         `json:"stacked,omitempty"`
	Region      string       `json:"region,omitempty"`
	Period      int          `json:"period,omitempty"`
	Stat        string       `json:"stat,omitempty"`
	Metrics     []Metric     `json:"metrics,omitempty"`
	Annotations *Annotations `json:"annotations,omitempty"`
}

// Annotations are lines drawn across a graph.
type Annotations struct {
	Horizontal []Annotation `json:"horizontal,omitempty"`
}

// Annotation is one horizontal line: a limit, such as a reserved concurrency or a timeout.
type Annotation struct {
	Label string  `json:"label,omitempty"`
	Value float64 `json:"value"`
}

// Dimension is one dimension of a metric.
type Dimension struct {
	Name, Value string
}

// MetricOptions are a metric's rendering options.
type MetricOptions struct {
	Label string `json:"label,omitempty"`
	Stat  string `json:"stat,omitempty"`
	Color string `json:"color,omitempty"`
	YAxis string `json:"yAxis,omitempty"`
}

// Metric is one metric of a widget. It marshals as the array the body format wants:
// [namespace, name, dimension name, dimension value, ..., {options}].
type Metric struct {
	Namespace  string
	Name       string
	Dimensions []Dimension
	Options    MetricOptions
}

// MarshalJSON renders the metric array.
func (m Metric) MarshalJSON() ([]byte, error) {
	a := []any{m.Namespace, m.Name}
	for _, d := range m.Dimensions {
		a = append(a, d.Name, d.Value)
	}
	if m.Options != (MetricOptions{}) {
		a = append(a, m.Options)
	}
	return json.Marshal(a)
}

// UnmarshalJSON reads the metric array (namespace and name in full; "..." references to the
// previous metric are not supported).
func (m *Metric) UnmarshalJSON(b []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*m = Metric{}
	var strs []string
	for i, x := range a {
		var s string
		if err := json.Unmarshal(x, &s); err == nil {
			strs = append(strs, s)
			continue
		}
		if i != len(a)-1 {
			return fmt.Errorf("dashboard: metric %s: only the last element may be the options", b)
		}
		if err := json.Unmarshal(x, &m.Options); err != nil {
			return err
		}
	}
	if len(strs) < 2 || len(strs)%2 != 0 {
		return fmt.Errorf("dashboard: metric %s: want namespace, name and dimension name/value pairs", b)
	}
	m.Namespace, m.Name = strs[0], strs[1]
	for i := 2; i < len(strs); i += 2 {
		m.Dimensions = append(m.Dimensions, Dimension{strs[i], strs[i+1]})
	}
	return nil
}

// DimensionMap returns the metric's dimensions as a map.
func (m Metric) DimensionMap() map[string]string {
	out := make(map[string]string, len(m.Dimensions))
	for _, d := range m.Dimensions {
		out[d.Name] = d.Value
	}
	return out
}

// Metrics returns every metric of every widget, in order.
func (b *Body) Metrics() []Metric {
	var out []Metric
	for _, w := range b.Widgets {
		out = append(out, w.Properties.Metrics...)
	}
	return out
}
