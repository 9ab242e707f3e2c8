package diff

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// IamChanges are the IAM statements the head adds and removes. A statement that changes (a
// grant widened) is one removed and one added, like CDK's security diff.
type IamChanges struct {
	Added   []Statement `json:"added"`
	Removed []Statement `json:"removed"`
}

// Statement is one IAM statement, flattened for a table.
type Statement struct {
	// Source is the resource that holds the statement ("rolePolicy vendor-base").
	Source string `json:"source"`
	// Principal is who the statement applies to: the role an identity policy is attached to
	// ("role vendor-role"), or a resource policy's principals.
	Principal  string   `json:"principal"`
	Effect     string   `json:"effect"`
	Actions    []string `json:"actions"`
	Resources  []string `json:"resources,omitempty"`
	Conditions string   `json:"conditions,omitempty"`
	// Notes call out wildcards and principals of other accounts.
	Notes []string `json:"notes,omitempty"`
}

type policyDoc struct {
	Statement json.RawMessage `json:"Statement"`
}

type rawStatement struct {
	Effect       string          `json:"Effect"`
	Principal    json.RawMessage `json:"Principal"`
	NotPrincipal json.RawMessage `json:"NotPrincipal"`
	Action       json.RawMessage `json:"Action"`
	NotAction    json.RawMessage `json:"NotAction"`
	Resource     json.RawMessage `json:"Resource"`
	NotResource  json.RawMessage `json:"NotResource"`
	Condition    json.RawMessage `json:"Condition"`
}

func compareIAM(base, head *Plan) IamChanges {
	b, h := statements(base), statements(head)
	count := map[string]int{}
	for _, s := range b {
		count[s.id()]++
	}
	var out IamChanges
	for _, s := range h {
		if count[s.id()] > 0 {
			count[s.id()]--
			continue
		}
		out.Added = append(out.Added, s)
	}
	count = map[string]int{}
	for _, s := range h {
		count[s.id()]++
	}
	for _, s := range b {
		if count[s.id()] > 0 {
			count[s.id()]--
			continue
		}
		out.Removed = append(out.Removed, s)
	}
	return out
}

func (s Statement) id() string {
	return compact([]any{s.Source, s.Principal, s.Effect, s.Actions, s.Resources, s.Conditions})
}

// statements lists every IAM statement of a plan: roles' trust policies, inline and managed
// policies, resource policies (buckets, queues, topics) and Lambda permissions.
func statements(p *Plan) []Statement {
	account := p.account()
	roles := map[string]string{} // physical name or ARN -> logical name
	for _, r := range p.Resources {
		if r.Type == "aws:iam/role:Role" {
			roles[r.Id] = r.Name
			if n, ok := r.Outputs["name"].(string); ok {
				roles[n] = r.Name
			}
			if a, ok := r.Outputs["arn"].(string); ok {
				roles[a] = r.Name
			}
		}
	}
	roleName := func(v any) string {
		s, _ := v.(string)
		if n, ok := roles[s]; ok {
			return "role " + n
		}
		return "role " + s
	}
	var out []Statement
	for _, r := range p.Resources {
		src := shortType(r.Type) + " " + r.Name
		switch r.Type {
		case "aws:iam/role:Role":
			out = append(out, parsePolicy(r.Inputs["assumeRolePolicy"], src+" (trust)", "", account)...)
		case "aws:iam/rolePolicy:RolePolicy":
			out = append(out, parsePolicy(r.Inputs["policy"], src, roleName(r.Inputs["role"]), account)...)
		case "aws:iam/policy:Policy":
			out = append(out, parsePolicy(r.Inputs["policy"], src, "managed policy "+r.Name, account)...)
		case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
			arn := str(r.Inputs["policyArn"])
			s := Statement{Source: src, Principal: roleName(r.Inputs["role"]), Effect: "Allow", Actions: []string{"every statement of " + arn}}
			if strings.HasSuffix(arn, "/AdministratorAccess") || strings.HasSuffix(arn, "FullAccess") || strings.HasSuffix(arn, "/PowerUserAccess") {
				s.Notes = []string{"broad AWS managed policy " + arn[strings.LastIndex(arn, "/")+1:]}
			}
			out = append(out, s)
		case "aws:lambda/permission:Permission":
			s := Statement{Source: src, Effect: "Allow", Principal: str(r.Inputs["principal"]),
				Actions: []string{str(r.Inputs["action"])}, Resources: []string{str(r.Inputs["function"])}}
			var cond []string
			if v := str(r.Inputs["sourceArn"]); v != "" {
				cond = append(cond, "ArnLike aws:SourceArn "+v)
			}
			if v := str(r.Inputs["sourceAccount"]); v != "" {
				cond = append(cond, "StringEquals aws:SourceAccount "+v)
			}
			s.Conditions = strings.Join(cond, "; ")
			s.Notes = notes(s, []string{s.Principal}, account, false, false)
			out = append(out, s)
		default:
			// Resource policies: a bucket's, a queue's, a topic's, a key's... any "policy" input
			// that is a policy document.
			if pol, ok := r.Inputs["policy"].(string); ok && strings.Contains(pol, "Statement") {
				out = append(out, parsePolicy(pol, src, "", account)...)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].id() < out[j].id() })
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func parsePolicy(v any, source, principal, account string) []Statement {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil
	}
	var doc policyDoc
	if json.Unmarshal([]byte(s), &doc) != nil {
		return []Statement{{Source: source, Principal: principal, Effect: "?", Actions: []string{"(policy is not JSON)"}}}
	}
	var raws []rawStatement
	if json.Unmarshal(doc.Statement, &raws) != nil {
		var one rawStatement
		if json.Unmarshal(doc.Statement, &one) != nil {
			return nil
		}
		raws = []rawStatement{one}
	}
	var out []Statement
	for _, rs := range raws {
		st := Statement{Source: source, Effect: rs.Effect, Principal: principal}
		var principals []string
		if principal == "" {
			principals = principalList(rs.Principal)
			if len(rs.NotPrincipal) > 0 {
				principals = append(principals, "NOT "+strings.Join(principalList(rs.NotPrincipal), ", "))
			}
			st.Principal = strings.Join(principals, ", ")
		}
		notAction, notResource := len(rs.NotAction) > 0, len(rs.NotResource) > 0
		if notAction {
			st.Actions = prefixAll("NOT ", stringList(rs.NotAction))
		} else {
			st.Actions = stringList(rs.Action)
		}
		if notResource {
			st.Resources = prefixAll("NOT ", stringList(rs.NotResource))
		} else {
			st.Resources = stringList(rs.Resource)
		}
		st.Conditions = conditions(rs.Condition)
		st.Notes = notes(st, principals, account, notAction, notResource)
		out = append(out, st)
	}
	return out
}

func prefixAll(p string, ss []string) []string {
	for i := range ss {
		ss[i] = p + ss[i]
	}
	return ss
}

func stringList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		sort.Strings(many)
		return many
	}
	return []string{string(raw)}
}

// principalList renders a Principal: "*", or "AWS:arn...", "Service:lambda.amazonaws.com".
func principalList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return []string{star}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return []string{string(raw)}
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		for _, v := range stringList(m[k]) {
			out = append(out, k+":"+v)
		}
	}
	return out
}

func conditions(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var m map[string]map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return string(raw)
	}
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(m)) {
		for _, k := range slices.Sorted(maps.Keys(m[op])) {
			parts = append(parts, op+" "+k+" "+strings.Join(stringList(m[op][k]), ", "))
		}
	}
	return strings.Join(parts, "; ")
}

var accountInPrincipal = regexp.MustCompile(`^(?:AWS:)?(?:arn:[\w-]+:iam::)?(\d{12})(?::|$)`)

// notes call out what a reviewer must look at: wildcards in what an Allow grants, NotAction
// and NotResource, anyone as a principal, principals of another account.
func notes(s Statement, principals []string, account string, notAction, notResource bool) []string {
	var out []string
	if s.Effect == "Allow" {
		for _, a := range s.Actions {
			if strings.Contains(a, "*") {
				out = append(out, "wildcard action "+a)
			}
		}
		for _, r := range s.Resources {
			if n := wideResource(r); n != "" {
				out = append(out, n)
			}
		}
		if notAction {
			out = append(out, "NotAction allows every other action")
		}
		if notResource {
			out = append(out, "NotResource allows every other resource")
		}
		for _, p := range principals {
			if p == "*" || p == "AWS:*" {
				if s.Conditions == "" {
					out = append(out, "anyone (principal *, no condition)")
				} else {
					out = append(out, "any principal (*), limited by conditions")
				}
			}
		}
	}
	for _, p := range principals {
		if m := accountInPrincipal.FindStringSubmatch(p); m != nil && m[1] != account {
			out = append(out, fmt.Sprintf("cross-account principal (account %s)", m[1]))
		}
	}
	return out
}

// wideResource calls out a resource pattern wider than one resource or one key prefix: "*", a
// wildcard in an ARN's partition, service, region or account, a resource id that starts with
// one, or every object of a bucket. A wildcard at the end of a key prefix ("bucket/raw/*") or a
// qualifier (":*" for a function's versions, a log group's streams) is how grants stay narrow,
// and is not called out.
func wideResource(r string) string {
	if r == "*" {
		return "any resource (*)"
	}
	if !strings.Contains(r, "*") {
		return ""
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 6 {
		return "wildcard resource " + r
	}
	for _, p := range parts[1:5] {
		if strings.Contains(p, "*") {
			return "wildcard resource " + r
		}
	}
	id := parts[5]
	if strings.HasPrefix(id, "*") {
		return "wildcard resource " + r
	}
	if parts[2] == "s3" {
		if bucket, key, ok := strings.Cut(id, "/"); ok && key == "*" {
			return "every object of bucket " + bucket
		} else if strings.Contains(bucket, "*") {
			return "wildcard bucket " + r
		}
	}
	return ""
}
