package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Version is the IAM policy language version every document uses.
const Version = "2012-10-17"

// Effect is Allow or Deny. The zero value means Allow.
type Effect string

// Effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Principal names who a resource policy statement applies to.
type Principal struct {
	// Type is "AWS", "Service", "Federated" or "*" (everyone; IDs are ignored).
	Type string
	// Identifiers are account ids, role ARNs or service principals such as "scheduler.amazonaws.com".
	Identifiers []pulumi.StringInput
}

// Everyone returns the "*" principal, used by the Deny guards of resource policies.
func Everyone() Principal { return Principal{Type: "*"} }

// Service returns a service principal.
func Service(name string) Principal {
	return Principal{Type: "Service", Identifiers: []pulumi.StringInput{pulumi.String(name)}}
}

// Condition is one condition key test, such as StringEquals aws:SourceAccount 123456789012.
type Condition struct {
	// Test is the operator: StringEquals, ArnLike, Bool, NumericLessThan...
	Test string
	// Variable is the condition key: aws:SecureTransport, aws:SourceArn, s3:prefix...
	Variable string
	// Values are compared with the key; several values are ORed by IAM.
	Values []pulumi.StringInput
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid        string
	Effect     Effect
	Principals []Principal
	Actions    []string
	Resources  []pulumi.StringInput
	Conditions []Condition
	// Raw, when set, is merged into the statement as written, after everything else.
	Raw map[string]any
}

// Document is an IAM policy document.
type Document struct {
	Statements []Statement
}

// Strings turns plain strings into inputs, for resources known in advance.
func Strings(values ...string) []pulumi.StringInput {
	out := make([]pulumi.StringInput, len(values))
	for i, v := range values {
		out[i] = pulumi.String(v)
	}
	return out
}

// Validate reports every statement that breaks skein's least-privilege rules.
func (d Document) Validate() error {
	var errs []error
	for i, s := range d.Statements {
		where := fmt.Sprintf("statement %d", i)
		if s.Sid != "" {
			where = fmt.Sprintf("statement %d (%s)", i, s.Sid)
		}
		if len(s.Actions) == 0 {
			errs = append(errs, fmt.Errorf("policy: %s: Actions must list at least one action", where))
		}
		if s.Effect != "" && s.Effect != Allow && s.Effect != Deny {
			errs = append(errs, fmt.Errorf("policy: %s: Effect must be Allow or Deny, got %q", where, s.Effect))
		}
		for _, a := range s.Actions {
			if s.Effect == Deny {
				continue
			}
			// Any pattern ("s3:*", "s3:Get*", "s3:?etObject") grants actions nobody listed,
			// including ones AWS adds later.
			if strings.ContainsAny(a, "*?") {
				errs = append(errs, fmt.Errorf("policy: %s: Allow action %q is a wildcard; list the exact actions", where, a))
			}
			if !strings.Contains(a, ":") && a != "*" {
				errs = append(errs, fmt.Errorf("policy: %s: action %q must be service:Action", where, a))
			}
		}
		if len(s.Principals) == 0 && len(s.Resources) == 0 {
			errs = append(errs, fmt.Errorf("policy: %s: Resources must list at least one resource", where))
		}
	}
	return errors.Join(errs...)
}

type plainDocument struct {
	Version   string           `json:"Version"`
	Statement []map[string]any `json:"Statement"`
}

// Json resolves every input in the document and marshals it deterministically. Single values are
// written as strings and several as arrays, as IAM itself prints them.
func (d Document) Json() pulumi.StringOutput {
	var inputs []any
	for _, s := range d.Statements {
		for _, p := range s.Principals {
			for _, id := range p.Identifiers {
				inputs = append(inputs, id)
			}
		}
		for _, r := range s.Resources {
			inputs = append(inputs, r)
		}
		for _, c := range s.Conditions {
			for _, v := range c.Values {
				inputs = append(inputs, v)
			}
		}
	}
	if len(inputs) == 0 {
		s, err := d.render(nil)
		if err != nil {
			// Unreachable: render only marshals maps of strings.
			return pulumi.StringOutput{}
		}
		return pulumi.String(s).ToStringOutput()
	}
	return pulumi.All(inputs...).ApplyT(func(vals []any) (string, error) {
		return d.render(vals)
	}).(pulumi.StringOutput)
}

// Render marshals a document whose inputs are all plain strings (pulumi.String), for tests and
// for callers that build policies from known ARNs. It fails on any other input.
func (d Document) Render() (string, error) {
	var vals []any
	for _, s := range d.Statements {
		collect := func(in pulumi.StringInput) error {
			v, ok := in.(pulumi.String)
			if !ok {
				return fmt.Errorf("policy: Render needs plain strings, got %T", in)
			}
			vals = append(vals, string(v))
			return nil
		}
		for _, p := range s.Principals {
			for _, id := range p.Identifiers {
				if err := collect(id); err != nil {
					return "", err
				}
			}
		}
		for _, r := range s.Resources {
			if err := collect(r); err != nil {
				return "", err
			}
		}
		for _, c := range s.Conditions {
			for _, v := range c.Values {
				if err := collect(v); err != nil {
					return "", err
				}
			}
		}
	}
	return d.render(vals)
}

func one(vals []string) any {
	if len(vals) == 1 {
		return vals[0]
	}
	return vals
}

func (d Document) render(vals []any) (string, error) {
	next := func() string {
		v := vals[0]
		vals = vals[1:]
		s, _ := v.(string)
		return s
	}
	doc := plainDocument{Version: Version, Statement: make([]map[string]any, 0, len(d.Statements))}
	for _, s := range d.Statements {
		st := map[string]any{}
		if s.Sid != "" {
			st["Sid"] = s.Sid
		}
		eff := s.Effect
		if eff == "" {
			eff = Allow
		}
		st["Effect"] = eff
		if len(s.Principals) > 0 {
			pr := map[string]any{}
			everyone := false
			for _, p := range s.Principals {
				if p.Type == "*" {
					everyone = true
					continue
				}
				ids := make([]string, 0, len(p.Identifiers))
				for range p.Identifiers {
					ids = append(ids, next())
				}
				if prev, ok := pr[p.Type].([]string); ok {
					ids = append(prev, ids...)
				}
				pr[p.Type] = ids
			}
			if everyone {
				st["Principal"] = "*"
			} else {
				for k, v := range pr {
					pr[k] = one(v.([]string))
				}
				st["Principal"] = pr
			}
		}
		st["Action"] = one(s.Actions)
		if len(s.Resources) > 0 {
			rs := make([]string, 0, len(s.Resources))
			for range s.Resources {
				rs = append(rs, next())
			}
			st["Resource"] = one(rs)
		}
		if len(s.Conditions) > 0 {
			cond := map[string]map[string]any{}
			for _, c := range s.Conditions {
				vs := make([]string, 0, len(c.Values))
				for range c.Values {
					vs = append(vs, next())
				}
				if cond[c.Test] == nil {
					cond[c.Test] = map[string]any{}
				}
				cond[c.Test][c.Variable] = one(vs)
			}
			st["Condition"] = cond
		}
		for k, v := range s.Raw {
			st[k] = v
		}
		doc.Statement = append(doc.Statement, st)
	}
	b, err := json.Marshal(doc)
	return string(b), err
}
