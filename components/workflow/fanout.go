package workflow

import (
	"fmt"

	"github.com/skeinhq/skein/components/policy"
)

// Use is one fan-out of a workflow over a worker that draws on a budget: how many invocations of
// the worker one execution may run at once. The plan lists every use beside its budget
// (budgets.json), so a pull request shows who may call what, how hard.
type Use struct {
	// Budget and Worker name the budget and the worker.
	Budget string `json:"budget"`
	Worker string `json:"worker"`
	// State is the Task state that invokes the worker, and Through the Map states around it,
	// outermost first.
	State   string   `json:"state"`
	Through []string `json:"through,omitempty"`
	// Concurrency is how many invocations one execution may run at once: the product of the
	// enclosing Maps' MaxConcurrency. It never exceeds the worker's reserved concurrency.
	Concurrency int `json:"concurrency"`
}

// mapConcurrency is the MaxConcurrency a Map runs with inside enclosing concurrent iterations
// (the product of the MaxConcurrency of the Maps around it; 1 at the top). Zero means the
// smallest reserved concurrency of the workers it invokes, at any depth, divided by the
// enclosing iterations (at least 1), so that outer x inner never exceeds it; without reserved
// workers, 40 inline and 1,000 distributed.
func mapConcurrency(m *Map, enclosing int) int {
	if m.MaxConcurrency > 0 {
		return m.MaxConcurrency
	}
	if n := smallestReserved(&m.Processor); n > 0 {
		return max(1, n/max(enclosing, 1))
	}
	if m.Distributed != nil {
		return defaultDistributedMax
	}
	return defaultInlineMax
}

// smallestReserved is the smallest reserved concurrency of the workers a definition invokes, at
// any depth (0 when none reserves any).
func smallestReserved(d *Definition) int {
	best := 0
	forEachInvoke(d, func(w Function) {
		if n := w.ReservedConcurrency(); n > 0 && (best == 0 || n < best) {
			best = n
		}
	})
	return best
}

// unreservedWorker is a worker a definition invokes, at any depth, that reserves no concurrency.
func unreservedWorker(d *Definition) (string, bool) {
	name, found := "", false
	forEachInvoke(d, func(w Function) {
		if !found && w.ReservedConcurrency() == 0 {
			name, found = w.FunctionName(), true
		}
	})
	return name, found
}

func forEachInvoke(d *Definition, f func(Function)) {
	for _, name := range sortedNames(d.States) {
		switch x := d.States[name].(type) {
		case *Task:
			if x == nil {
				continue
			}
			if c, ok := derefCall(x.Call).(Invoke); ok && !policy.IsNil(c.Worker) {
				f(c.Worker)
			}
		case *Parallel:
			if x == nil {
				continue
			}
			for i := range x.Branches {
				forEachInvoke(&x.Branches[i], f)
			}
		case *Map:
			if x != nil {
				forEachInvoke(&x.Processor, f)
			}
		}
	}
}

// fanOut checks every fan-out against the workers it invokes: a Task never runs more invocations
// at once than its worker reserves (the product of the enclosing Maps' concurrency), a
// Distributed Map never runs unbounded over a worker that reserves nothing, and a Map whose
// default is derived never rounds to nothing. It returns the uses of budgeted workers.
func (v *validator) fanOut(field string, d *Definition, enclosing int, through []string) []Use {
	var uses []Use
	for _, name := range sortedNames(d.States) {
		f := fmt.Sprintf("%s.States[%q]", field, name)
		switch x := d.States[name].(type) {
		case *Task:
			if x == nil {
				continue
			}
			c, ok := derefCall(x.Call).(Invoke)
			if !ok || policy.IsNil(c.Worker) {
				continue
			}
			reserved := c.Worker.ReservedConcurrency()
			if reserved <= 0 {
				continue
			}
			draw := c.Worker.BudgetDraw()
			if enclosing > reserved {
				rule := fmt.Sprintf("runs up to %d invocations of worker %q at once (%s), above its reserved concurrency of %d: Lambda throttles the rest; lower the enclosing Maps' MaxConcurrency so their product is at most %d", enclosing, c.Worker.FunctionName(), product(through, enclosing), reserved, reserved)
				if draw != nil {
					rule += "; " + draw.Describe()
				}
				v.add(f, rule, enclosing)
			}
			if draw != nil {
				uses = append(uses, Use{Budget: draw.Budget, Worker: draw.Worker, State: name, Through: append([]string(nil), through...), Concurrency: min(enclosing, reserved)})
			}
		case *Parallel:
			if x == nil {
				continue
			}
			for i := range x.Branches {
				uses = append(uses, v.fanOut(fmt.Sprintf("%s.Branches[%d]", f, i), &x.Branches[i], enclosing, through)...)
			}
		case *Map:
			if x == nil {
				continue
			}
			if x.MaxConcurrency == 0 {
				if n := smallestReserved(&x.Processor); n > 0 && n < enclosing {
					v.add(f+".MaxConcurrency", fmt.Sprintf("cannot be derived: the enclosing Maps already run %d iterations at once, above the %d invocations the workers it calls reserve; lower the enclosing Maps' MaxConcurrency", enclosing, n), 0)
				} else if w, ok := unreservedWorker(&x.Processor); ok && x.Distributed != nil && n == 0 {
					v.add(f+".MaxConcurrency", fmt.Sprintf("must be set: worker %q reserves no concurrency, so this Distributed Map would run up to %d child executions at once against it (AWS allows 10,000); set MaxConcurrency, or give the worker ReservedConcurrency or a Budget", w, defaultDistributedMax), 0)
				}
			}
			n := mapConcurrency(x, enclosing)
			uses = append(uses, v.fanOut(f+".Processor", &x.Processor, enclosing*n, append(append([]string(nil), through...), fmt.Sprintf("%s x%d", name, n)))...)
		}
	}
	return uses
}

func product(through []string, total int) string {
	if len(through) == 0 {
		return "one per execution"
	}
	s := ""
	for i, t := range through {
		if i > 0 {
			s += ", "
		}
		s += t
	}
	return fmt.Sprintf("%s = %d", s, total)
}
