package judge

import (
	"encoding/json"
	"testing"
)

// The simulator must tell allowed from denied, or every policy test built on it proves nothing.
func TestSimulateDistinguishesDecisions(t *testing.T) {
	identity := json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:a"}]}`)
	role := "arn:aws:iam::123456789012:role/r"
	got := Simulate(t,
		IAMRequest{Principal: role, Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:123456789012:a", IdentityPolicies: []json.RawMessage{identity}},
		IAMRequest{Principal: role, Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:123456789012:b", IdentityPolicies: []json.RawMessage{identity}},
		IAMRequest{Principal: role, Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:123456789012:a", IdentityPolicies: []json.RawMessage{identity},
			ResourcePolicy: json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:123456789012:a","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`),
			Context:        map[string]any{"aws:SecureTransport": "false"}},
	)
	want := []string{Allowed, ImplicitlyDenied, ExplicitlyDenied}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: got %s, want %s", i, got[i], want[i])
		}
	}
}
