// Package emftest judges embedded metric format lines for tests: each line is validated against
// a JSON Schema of the specification's rules (emf.schema.json, checked by an independent JSON
// Schema validator) and every member a directive names is checked at the root (dimensions are
// strings; metrics are numbers or arrays of at most 100 numbers), which a schema cannot express.
package emftest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

//go:embed emf.schema.json
var schemaText string

// schema is the compiled schema.
var schema = jsonschema.MustCompileString("emf.schema.json", schemaText)

// Metric is one metric a line carries.
type Metric struct {
	Namespace  string
	Dimensions map[string]string
	Name, Unit string
	Values     []float64
}

// Check validates one line and returns its metrics.
func Check(line []byte) ([]Metric, error) {
	var doc any
	d := json.NewDecoder(bytes.NewReader(line))
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("emf: not JSON: %w", err)
	}
	if d.More() {
		return nil, errors.New("emf: data after the JSON object")
	}
	if err := schema.Validate(doc); err != nil {
		return nil, fmt.Errorf("emf: %s: %w", line, err)
	}
	root := doc.(map[string]any)
	var out []Metric
	var errs []error
	for _, dir := range root["_aws"].(map[string]any)["CloudWatchMetrics"].([]any) {
		dir := dir.(map[string]any)
		for _, set := range dir["Dimensions"].([]any) {
			dims := map[string]string{}
			for _, n := range set.([]any) {
				v, ok := root[n.(string)].(string)
				if !ok {
					errs = append(errs, fmt.Errorf("emf: dimension %q is not a string member of the root", n))
				}
				dims[n.(string)] = v
			}
			seen := map[string]bool{}
			for _, m := range dir["Metrics"].([]any) {
				m := m.(map[string]any)
				name := m["Name"].(string)
				if seen[name] {
					errs = append(errs, fmt.Errorf("emf: metric %q defined twice in one directive", name))
				}
				seen[name] = true
				unit, _ := m["Unit"].(string)
				var vals []float64
				switch v := root[name].(type) {
				case float64:
					vals = []float64{v}
				case []any:
					if len(v) > 100 {
						errs = append(errs, fmt.Errorf("emf: metric %q has %d values, at most 100", name, len(v)))
					}
					for _, x := range v {
						f, ok := x.(float64)
						if !ok {
							errs = append(errs, fmt.Errorf("emf: metric %q has a value that is not a number: %v", name, x))
						}
						vals = append(vals, f)
					}
				default:
					errs = append(errs, fmt.Errorf("emf: metric %q is not a number or an array of numbers at the root: %v", name, root[name]))
				}
				out = append(out, Metric{Namespace: dir["Namespace"].(string), Dimensions: dims, Name: name, Unit: unit, Values: vals})
			}
		}
	}
	return out, errors.Join(errs...)
}

// Lines checks every line of out that has an "_aws" member and returns their metrics; lines
// without one (ordinary log lines) are skipped.
func Lines(out []byte) ([]Metric, error) {
	var all []Metric
	var errs []error
	for _, l := range bytes.Split(out, []byte("\n")) {
		if !bytes.Contains(l, []byte(`"_aws"`)) {
			continue
		}
		ms, err := Check(l)
		errs = append(errs, err)
		all = append(all, ms...)
	}
	return all, errors.Join(errs...)
}

// Sum adds the values of the metrics named name whose dimensions include dims.
func Sum(ms []Metric, name string, dims map[string]string) float64 {
	var s float64
	for _, m := range ms {
		if m.Name != name {
			continue
		}
		ok := true
		for k, v := range dims {
			ok = ok && m.Dimensions[k] == v
		}
		if ok {
			for _, v := range m.Values {
				s += v
			}
		}
	}
	return s
}
