package diff

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/skeinhq/skein/components/cost"
	"github.com/skeinhq/skein/components/plan/internal/planfile"
)

// Plan is what one plan of a stage wrote (see the README's make plan): every artefact the
// diff reads, each empty when its file is missing.
type Plan struct {
	// Resources are resources.json's entries.
	Resources []Resource
	// StateMachines are statemachines/<name>.asl.json and .mmd, by name.
	StateMachines map[string]StateMachine
	// Schedules are schedules.json's schedules.
	Schedules []Schedule
	// Cost are cost.json's state machines.
	Cost []Cost
	// Budgets are budgets.json's budgets.
	Budgets []Budget
}

// Ref names a resource by type and logical name.
type Ref = planfile.Ref

// Resource is one entry of resources.json (the type components/plan writes it with).
type Resource = planfile.Resource

// StateMachine is a state machine's definition (pretty JSON) and its Mermaid graph.
type StateMachine struct {
	Definition []byte
	Graph      string
}

// Schedule is one entry of schedules.json.
type Schedule struct {
	Name       string   `json:"name"`
	Group      string   `json:"group,omitempty"`
	Expression string   `json:"expression"`
	TimeZone   string   `json:"timeZone,omitempty"`
	State      string   `json:"state,omitempty"`
	Next       []string `json:"next,omitempty"`
}

// Cost is one state machine's entry of cost.json: the totals the diff compares, and the
// itemised cost per million items.
type Cost struct {
	Name            string     `json:"name"`
	RunsPerMonth    float64    `json:"runsPerMonth"`
	Run             costTotal  `json:"run"`
	Month           costTotal  `json:"month"`
	PerMillionItems *costScope `json:"perMillionItems"`
	// Prices are cost.json's prices by name (the file's, not the state machine's), to itemise
	// a cost.json written before it listed items.
	Prices map[string]float64 `json:"-"`
}

type costTotal struct {
	Total float64 `json:"total"`
}

// costScope is a scope of cost.json with its items, or, in a file written before the items, the
// usage they are rebuilt from (itemsOf).
type costScope struct {
	Total float64        `json:"total"`
	Items []cost.Item    `json:"items"`
	Usage map[string]any `json:"usage"`
}

// Budget is one entry of budgets.json: a downstream's limits, the shares its workers draw and
// its users.
type Budget struct {
	Name          string           `json:"name"`
	Concurrency   int              `json:"concurrency,omitempty"`
	Rate          string           `json:"rate,omitempty"`
	RatePerSecond float64          `json:"ratePerSecond,omitempty"`
	Shares        []map[string]any `json:"shares,omitempty"`
	Users         []map[string]any `json:"users,omitempty"`
}

// Load reads the plan artefacts under dir. A missing file (or a missing dir) is an empty
// artefact; a file that does not parse is an error naming it.
func Load(dir string) (*Plan, error) {
	p := &Plan{StateMachines: map[string]StateMachine{}}
	var errs []error
	read := func(name string, v any) {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err == nil {
			err = json.Unmarshal(raw, v)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("diff: %s: %w", filepath.Join(dir, name), err))
		}
	}
	read("resources.json", &p.Resources)
	var sch struct {
		Schedules []Schedule `json:"schedules"`
	}
	read("schedules.json", &sch)
	p.Schedules = sch.Schedules
	var costs struct {
		Prices        map[string]float64 `json:"prices"`
		StateMachines []Cost             `json:"stateMachines"`
	}
	read("cost.json", &costs)
	p.Cost = costs.StateMachines
	for i := range p.Cost {
		p.Cost[i].Prices = costs.Prices
	}
	var bud struct {
		Budgets []Budget `json:"budgets"`
	}
	read("budgets.json", &bud)
	p.Budgets = bud.Budgets

	entries, err := os.ReadDir(filepath.Join(dir, "statemachines"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("diff: %w", err))
	}
	for _, e := range entries {
		n := e.Name()
		name, isDef := strings.CutSuffix(n, ".asl.json")
		if !isDef {
			var isGraph bool
			if name, isGraph = strings.CutSuffix(n, ".mmd"); !isGraph {
				continue
			}
		}
		raw, err := os.ReadFile(filepath.Join(dir, "statemachines", n))
		if err != nil {
			errs = append(errs, fmt.Errorf("diff: %w", err))
			continue
		}
		sm := p.StateMachines[name]
		if isDef {
			sm.Definition = raw
		} else {
			sm.Graph = string(raw)
		}
		p.StateMachines[name] = sm
	}
	return p, errors.Join(errs...)
}

// account is the account most ARNs of the plan name: the stage's own account.
func (p *Plan) account() string {
	count := map[string]int{}
	for _, r := range p.Resources {
		if arn, ok := r.Outputs["arn"].(string); ok {
			if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 && parts[4] != "" {
				count[parts[4]]++
			}
		}
	}
	best, n := "", 0
	for a, c := range count {
		if c > n || (c == n && a < best) {
			best, n = a, c
		}
	}
	return best
}

// unionKeys returns the keys of a and b, sorted.
func unionKeys[V any](a, b map[string]V) []string {
	keys := make(map[string]bool, len(a)+len(b))
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return slices.Sorted(maps.Keys(keys))
}
