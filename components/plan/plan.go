package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/planhook"
	"github.com/skeinhq/skein/components/plan/internal/planfile"
	"github.com/skeinhq/skein/components/stage"
)

// DefaultAccount is the account id every plan uses unless told otherwise.
const DefaultAccount = "123456789012"

// Secret is how secret values appear in a plan.
const Secret = "[secret]"

// Reference returns the fixed instant plans compute time-dependent artefacts after (schedules'
// fire times, a month of runs), so that a plan writes the same bytes on every run:
// 2026-01-01T00:00:00Z. Change it only with the plan's goldens.
func Reference() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// Options describe the stack a program is planned for.
type Options struct {
	// Project is the Pulumi project; zero means the name in the Pulumi.yaml at or above the
	// working directory (the program's own project, as `pulumi up` would run it), or "skein"
	// when there is none.
	Project string
	// Stack is the stage; zero means "test".
	Stack string
	// Config holds full config keys ("aws:region", "skein:timeZone") and values. A missing
	// aws:region means us-east-1.
	Config map[string]string
	// SecretKeys lists config keys whose values are secret.
	SecretKeys []string
	// Account is the account id in ARNs; zero means the config's skein:accountId, or
	// DefaultAccount when the config has none.
	Account string
	// Calls answers invokes the built-in table does not know, by token.
	Calls map[string]func(args resource.PropertyMap) (resource.PropertyMap, error)
}

// Ref names a resource by type and logical name.
type Ref = planfile.Ref

// Resource is one registered resource. Its embedded entry (Type, Name, Parent, Id, Inputs,
// Outputs) is what resources.json holds, the type components/plan/diff reads it with.
type Resource struct {
	planfile.Resource
	// Custom is false for component resources.
	Custom bool `json:"-"`
	// Protect is the resource's protect option.
	Protect bool `json:"-"`
	urn     string
}

// Plan is what a program registered.
type Plan struct {
	opts      Options
	region    string
	partition string
	mu        sync.Mutex
	resources []*Resource
	byURN     map[string]*Resource
	pending   sync.WaitGroup
	compOuts  map[string]map[string]any
	errs      []error
}

// Run runs program under mocks and returns what it registered. When the program fails, the error
// is returned together with the plan of what was registered before it failed (components must
// register nothing when their arguments are invalid; tests check Len() == 0).
func Run(program pulumi.RunFunc, opts Options) (*Plan, error) {
	if opts.Project == "" {
		opts.Project = defaultProject()
	}
	if opts.Stack == "" {
		opts.Stack = "test"
	}
	if opts.Account == "" {
		// A stage that names its account (skein:accountId, or under the project's namespace)
		// gets ARNs in that account, so that the ARNs and the stage's aws:SourceAccount
		// conditions agree.
		opts.Account = opts.Config["skein:accountId"]
		if opts.Account == "" {
			opts.Account = opts.Config[opts.Project+":accountId"]
		}
	}
	if opts.Account == "" {
		opts.Account = DefaultAccount
	}
	cfg := map[string]string{}
	for k, v := range opts.Config {
		cfg[k] = v
	}
	if cfg["aws:region"] == "" {
		cfg["aws:region"] = "us-east-1"
	}
	_, skeinAccount := cfg["skein:accountId"]
	_, projectAccount := cfg[opts.Project+":accountId"]
	if !skeinAccount && !projectAccount {
		cfg["skein:accountId"] = opts.Account
	}
	opts.Config = cfg
	p := &Plan{
		opts:      opts,
		region:    cfg["aws:region"],
		partition: stage.PartitionOf(cfg["aws:region"]),
		byURN:     map[string]*Resource{},
		compOuts:  map[string]map[string]any{},
	}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		return program(planhook.With(ctx, &planhook.Observer{ConfigKeys: p.configKeys, ComponentOutputs: p.componentOutputs}))
	}, pulumi.WithMocks(opts.Project, opts.Stack, p), func(info *pulumi.RunInfo) {
		info.Config = cfg
		info.ConfigSecretKeys = opts.SecretKeys
	})
	done := make(chan struct{})
	go func() { p.pending.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		err = errors.Join(err, errors.New("plan: component outputs did not resolve within 30s"))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for urn, outs := range p.compOuts {
		if r := p.byURN[urn]; r != nil {
			r.Outputs = outs
		}
	}
	err = errors.Join(append([]error{err}, p.errs...)...)
	return p, err
}

// configKeys are the config keys the program sees.
func (p *Plan) configKeys() []string {
	keys := make([]string, 0, len(p.opts.Config))
	for k := range p.opts.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// componentOutputs records a component's registered outputs.
func (p *Plan) componentOutputs(res pulumi.Resource, outs pulumi.Map) {
	p.pending.Add(1)
	pulumi.All(res.URN(), outs.ToMapOutput()).ApplyT(func(v []any) int {
		defer p.pending.Done()
		urn := string(v[0].(pulumi.URN))
		m, _ := v[1].(map[string]any)
		plain := map[string]any{}
		for k, x := range m {
			plain[k] = plainGo(x)
		}
		p.mu.Lock()
		p.compOuts[urn] = plain
		p.mu.Unlock()
		return 0
	})
}

func plainGo(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			m[k] = plainGo(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainGo(e)
		}
		return out
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		var back any
		if json.Unmarshal(b, &back) != nil {
			return fmt.Sprint(v)
		}
		return back
	}
}

// NewResource implements pulumi.MockResourceMonitor.
func (p *Plan) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := &Resource{
		Resource: planfile.Resource{Type: args.TypeToken, Name: args.Name, Inputs: plainMap(args.Inputs)},
		Custom:   args.Custom,
	}
	var parentURN string
	if args.RegisterRPC != nil {
		parentURN = args.RegisterRPC.GetParent()
		r.Protect = args.RegisterRPC.GetProtect()
	}
	if parentURN != "" {
		u := resource.URN(parentURN)
		if u.QualifiedType() != resource.RootStackType {
			r.Parent = &Ref{Type: string(u.Type()), Name: u.Name()}
		}
	}
	state := args.Inputs.Copy()
	if args.Custom {
		id, computed := p.mock(args.TypeToken, args.Name, args.Inputs)
		r.Id = id
		r.Outputs = map[string]any{}
		for k, v := range computed {
			state[resource.PropertyKey(k)] = resource.NewStringProperty(v)
			r.Outputs[k] = v
		}
		if _, ok := state["tagsAll"]; !ok {
			if tags, ok := state["tags"]; ok {
				state["tagsAll"] = tags
			}
		}
	}
	parentType := ""
	if parentURN != "" {
		if u := resource.URN(parentURN); u.QualifiedType() != resource.RootStackType {
			parentType = string(u.QualifiedType())
		}
	}
	urn := string(resource.NewURN(pulumiName(p.opts.Stack), pulumiPkg(p.opts.Project), typeOf(parentType), typeOf(args.TypeToken), args.Name))
	r.urn = urn
	p.mu.Lock()
	p.resources = append(p.resources, r)
	p.byURN[urn] = r
	p.mu.Unlock()
	return r.Id, state, nil
}

// Call implements pulumi.MockResourceMonitor for the provider functions skein uses.
func (p *Plan) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if f, ok := p.opts.Calls[args.Token]; ok {
		return f(args.Args)
	}
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": p.opts.Account,
			"arn":       fmt.Sprintf("arn:%s:iam::%s:user/plan", p.partition, p.opts.Account),
			"userId":    "AIDAPLAN",
			"id":        p.opts.Account,
		}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": p.region, "id": p.region, "region": p.region}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": p.partition, "id": p.partition, "dnsSuffix": "amazonaws.com"}), nil
	}
	return nil, fmt.Errorf("plan: no mock for provider function %s (add it to Options.Calls)", args.Token)
}

// Len is the number of registered resources, components included.
func (p *Plan) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.resources)
}

// Resources returns every registered resource sorted by type, then name, then parent.
func (p *Plan) Resources() []*Resource {
	p.mu.Lock()
	out := append([]*Resource(nil), p.resources...)
	p.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.urn < b.urn
	})
	return out
}

// Find returns the resource of that type and logical name, or nil.
func (p *Plan) Find(typ, name string) *Resource {
	for _, r := range p.Resources() {
		if r.Type == typ && r.Name == name {
			return r
		}
	}
	return nil
}

// OfType returns every resource of a type, sorted by name.
func (p *Plan) OfType(typ string) []*Resource {
	var out []*Resource
	for _, r := range p.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// ChildrenOf returns the resources whose parent is the given component.
func (p *Plan) ChildrenOf(typ, name string) []*Resource {
	var out []*Resource
	for _, r := range p.Resources() {
		if r.Parent != nil && r.Parent.Type == typ && r.Parent.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// Get reads an input by a dotted path ("loggingConfig.logFormat", "tags.skein:stage" works for
// keys without dots; use GetPath for keys with dots). It returns nil when absent.
func (r *Resource) Get(path string) any {
	return r.GetPath(strings.Split(path, ".")...)
}

// GetPath reads an input by path elements; integers index arrays.
func (r *Resource) GetPath(keys ...string) any {
	var cur any = r.Inputs
	for _, k := range keys {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k]
		case []any:
			var i int
			if _, err := fmt.Sscanf(k, "%d", &i); err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// String reads a string input by dotted path; "" when absent or not a string.
func (r *Resource) String(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Json decodes a string input holding JSON (a policy, a definition) into v.
func (r *Resource) Json(path string, v any) error {
	s := r.String(path)
	if s == "" {
		return fmt.Errorf("plan: %s %s has no JSON input %s", r.Type, r.Name, path)
	}
	return json.Unmarshal([]byte(s), v)
}

// Arn is the resource's mock ARN output, or "".
func (r *Resource) Arn() string {
	s, _ := r.Outputs["arn"].(string)
	return s
}

// MarshalResources renders resources.json: indented, sorted, with a trailing newline.
func (p *Plan) MarshalResources() ([]byte, error) {
	rs := p.Resources()
	list := make([]Resource, len(rs))
	for i, r := range rs {
		list[i] = *r
		if list[i].Inputs == nil {
			list[i].Inputs = map[string]any{}
		}
		if list[i].Outputs == nil {
			list[i].Outputs = map[string]any{}
		}
	}
	return MarshalArtifact(list)
}

// MarshalArtifact renders a plan artifact as JSON the same way every time: two-space indent,
// no HTML escaping (ARNs and Scheduler's <aws.scheduler.…> placeholders stay readable), and a
// trailing newline. resources.json, schedules.json and cost.json are written with it.
func MarshalArtifact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteResources writes dir/resources.json.
func (p *Plan) WriteResources(dir string) error {
	b, err := p.MarshalResources()
	if err != nil {
		return err
	}
	return WriteFile(filepath.Join(dir, "resources.json"), b)
}

// WriteFile writes data, creating parent directories, and only when the content changed (so
// file times stay put for unchanged plans).
func WriteFile(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func hash7(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])[:7]
}
