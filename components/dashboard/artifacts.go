package dashboard

import (
	"fmt"
	"path/filepath"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/workflow"
)

// ResourceType is the Pulumi type of the dashboards WritePlanArtifacts reads.
const ResourceType = "aws:cloudwatch/dashboard:Dashboard"

// A plan command of a program with dashboards writes dashboards/.
func init() { plan.Register(plan.Writer{Name: "dashboards/", Write: WritePlanArtifacts}) }

// WritePlanArtifacts writes, for every dashboard in the plan, dir/dashboards/<logical name>.json:
// its body, 2-space indent, trailing newline.
func WritePlanArtifacts(p *plan.Plan, dir string) error {
	for _, r := range p.OfType(ResourceType) {
		body := r.String("dashboardBody")
		if body == "" {
			return fmt.Errorf("dashboard: %s has no resolved body in the plan", r.Name)
		}
		pretty, err := workflow.Pretty([]byte(body))
		if err != nil {
			return fmt.Errorf("dashboard: %s: %w", r.Name, err)
		}
		if err := plan.WriteFile(filepath.Join(dir, "dashboards", r.Name+".json"), pretty); err != nil {
			return err
		}
	}
	return nil
}
