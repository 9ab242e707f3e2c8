package judge

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// Decisions returned by the IAM simulator.
const (
	Allowed          = "Allowed"
	ExplicitlyDenied = "ExplicitlyDenied"
	ImplicitlyDenied = "ImplicitlyDenied"
)

// Account is the account id the plan harness and the simulator use.
const Account = "123456789012"

// IAMRequest is one request to evaluate with @cloud-copilot/iam-simulate.
type IAMRequest struct {
	// Principal is the calling principal's ARN; empty means an anonymous (unsigned) request.
	Principal string
	Action    string
	Resource  string
	// ResourceAccount is the account owning the resource; zero means Account.
	ResourceAccount string
	// Context holds request context keys such as "aws:SecureTransport" or "s3:prefix".
	Context map[string]any
	// IdentityPolicies are the principal's policies (JSON documents).
	IdentityPolicies []json.RawMessage
	// ResourcePolicy is the resource's policy (bucket policy, queue policy...), or nil.
	ResourcePolicy json.RawMessage
	// BlockPublicAccess applies S3 Block Public Access (RestrictPublicBuckets).
	BlockPublicAccess bool
}

// Simulate evaluates every request in one Node process and returns the simulator's decision for
// each (Allowed, ExplicitlyDenied or ImplicitlyDenied). A request the simulator rejects as invalid
// (an unknown action, a malformed policy, a resource type the action does not take) fails the
// test with the simulator's explanation: a policy the judge cannot read proves nothing.
func Simulate(t testing.TB, reqs ...IAMRequest) []string {
	t.Helper()
	type named struct {
		Name   string          `json:"name"`
		Policy json.RawMessage `json:"policy"`
	}
	sims := make([]map[string]any, 0, len(reqs))
	for _, r := range reqs {
		var principal any = r.Principal
		if r.Principal == "" {
			// iam-simulate accepts exactly this spelling for an unsigned request.
			principal = map[string]any{"type": "Anonymous"}
		}
		account := r.ResourceAccount
		if account == "" {
			account = Account
		}
		ctx := r.Context
		if ctx == nil {
			ctx = map[string]any{}
		}
		ids := make([]named, 0, len(r.IdentityPolicies))
		for j, p := range r.IdentityPolicies {
			ids = append(ids, named{Name: "policy" + string(rune('a'+j)), Policy: p})
		}
		sim := map[string]any{
			"request": map[string]any{
				"action":           r.Action,
				"principal":        principal,
				"resource":         map[string]any{"resource": r.Resource, "accountId": account},
				"contextVariables": ctx,
			},
			"identityPolicies":        ids,
			"serviceControlPolicies":  []any{},
			"resourceControlPolicies": []any{},
		}
		if r.ResourcePolicy != nil {
			sim["resourcePolicy"] = r.ResourcePolicy
		}
		if r.BlockPublicAccess {
			sim["additionalSettings"] = map[string]any{"s3": map[string]any{"blockPublicAccess": true}}
		}
		sims = append(sims, sim)
	}
	res := Batch[map[string]any, struct {
		Result string          `json:"result"`
		Errors json.RawMessage `json:"errors"`
	}](t, "iam-simulate", filepath.Join(Root(t), "components", "internal", "judge", "testdata", "iamsim.js"), sims)
	decisions := make([]string, len(res))
	for i, r := range res {
		if r.Result == "Error" {
			t.Fatalf("judge: iam-simulate rejected request %d (%s on %s): %s", i, reqs[i].Action, reqs[i].Resource, r.Errors)
		}
		decisions[i] = r.Result
	}
	return decisions
}

// Case is one question for the simulator and the decision a test expects.
type Case struct {
	// What names the case in failures.
	What string
	Req  IAMRequest
	// Want is Allowed, ExplicitlyDenied or ImplicitlyDenied.
	Want string
}

// As returns a builder of the requests principal makes holding the identity policies ids.
func As(principal string, ids []json.RawMessage) func(action, resource string) IAMRequest {
	return func(action, resource string) IAMRequest {
		return IAMRequest{Principal: principal, Action: action, Resource: resource, IdentityPolicies: ids}
	}
}

// Expect asks the simulator every case in one run and reports each decision that differs.
func Expect(t testing.TB, cases []Case) {
	t.Helper()
	reqs := make([]IAMRequest, len(cases))
	for i, c := range cases {
		reqs[i] = c.Req
	}
	got := Simulate(t, reqs...)
	for i, c := range cases {
		if got[i] != c.Want {
			t.Errorf("%s: %s on %s: simulator says %s, want %s", c.What, c.Req.Action, c.Req.Resource, got[i], c.Want)
		}
	}
}

// SecureTransport is the request context of a call over TLS (on) or plain HTTP.
func SecureTransport(on bool) map[string]any {
	return map[string]any{"aws:SecureTransport": map[bool]string{true: "true", false: "false"}[on]}
}
