package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/skeinhq/skein/components/plan"

	// Every program with a workflow gets cost.json from a plan command (cost registers its
	// writer).
	_ "github.com/skeinhq/skein/components/cost"
)

// A plan command of a program with workflows writes statemachines/.
func init() { plan.Register(plan.Writer{Name: "statemachines/", Write: WritePlanArtifacts}) }

// StateMachineType is the Pulumi type of the state machines WritePlanArtifacts reads.
const StateMachineType = "aws:sfn/stateMachine:StateMachine"

// WritePlanArtifacts writes, for every state machine in the plan, dir/statemachines/<logical
// name>.asl.json (the definition, 2-space indent, trailing newline) and <logical name>.mmd (its
// Mermaid graph). Files are only rewritten when their content changes.
func WritePlanArtifacts(p *plan.Plan, dir string) error {
	for _, r := range p.OfType(StateMachineType) {
		def := r.String("definition")
		if def == "" {
			return fmt.Errorf("workflow: state machine %s has no resolved definition in the plan", r.Name)
		}
		pretty, err := Pretty([]byte(def))
		if err != nil {
			return fmt.Errorf("workflow: state machine %s: %w", r.Name, err)
		}
		graph, err := Mermaid([]byte(def))
		if err != nil {
			return fmt.Errorf("workflow: state machine %s: %w", r.Name, err)
		}
		base := filepath.Join(dir, "statemachines", r.Name)
		if err := plan.WriteFile(base+".asl.json", pretty); err != nil {
			return err
		}
		if err := plan.WriteFile(base+".mmd", []byte(graph)); err != nil {
			return err
		}
	}
	return nil
}

// Pretty indents an ASL definition with two spaces and ends it with a newline, keeping the order
// of its fields.
func Pretty(definition []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, definition, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
