package budget

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/stage"
)

// Type is the budget component's type token.
const Type = "skein:aws:Budget"

// Budget is a downstream's limits divided between the workers that call it. It creates no AWS
// resource of its own: the workers it is given to (worker.WorkerArgs.Budget) reserve their
// concurrency and pace their calls from it, and workflows and queues check what they drive
// against it. It is a component so that the plan (budgets.json) and previews show it.
type Budget struct {
	pulumi.ResourceState

	// Allocation is the budget divided between its shares.
	Allocation *Allocation
	// Concurrency is the downstream's concurrency.
	Concurrency pulumi.IntOutput `pulumi:"concurrency"`
}

var _ pulumi.ComponentResource = (*Budget)(nil)

// NewBudget checks a budget and divides it between its shares; nothing is registered when a
// check fails.
func NewBudget(ctx *pulumi.Context, name string, args *BudgetArgs, opts ...pulumi.ResourceOption) (*Budget, error) {
	alloc, err := Allocate(name, args)
	if err != nil {
		return nil, err
	}
	b := &Budget{Allocation: alloc}
	if err := ctx.RegisterComponentResource(Type, name, b, opts...); err != nil {
		return nil, err
	}
	b.Concurrency = pulumi.Int(alloc.Concurrency).ToIntOutput()
	raw, err := json.Marshal(alloc)
	if err != nil {
		return nil, err
	}
	var plain map[string]any
	if err := json.Unmarshal(raw, &plain); err != nil {
		return nil, err
	}
	outs := pulumi.Map{}
	for k, v := range plain {
		outs[k] = pulumi.Any(v)
	}
	return b, stage.RegisterOutputs(ctx, b, outs)
}

// Draw returns the named worker's share, or an error naming every share.
func (b *Budget) Draw(worker string) (*Draw, error) { return b.Allocation.Draw(worker) }
