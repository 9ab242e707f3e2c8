package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
)

// stateMachineType is the Pulumi type of the state machines statemachines/ shows.
const stateMachineType = "aws:sfn/stateMachine:StateMachine"

// WriteStateMachines writes, for every state machine in the plan, dir/statemachines/<logical
// name>.asl.json (the definition, 2-space indent, trailing newline) and <logical name>.mmd (its
// [Mermaid] graph). Files are only rewritten when their content changes.
func (p *Plan) WriteStateMachines(dir string) error {
	for _, r := range p.OfType(stateMachineType) {
		def := r.String("definition")
		if def == "" {
			return fmt.Errorf("state machine %s has no resolved definition in the plan", r.Name)
		}
		pretty, err := indent([]byte(def))
		if err != nil {
			return fmt.Errorf("state machine %s: %w", r.Name, err)
		}
		graph, err := Mermaid([]byte(def))
		if err != nil {
			return fmt.Errorf("state machine %s: %w", r.Name, err)
		}
		base := filepath.Join(dir, "statemachines", r.Name)
		if err := WriteFile(base+".asl.json", pretty); err != nil {
			return err
		}
		if err := WriteFile(base+".mmd", []byte(graph)); err != nil {
			return err
		}
	}
	return nil
}

// dashboardType is the Pulumi type of the dashboards dashboards/ shows.
const dashboardType = "aws:cloudwatch/dashboard:Dashboard"

// WriteDashboards writes, for every CloudWatch dashboard in the plan,
// dir/dashboards/<logical name>.json: its body, 2-space indent, trailing newline.
func (p *Plan) WriteDashboards(dir string) error {
	for _, r := range p.OfType(dashboardType) {
		body := r.String("dashboardBody")
		if body == "" {
			return fmt.Errorf("dashboard %s has no resolved body in the plan", r.Name)
		}
		pretty, err := indent([]byte(body))
		if err != nil {
			return fmt.Errorf("dashboard %s: %w", r.Name, err)
		}
		if err := WriteFile(filepath.Join(dir, "dashboards", r.Name+".json"), pretty); err != nil {
			return err
		}
	}
	return nil
}

// indent indents a JSON document with two spaces and ends it with a newline, keeping the order
// of its members.
func indent(doc []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
