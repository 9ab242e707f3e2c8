package plan

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/skeinhq/skein/components/budget/budgetenv"
)

// Resource types budgets.json reads.
const (
	budgetType   = "skein:aws:Budget"
	workflowType = "skein:aws:Workflow"
	functionType = "aws:lambda/function:Function"
	mappingType  = "aws:lambda/eventSourceMapping:EventSourceMapping"
)

// BudgetsFile is budgets.json: every budget of a plan (components/budget), its limits, every
// share and every user.
type BudgetsFile struct {
	Budgets []Budget `json:"budgets"`
}

// Budget is one budget in budgets.json: the allocation the component registered, and the
// users found in the plan.
type Budget struct {
	Name          string       `json:"name"`
	Concurrency   int          `json:"concurrency"`
	Rate          string       `json:"rate,omitempty"`
	RatePerSecond float64      `json:"ratePerSecond,omitempty"`
	Window        string       `json:"window,omitempty"`
	Burst         int          `json:"burst,omitempty"`
	MarginPercent float64      `json:"marginPercent,omitempty"`
	Shares        []any        `json:"shares"`
	Users         []BudgetUser `json:"users"`
	WorstCase     any          `json:"worstCase"`
	Notes         []string     `json:"notes,omitempty"`
}

// BudgetUser is something that drives a budgeted worker: a workflow's fan-out or a queue's
// subscription, with the most invocations of the worker it asks for at once (per execution, for
// a workflow). The worker's reserved concurrency caps them all together; above it, invocations
// are throttled, and retried.
type BudgetUser struct {
	// Kind is "workflow" or "queue"; Name the workflow's or the subscription's logical name.
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Worker is the budgeted worker it drives.
	Worker string `json:"worker"`
	// State and Through locate a workflow's Task and the Maps around it.
	State   string   `json:"state,omitempty"`
	Through []string `json:"through,omitempty"`
	// Concurrency is how many invocations it asks for at once.
	Concurrency int `json:"concurrency"`
}

// MarshalBudgets renders budgets.json for every budget in the plan, sorted by name; users sorted
// by kind, name and state.
func (p *Plan) MarshalBudgets() ([]byte, error) {
	f := BudgetsFile{Budgets: []Budget{}}
	// worker names by function ARN, for the queue subscriptions.
	byArn := map[string][2]string{} // arn -> {budget, worker}
	for _, fn := range p.OfType(functionType) {
		if b, _ := fn.Get("environment.variables." + budgetenv.Name).(string); b != "" && fn.Parent != nil {
			byArn[fn.Arn()] = [2]string{b, fn.Parent.Name}
		}
	}
	users := map[string][]BudgetUser{}
	for _, wf := range p.OfType(workflowType) {
		list, _ := wf.Outputs["budgetUses"].([]any)
		for _, x := range list {
			m, _ := x.(map[string]any)
			u := BudgetUser{Kind: "workflow", Name: wf.Name}
			u.Worker, _ = m["worker"].(string)
			u.State, _ = m["state"].(string)
			if th, ok := m["through"].([]any); ok {
				for _, t := range th {
					s, _ := t.(string)
					u.Through = append(u.Through, s)
				}
			}
			n, _ := m["concurrency"].(float64)
			u.Concurrency = int(n)
			b, _ := m["budget"].(string)
			users[b] = append(users[b], u)
		}
	}
	for _, esm := range p.OfType(mappingType) {
		bw, ok := byArn[esm.String("functionName")]
		if !ok {
			continue
		}
		n, _ := esm.Get("scalingConfig.maximumConcurrency").(float64)
		users[bw[0]] = append(users[bw[0]], BudgetUser{Kind: "queue", Name: esm.Name, Worker: bw[1], Concurrency: int(n)})
	}
	for _, r := range p.OfType(budgetType) {
		o := r.Outputs
		b := Budget{Name: r.Name, Shares: []any{}, Users: users[r.Name], WorstCase: o["worstCase"]}
		if b.Users == nil {
			b.Users = []BudgetUser{}
		}
		num := func(k string) float64 { v, _ := o[k].(float64); return v }
		b.Concurrency = int(num("concurrency"))
		b.Rate, _ = o["rate"].(string)
		b.RatePerSecond = num("ratePerSecond")
		b.Window, _ = o["window"].(string)
		b.Burst = int(num("burst"))
		b.MarginPercent = num("marginPercent")
		if s, ok := o["shares"].([]any); ok {
			b.Shares = s
		}
		sort.SliceStable(b.Users, func(i, j int) bool {
			x, y := b.Users[i], b.Users[j]
			if x.Kind != y.Kind {
				return x.Kind < y.Kind
			}
			if x.Name != y.Name {
				return x.Name < y.Name
			}
			return x.State < y.State
		})
		reserved := map[string]int{}
		for _, s := range b.Shares {
			m, _ := s.(map[string]any)
			w, _ := m["worker"].(string)
			n, _ := m["reservedConcurrency"].(float64)
			reserved[w] = int(n)
		}
		// The states of one execution run one after another, so a workflow asks for its largest
		// fan-out; every workflow and queue may run at once.
		type key struct{ worker, kind, name string }
		most := map[key]int{}
		for _, u := range b.Users {
			k := key{u.Worker, u.Kind, u.Name}
			most[k] = max(most[k], u.Concurrency)
		}
		asked, parts := map[string]int{}, map[string][]string{}
		for _, u := range b.Users {
			k := key{u.Worker, u.Kind, u.Name}
			if n, ok := most[k]; ok {
				asked[u.Worker] += n
				parts[u.Worker] = append(parts[u.Worker], fmt.Sprintf("%s %q %d", u.Kind, u.Name, n))
				delete(most, k)
			}
		}
		for _, w := range slices.Sorted(maps.Keys(asked)) {
			if asked[w] > reserved[w] {
				b.Notes = append(b.Notes, fmt.Sprintf("worker %q: one execution of each workflow and every queue consumer together ask for %d invocations at once (%s), and overlapping executions for more, above its reserved concurrency of %d: Lambda throttles the excess, workflows retry it (workflow.ThrottleRetry) and a queue's throttled receives count toward its dead-letter queue; the downstream never sees more than the budget", w, asked[w], strings.Join(parts[w], ", "), reserved[w]))
			}
		}
		f.Budgets = append(f.Budgets, b)
	}
	return MarshalArtifact(f)
}

// WriteBudgets writes dir/budgets.json (see MarshalBudgets).
func (p *Plan) WriteBudgets(dir string) error {
	b, err := p.MarshalBudgets()
	if err != nil {
		return err
	}
	return WriteFile(filepath.Join(dir, "budgets.json"), b)
}
