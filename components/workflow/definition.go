package workflow

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/policy"
)

// Validate checks every plain value of a Standard workflow's definition and reports every problem
// at once (errors.Join of *check.FieldError): names, transitions, reachability, terminal states,
// ranges, and the definition's size estimated with long placeholder ARNs.
func (d Definition) Validate() error {
	return validateAll("", &d, Standard, true)
}

// validateAll validates d; estimate also renders it with placeholder ARNs to check its size
// before deployment (Render skips that: it checks the size of the real rendering).
func validateAll(name string, d *Definition, typ ExecutionType, estimate bool) error {
	_, err := validateUses(name, d, typ, estimate)
	return err
}

// validateUses is validateAll, also returning the definition's uses of budgeted workers.
func validateUses(name string, d *Definition, typ ExecutionType, estimate bool) ([]Use, error) {
	c := check.New("workflow", name)
	if d == nil {
		c.Add("Definition", "must not be nil", nil)
		return nil, c.Err()
	}
	uses := validate(c, d, typ == Express)
	if c.Len() == 0 && estimate {
		r := &renderer{collect: true}
		b, err := marshal(r.machine(d), false)
		if err != nil {
			c.Add("Definition", "must marshal to JSON: "+err.Error(), nil)
		} else if len(b) > MaxDefinitionBytes {
			c.Add("Definition", fmt.Sprintf("must render to at most %d bytes (the CreateStateMachine limit; estimated with %d-character ARNs)", MaxDefinitionBytes, len(placeholderArnForSizes)), len(b))
		}
	}
	return uses, c.Err()
}

// Render validates a definition whose targets and buckets are all known without deploying
// ([ExistingFunction], [ExistingQueue], [ExistingStateMachine], pulumi.String bucket names) and returns its ASL JSON, compact. It is the
// same rendering the Workflow component applies once the ARNs of its targets are resolved, so
// tests, golden files and local engines can use it without Pulumi.
func (d Definition) Render() ([]byte, error) {
	if err := validateAll("", &d, Standard, false); err != nil {
		return nil, err
	}
	r := &renderer{collect: true}
	r.machine(&d)
	vals := make([]string, len(r.slots))
	for i, s := range r.slots {
		switch {
		case s.target != nil:
			p, ok := s.target.(plain)
			if !ok {
				return nil, fmt.Errorf("workflow: Render needs targets known without deploying (workflow.ExistingFunction, ExistingQueue, ExistingStateMachine); got %T (use NewWorkflow)", s.target)
			}
			vals[i], _ = p.plainARN()
		case s.bucket != nil:
			str, ok := s.bucket.(pulumi.String)
			if !ok {
				return nil, fmt.Errorf("workflow: Render needs bucket names given as pulumi.String; got %T (use NewWorkflow)", s.bucket)
			}
			vals[i] = string(str)
		}
	}
	return renderWith(&d, vals)
}

// RenderWith renders a definition with the given resolved values, one per slot in rendering order.
func renderWith(d *Definition, vals []string) ([]byte, error) {
	r := &renderer{vals: vals}
	b, err := marshal(r.machine(d), false)
	if err != nil {
		return nil, err
	}
	if r.next != len(vals) {
		return nil, fmt.Errorf("workflow: rendering used %d of %d resolved values", r.next, len(vals))
	}
	if len(b) > MaxDefinitionBytes {
		return nil, fmt.Errorf("workflow: the definition is %d bytes, above the %d-byte CreateStateMachine limit", len(b), MaxDefinitionBytes)
	}
	return b, nil
}

// Targets lists what a definition calls, in rendering order: every worker, queue and state
// machine its tasks name (dead-letter queues included).
func (d Definition) Targets() []policy.Target {
	r := &renderer{collect: true}
	r.machine(&d)
	var out []policy.Target
	for _, s := range r.slots {
		if s.target != nil {
			out = append(out, s.target)
		}
	}
	return out
}

func policyCheck(sts []policy.Statement) error {
	if len(sts) == 0 {
		return nil
	}
	return policy.Document{Statements: sts}.Validate()
}
