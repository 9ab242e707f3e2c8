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
	return p.writeDocuments(stateMachineType, "definition", func(name string, doc, pretty []byte) error {
		graph, err := Mermaid(doc)
		if err != nil {
			return fmt.Errorf("state machine %s: %w", name, err)
		}
		base := filepath.Join(dir, "statemachines", name)
		if err := WriteFile(base+".asl.json", pretty); err != nil {
			return err
		}
		return WriteFile(base+".mmd", []byte(graph))
	})
}

// dashboardType is the Pulumi type of the dashboards dashboards/ shows.
const dashboardType = "aws:cloudwatch/dashboard:Dashboard"

// WriteDashboards writes, for every CloudWatch dashboard in the plan,
// dir/dashboards/<logical name>.json: its body, 2-space indent, trailing newline.
func (p *Plan) WriteDashboards(dir string) error {
	return p.writeDocuments(dashboardType, "dashboardBody", func(name string, _, pretty []byte) error {
		return WriteFile(filepath.Join(dir, "dashboards", name+".json"), pretty)
	})
}

// writeDocuments calls write, for every resource of type typ, with its name and the JSON
// document its input field holds, as written and indented (see indent).
func (p *Plan) writeDocuments(typ, field string, write func(name string, doc, pretty []byte) error) error {
	for _, r := range p.OfType(typ) {
		doc := r.String(field)
		if doc == "" {
			return fmt.Errorf("%s %s has no resolved %s in the plan", typ, r.Name, field)
		}
		pretty, err := indent([]byte(doc))
		if err != nil {
			return fmt.Errorf("%s %s: %w", typ, r.Name, err)
		}
		if err := write(r.Name, []byte(doc), pretty); err != nil {
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
