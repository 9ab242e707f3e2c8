package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Options name what is compared.
type Options struct {
	// Stack is the stage, named in headings; zero names none.
	Stack string
	// Base names the base (a git ref or commit), named in headings; zero names none.
	Base string
	// Aliases are renames the program declares with pulumi.Aliases: Pulumi moves the resource
	// instead of replacing it, so the diff reports them as renames, not replacements. Zero
	// means none.
	Aliases []Alias
}

// Alias is a rename a program declares with pulumi.Aliases.
type Alias struct {
	// Type is the resource's type token; zero means any type.
	Type string `json:"type,omitempty"`
	// From is the old logical name, To the new one.
	From string `json:"from"`
	To   string `json:"to"`
}

// Diff is what the head changes against the base. Its JSON form is diff.json.
type Diff struct {
	Stack         string               `json:"stack,omitempty"`
	Base          string               `json:"base,omitempty"`
	Changed       bool                 `json:"hasChanges"`
	Warnings      []Warning            `json:"warnings"`
	Added         []ResourceRef        `json:"added"`
	Removed       []ResourceRef        `json:"removed"`
	Modified      []ResourceChange     `json:"changed"`
	Iam           IamChanges           `json:"iam"`
	StateMachines []StateMachineChange `json:"stateMachines"`
	Schedules     []ScheduleChange     `json:"schedules"`
	Cost          []CostChange         `json:"cost"`
	Budgets       []BudgetChange       `json:"budgets"`
}

// ResourceRef names a resource added or removed.
type ResourceRef struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
}

// ResourceChange is a resource in both plans whose inputs differ.
type ResourceChange struct {
	Type string `json:"type"`
	Name string `json:"name"`
	// RenamedFrom is the old logical name of an aliased rename.
	RenamedFrom string `json:"renamedFrom,omitempty"`
	// Replace is true when a changed input forces a new resource.
	Replace bool          `json:"replace,omitempty"`
	Inputs  []InputChange `json:"inputs"`
}

// InputChange is one changed input, by path ("scalingConfig.maximumConcurrency"). Before or
// After is absent (nil) when the input was added or removed. Secrets stay "[secret]".
type InputChange struct {
	Path   string `json:"path"`
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
	// Note replaces the values when another section shows the change (policies, definitions).
	Note string `json:"note,omitempty"`
}

// Warning is a change that replaces a resource or loses data.
type Warning struct {
	// Kind is "replace" or "data-loss".
	Kind    string `json:"kind"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

// Compare says what head changes against base.
func Compare(base, head *Plan, opts Options) *Diff {
	if base == nil {
		base = &Plan{}
	}
	if head == nil {
		head = &Plan{}
	}
	d := &Diff{Stack: opts.Stack, Base: opts.Base}
	d.compareResources(base, head, opts.Aliases)
	d.Iam = compareIAM(base, head)
	d.StateMachines = compareStateMachines(base, head)
	d.Schedules = compareSchedules(base, head)
	d.Cost = compareCost(base, head)
	d.Budgets = compareBudgets(base, head)
	d.Changed = len(d.Added)+len(d.Removed)+len(d.Modified)+len(d.Iam.Added)+len(d.Iam.Removed)+
		len(d.StateMachines)+len(d.Schedules)+len(d.Cost)+len(d.Budgets) > 0
	return d
}

// dataTypes are the resources whose replacement loses what they hold.
var dataTypes = map[string]string{
	"aws:s3/bucketV2:BucketV2":          "bucket (its objects)",
	"aws:s3/bucket:Bucket":              "bucket (its objects)",
	"aws:sqs/queue:Queue":               "queue (its messages)",
	"aws:sfn/stateMachine:StateMachine": "state machine (its running executions and history)",
	"aws:lambda/function:Function":      "function (its versions, aliases and in-flight invocations)",
	"aws:cloudwatch/logGroup:LogGroup":  "log group (its logs)",
	"aws:dynamodb/table:Table":          "table (its items)",
	"aws:kms/key:Key":                   "KMS key (what it encrypted)",
	"aws:secretsmanager/secret:Secret":  "secret (its value)",
}

// replaceOn are, per type, the inputs whose change makes the provider create a new resource.
var replaceOn = map[string][]string{
	"aws:s3/bucketV2:BucketV2":          {"bucket", "bucketPrefix"},
	"aws:s3/bucket:Bucket":              {"bucket", "bucketPrefix"},
	"aws:sqs/queue:Queue":               {"name", "namePrefix", "fifoQueue"},
	"aws:sfn/stateMachine:StateMachine": {"name", "namePrefix", "type"},
	"aws:lambda/function:Function":      {"name"},
	"aws:cloudwatch/logGroup:LogGroup":  {"name", "namePrefix"},
	"aws:dynamodb/table:Table":          {"name", "hashKey", "rangeKey"},
	"aws:ssm/parameter:Parameter":       {"name"},
	"aws:scheduler/schedule:Schedule":   {"name", "groupName"},
	"aws:iam/role:Role":                 {"name", "namePrefix", "path"},
	"aws:sns/topic:Topic":               {"name", "fifoTopic"},
}

func key(typ, name string) string { return typ + "\x00" + name }

func (d *Diff) compareResources(base, head *Plan, aliases []Alias) {
	b := map[string]Resource{}
	for _, r := range base.Resources {
		b[key(r.Type, r.Name)] = r
	}
	h := map[string]Resource{}
	for _, r := range head.Resources {
		h[key(r.Type, r.Name)] = r
	}
	// Aliased renames: the head's resource is the base's, moved.
	renamed := map[string]string{} // head key -> base name
	for _, hr := range head.Resources {
		if _, ok := b[key(hr.Type, hr.Name)]; ok {
			continue
		}
		for _, a := range aliases {
			if a.To != hr.Name || (a.Type != "" && a.Type != hr.Type) {
				continue
			}
			if _, ok := b[key(hr.Type, a.From)]; ok {
				if _, still := h[key(hr.Type, a.From)]; !still {
					renamed[key(hr.Type, hr.Name)] = a.From
				}
			}
		}
	}
	movedFrom := map[string]bool{}
	for k, from := range renamed {
		typ := strings.SplitN(k, "\x00", 2)[0]
		movedFrom[key(typ, from)] = true
	}
	var added, removed []Resource
	for _, hr := range head.Resources {
		k := key(hr.Type, hr.Name)
		br, ok := b[k]
		from := ""
		if !ok {
			if from, ok = renamed[k]; !ok {
				added = append(added, hr)
				continue
			}
			br = b[key(hr.Type, from)]
		}
		ch := ResourceChange{Type: hr.Type, Name: hr.Name, RenamedFrom: from}
		ch.Inputs = compareInputs(br.Inputs, hr.Inputs)
		if len(ch.Inputs) == 0 && from == "" {
			continue
		}
		for _, in := range ch.Inputs {
			top := strings.SplitN(strings.SplitN(in.Path, "[", 2)[0], ".", 2)[0]
			for _, p := range replaceOn[hr.Type] {
				if p == top {
					ch.Replace = true
				}
			}
		}
		if ch.Replace {
			what, lossy := dataTypes[hr.Type]
			kind := "replace"
			msg := fmt.Sprintf("%s %s is replaced: a changed input (%s) makes the provider create a new one and delete the old", shortType(hr.Type), hr.Name, replacedBy(ch, hr.Type))
			if lossy {
				kind = "data-loss"
				msg += "; the old " + what + " is lost"
			}
			if in := findInput(ch.Inputs, "fifoQueue"); in != nil && in.After == true {
				msg = fmt.Sprintf("queue %s becomes FIFO: SQS cannot convert a queue, so a new one replaces it and the messages of the old are lost", hr.Name)
			}
			d.Warnings = append(d.Warnings, Warning{Kind: kind, Type: hr.Type, Name: hr.Name, Message: msg})
		}
		d.Modified = append(d.Modified, ch)
	}
	for _, br := range base.Resources {
		k := key(br.Type, br.Name)
		if _, ok := h[k]; !ok && !movedFrom[k] {
			removed = append(removed, br)
		}
	}
	// A removed resource of a kind that holds data, beside an added one of the same type: a
	// rename without an alias.
	used := map[int]bool{}
	for _, br := range removed {
		what, lossy := dataTypes[br.Type]
		if !lossy {
			continue
		}
		best, score := -1, -1
		for i, ar := range added {
			if used[i] || ar.Type != br.Type {
				continue
			}
			if s := similarity(br, ar); s > score {
				best, score = i, s
			}
		}
		if best >= 0 {
			used[best] = true
			ar := added[best]
			d.Warnings = append(d.Warnings, Warning{Kind: "data-loss", Type: br.Type, Name: ar.Name,
				Message: fmt.Sprintf("%s %s renamed to %s: Pulumi creates %s and deletes %s, and the old %s is lost; add pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(%q)}}) to keep it (an aliased rename is not a replacement)",
					shortType(br.Type), br.Name, ar.Name, ar.Name, br.Name, what, br.Name)})
			continue
		}
		d.Warnings = append(d.Warnings, Warning{Kind: "data-loss", Type: br.Type, Name: br.Name,
			Message: fmt.Sprintf("%s %s is deleted: the %s is lost", shortType(br.Type), br.Name, what)})
	}
	for _, r := range added {
		d.Added = append(d.Added, ref(r))
	}
	for _, r := range removed {
		d.Removed = append(d.Removed, ref(r))
	}
	sort.SliceStable(d.Warnings, func(i, j int) bool {
		if d.Warnings[i].Type != d.Warnings[j].Type {
			return d.Warnings[i].Type < d.Warnings[j].Type
		}
		return d.Warnings[i].Name < d.Warnings[j].Name
	})
}

func ref(r Resource) ResourceRef {
	out := ResourceRef{Type: r.Type, Name: r.Name}
	if r.Parent != nil {
		out.Parent = r.Parent.Name
	}
	return out
}

func findInput(ins []InputChange, path string) *InputChange {
	for i := range ins {
		if ins[i].Path == path {
			return &ins[i]
		}
	}
	return nil
}

func replacedBy(ch ResourceChange, typ string) string {
	var names []string
	for _, in := range ch.Inputs {
		for _, p := range replaceOn[typ] {
			if in.Path == p {
				names = append(names, p)
			}
		}
	}
	return strings.Join(names, ", ")
}

// similarity counts the inputs two resources share, to pair a rename.
func similarity(a, b Resource) int {
	fa, fb := map[string]string{}, map[string]string{}
	flatten("", a.Inputs, fa)
	flatten("", b.Inputs, fb)
	n := 0
	for k, v := range fa {
		if fb[k] == v {
			n++
		}
	}
	return n
}

// shortType is the last segment of a type token: "aws:sqs/queue:Queue" is "Queue".
func shortType(t string) string {
	if i := strings.LastIndex(t, ":"); i >= 0 {
		return strings.ToLower(t[i+1:])
	}
	return t
}

// seeSection are inputs another section of the diff shows.
var seeSection = map[string]string{
	"policy":             "see IAM",
	"assumeRolePolicy":   "see IAM",
	"definition":         "see state machines",
	"redriveAllowPolicy": "",
}

func compareInputs(before, after map[string]any) []InputChange {
	var out []InputChange
	for _, k := range unionKeys(before, after) {
		bv, bok := before[k]
		av, aok := after[k]
		if bok && aok && equalJSON(bv, av) {
			continue
		}
		if note := seeSection[k]; note != "" && bok && aok {
			out = append(out, InputChange{Path: k, Note: note})
			continue
		}
		fb, fa := map[string]string{}, map[string]string{}
		if bok {
			flatten(k, parseJSONString(bv), fb)
		}
		if aok {
			flatten(k, parseJSONString(av), fa)
		}
		for _, p := range unionKeys(fb, fa) {
			x, xok := fb[p]
			y, yok := fa[p]
			if xok && yok && x == y {
				continue
			}
			ch := InputChange{Path: p}
			if xok {
				ch.Before = json.RawMessage(x)
			}
			if yok {
				ch.After = json.RawMessage(y)
			}
			out = append(out, ch)
		}
	}
	return out
}

// parseJSONString turns an input holding a JSON object or array as a string (an event pattern,
// a redrive policy) into the value, so its diff names the fields that changed.
func parseJSONString(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return v
	}
	var out any
	if json.Unmarshal([]byte(t), &out) != nil {
		return v
	}
	return out
}

// flatten writes every leaf of v under its path, as compact JSON. Empty maps and arrays are
// leaves.
func flatten(path string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			out[path] = "{}"
			return
		}
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flatten(p, e, out)
		}
	case []any:
		if len(x) == 0 {
			out[path] = "[]"
			return
		}
		for i, e := range x {
			flatten(path+"["+strconv.Itoa(i)+"]", e, out)
		}
	case string:
		// A JSON document held as a string (a schedule's input, an event pattern): its fields.
		if parsed := parseJSONString(x); parsed != any(x) {
			flatten(path, parsed, out)
			return
		}
		out[path] = compact(x)
	default:
		out[path] = compact(x)
	}
}

func compact(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func equalJSON(a, b any) bool { return compact(a) == compact(b) }
