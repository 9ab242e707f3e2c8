package bucket

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

// granted builds a bucket and one role per grant in grants (role name -> grant), and returns the
// plan, the bucket's ARN and policy, and each role's ARN and inline policies.
type roleInfo struct {
	arn      string
	policies []json.RawMessage
}

func grantedPlan(t *testing.T, args *BucketArgs, grants map[string]func(b *Bucket, g policy.Grantee) error) (*plan.Plan, string, json.RawMessage, map[string]roleInfo) {
	t.Helper()
	p := mustRun(t, plan.Options{}, func(ctx *pulumi.Context) error {
		b, err := NewBucket(ctx, "data", args)
		if err != nil {
			return err
		}
		for name, grant := range grants {
			role, err := iam.NewRole(ctx, name, &iam.RoleArgs{AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
			if err != nil {
				return err
			}
			if err := grant(b, policy.NewRoleGrantee(ctx, name, role.Name, nil)); err != nil {
				return err
			}
		}
		return nil
	})
	roles := map[string]roleInfo{}
	for name := range grants {
		r := p.Find(tRole, name)
		info := roleInfo{arn: r.Arn()}
		for _, rp := range p.OfType(tRolePolicy) {
			if strings.HasPrefix(rp.Name, name+"-") {
				info.policies = append(info.policies, json.RawMessage(rp.String("policy")))
			}
		}
		if len(info.policies) == 0 {
			t.Fatalf("no inline policy for %s", name)
		}
		roles[name] = info
	}
	b := p.Find(tBucketV2, "data")
	return p, b.Arn(), json.RawMessage(p.Find(tPolicy, "data-policy").String("policy")), roles
}

// secure is the request context of a normal SDK call: HTTPS with TLS 1.3.
func secure(extra ...string) map[string]any {
	m := map[string]any{"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

type iamCase struct {
	name     string
	req      judge.IAMRequest
	decision string
}

func simulate(t *testing.T, cases []iamCase) {
	t.Helper()
	reqs := make([]judge.IAMRequest, 0, len(cases))
	var anonymous []int
	for i, c := range cases {
		if c.req.Principal == "" {
			anonymous = append(anonymous, i)
			continue
		}
		reqs = append(reqs, c.req)
	}
	signed := judge.Simulate(t, reqs...)
	anon := simulateAnonymous(t, anonymous, cases)
	got := make([]string, len(cases))
	for i := range cases {
		if len(anonymous) > 0 && anonymous[0] == i {
			got[i], anon, anonymous = anon[0], anon[1:], anonymous[1:]
			continue
		}
		got[i], signed = signed[0], signed[1:]
	}
	for i, c := range cases {
		if got[i] != c.decision {
			t.Errorf("%s: %s on %s = %s, want %s", c.name, c.req.Action, c.req.Resource, got[i], c.decision)
		}
	}
}

// simulateAnonymous runs unsigned requests through the judge's simulator script. judge.Simulate
// describes the anonymous principal as {"type":"anonymous"}, which iam-simulate 0.1.173 rejects
// as invalid.principal (it accepts exactly {"type":"Anonymous"}); until that is fixed there, the
// bucket builds those simulations itself.
func simulateAnonymous(t *testing.T, idx []int, cases []iamCase) []string {
	t.Helper()
	if len(idx) == 0 {
		return nil
	}
	sims := make([]map[string]any, len(idx))
	for j, i := range idx {
		r := cases[i].req
		sim := map[string]any{
			"request": map[string]any{
				"action":           r.Action,
				"principal":        map[string]any{"type": "Anonymous"},
				"resource":         map[string]any{"resource": r.Resource, "accountId": judge.Account},
				"contextVariables": r.Context,
			},
			"identityPolicies":        []any{},
			"serviceControlPolicies":  []any{},
			"resourceControlPolicies": []any{},
			"resourcePolicy":          r.ResourcePolicy,
		}
		if r.BlockPublicAccess {
			sim["additionalSettings"] = map[string]any{"s3": map[string]any{"blockPublicAccess": true}}
		}
		sims[j] = sim
	}
	in, err := json.Marshal(sims)
	if err != nil {
		t.Fatal(err)
	}
	out := judge.RunNode(t, filepath.Join(judge.Root(t), "components", "internal", "judge", "testdata", "iamsim.js"), in)
	var res []struct {
		Result string          `json:"result"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("iam-simulate output %q: %v", out, err)
	}
	got := make([]string, len(res))
	for j, r := range res {
		if r.Result == "Error" {
			t.Fatalf("iam-simulate rejected anonymous request %s: %s", cases[idx[j]].name, r.Errors)
		}
		got[j] = r.Result
	}
	return got
}

func TestPolicySimulated(t *testing.T) {
	_, arn, bucketPolicy, roles := grantedPlan(t, nil, map[string]func(*Bucket, policy.Grantee) error{
		"reader":    func(b *Bucket, g policy.Grantee) error { return b.GrantRead(g, "raw/") },
		"everyread": func(b *Bucket, g policy.Grantee) error { return b.GrantRead(g) },
		"writer":    func(b *Bucket, g policy.Grantee) error { return b.GrantWrite(g, "processed/", "tmp/") },
		"both":      func(b *Bucket, g policy.Grantee) error { return b.GrantReadWrite(g, "raw/") },
		"lister":    func(b *Bucket, g policy.Grantee) error { return b.GrantList(g, "raw/") },
		"listall":   func(b *Bucket, g policy.Grantee) error { return b.GrantList(g) },
		"deleter":   func(b *Bucket, g policy.Grantee) error { return b.GrantDelete(g, "tmp/") },
	})
	obj := func(key string) string { return arn + "/" + key }
	as := func(role, action, resource string, ctx map[string]any) judge.IAMRequest {
		return judge.IAMRequest{
			Principal: roles[role].arn, Action: action, Resource: resource, Context: ctx,
			IdentityPolicies: roles[role].policies, ResourcePolicy: bucketPolicy, BlockPublicAccess: true,
		}
	}
	anon := func(action, resource string, ctx map[string]any) judge.IAMRequest {
		return judge.IAMRequest{Action: action, Resource: resource, Context: ctx, ResourcePolicy: bucketPolicy, BlockPublicAccess: true}
	}
	simulate(t, []iamCase{
		// The four checks.
		{"anonymous read", anon("s3:GetObject", obj("raw/a.json"), secure()), judge.ImplicitlyDenied},
		{"plain HTTP", as("everyread", "s3:GetObject", obj("raw/a.json"), secure("aws:SecureTransport", "false")), judge.ExplicitlyDenied},
		{"TLS 1.1", as("everyread", "s3:GetObject", obj("raw/a.json"), secure("s3:TlsVersion", "1.1")), judge.ExplicitlyDenied},
		{"TLS 1.0", as("everyread", "s3:GetObject", obj("raw/a.json"), secure("s3:TlsVersion", "1.0")), judge.ExplicitlyDenied},
		{"TLS 1.2", as("everyread", "s3:GetObject", obj("raw/a.json"), secure("s3:TlsVersion", "1.2")), judge.Allowed},
		{"read under raw/", as("reader", "s3:GetObject", obj("raw/2026/a.json"), secure()), judge.Allowed},
		{"read a version under raw/", as("reader", "s3:GetObjectVersion", obj("raw/a.json"), secure()), judge.Allowed},
		{"read under processed/", as("reader", "s3:GetObject", obj("processed/a.json"), secure()), judge.ImplicitlyDenied},
		{"read a sibling prefix", as("reader", "s3:GetObject", obj("raw-archive/a.json"), secure()), judge.ImplicitlyDenied},
		{"reader deletes", as("reader", "s3:DeleteObject", obj("raw/a.json"), secure()), judge.ImplicitlyDenied},
		{"reader writes", as("reader", "s3:PutObject", obj("raw/a.json"), secure()), judge.ImplicitlyDenied},
		{"reader lists", as("reader", "s3:ListBucket", arn, secure("s3:prefix", "raw/")), judge.ImplicitlyDenied},
		{"reader changes the policy", as("reader", "s3:PutBucketPolicy", arn, secure()), judge.ImplicitlyDenied},
		// Write.
		{"write processed/", as("writer", "s3:PutObject", obj("processed/b.json"), secure()), judge.Allowed},
		{"write tmp/", as("writer", "s3:PutObject", obj("tmp/b.json"), secure()), judge.Allowed},
		{"abort an upload", as("writer", "s3:AbortMultipartUpload", obj("tmp/b.json"), secure()), judge.Allowed},
		{"write raw/", as("writer", "s3:PutObject", obj("raw/b.json"), secure()), judge.ImplicitlyDenied},
		{"writer reads", as("writer", "s3:GetObject", obj("processed/b.json"), secure()), judge.ImplicitlyDenied},
		{"writer deletes", as("writer", "s3:DeleteObject", obj("processed/b.json"), secure()), judge.ImplicitlyDenied},
		{"write over HTTP", as("writer", "s3:PutObject", obj("processed/b.json"), secure("aws:SecureTransport", "false")), judge.ExplicitlyDenied},
		// Read-write.
		{"read-write reads", as("both", "s3:GetObject", obj("raw/c"), secure()), judge.Allowed},
		{"read-write writes", as("both", "s3:PutObject", obj("raw/c"), secure()), judge.Allowed},
		{"read-write elsewhere", as("both", "s3:PutObject", obj("processed/c"), secure()), judge.ImplicitlyDenied},
		// List.
		{"list raw/", as("lister", "s3:ListBucket", arn, secure("s3:prefix", "raw/")), judge.Allowed},
		{"list raw/2026/", as("lister", "s3:ListBucket", arn, secure("s3:prefix", "raw/2026/")), judge.Allowed},
		{"list processed/", as("lister", "s3:ListBucket", arn, secure("s3:prefix", "processed/")), judge.ImplicitlyDenied},
		{"list everything", as("lister", "s3:ListBucket", arn, secure()), judge.ImplicitlyDenied},
		{"list all granted", as("listall", "s3:ListBucket", arn, secure()), judge.Allowed},
		{"lister reads", as("lister", "s3:GetObject", obj("raw/a"), secure()), judge.ImplicitlyDenied},
		// Delete.
		{"delete tmp/", as("deleter", "s3:DeleteObject", obj("tmp/x"), secure()), judge.Allowed},
		{"delete a version", as("deleter", "s3:DeleteObjectVersion", obj("tmp/x"), secure()), judge.ImplicitlyDenied},
		{"delete raw/", as("deleter", "s3:DeleteObject", obj("raw/x"), secure()), judge.ImplicitlyDenied},
	})
}

func TestPolicySimulatedKMS(t *testing.T) {
	p, arn, bucketPolicy, roles := grantedPlan(t, &BucketArgs{Encryption: SSEKMS}, map[string]func(*Bucket, policy.Grantee) error{
		"reader": func(b *Bucket, g policy.Grantee) error { return b.GrantRead(g, "raw/") },
		"writer": func(b *Bucket, g policy.Grantee) error { return b.GrantWrite(g, "raw/") },
		"lister": func(b *Bucket, g policy.Grantee) error { return b.GrantList(g) },
	})
	key := p.Find(tKey, "data-key").Arn()
	// The key has no policy of its own, so KMS gives it the default key policy, which lets the
	// account's IAM policies decide.
	// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
	keyPolicy := json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`)
	if got := p.Find(tKey, "data-key").Get("policy"); got != nil {
		t.Fatalf("the key has a policy %v; the simulation assumes the default key policy", got)
	}
	via := map[string]any{"kms:ViaService": "s3.us-east-1.amazonaws.com"}
	other := map[string]any{"kms:ViaService": "sqs.us-east-1.amazonaws.com"}
	as := func(role, action, resource string, ctx map[string]any, resPolicy json.RawMessage) judge.IAMRequest {
		return judge.IAMRequest{Principal: roles[role].arn, Action: action, Resource: resource, Context: ctx, IdentityPolicies: roles[role].policies, ResourcePolicy: resPolicy}
	}
	simulate(t, []iamCase{
		{"read object", as("reader", "s3:GetObject", arn+"/raw/a", secure(), bucketPolicy), judge.Allowed},
		{"reader decrypts through S3", as("reader", "kms:Decrypt", key, via, keyPolicy), judge.Allowed},
		{"reader decrypts directly", as("reader", "kms:Decrypt", key, map[string]any{}, keyPolicy), judge.ImplicitlyDenied},
		{"reader decrypts through SQS", as("reader", "kms:Decrypt", key, other, keyPolicy), judge.ImplicitlyDenied},
		{"reader makes data keys", as("reader", "kms:GenerateDataKey", key, via, keyPolicy), judge.ImplicitlyDenied},
		{"writer makes data keys", as("writer", "kms:GenerateDataKey", key, via, keyPolicy), judge.Allowed},
		{"writer decrypts (multipart)", as("writer", "kms:Decrypt", key, via, keyPolicy), judge.Allowed},
		{"lister gets no key", as("lister", "kms:Decrypt", key, via, keyPolicy), judge.ImplicitlyDenied},
	})
}

func TestPolicySimulatedStatements(t *testing.T) {
	const partner = "arn:aws:iam::210987654321:role/partner"
	_, arn, bucketPolicy, _ := grantedPlan(t, &BucketArgs{
		ReceivesAccessLogs: true,
		PolicyStatements: []policy.Statement{{
			Sid:        "PartnerReadsShared",
			Principals: []policy.Principal{{Type: "AWS", IDs: policy.Strings(partner)}},
			Actions:    []string{"s3:GetObject"},
			Resources:  []pulumi.StringInput{pulumi.String("arn:aws:s3:::placeholder")},
		}},
	}, nil)
	_ = arn
	cross := func(action, resource string, ctx map[string]any) judge.IAMRequest {
		// The partner's own account allows the call; the bucket policy decides.
		return judge.IAMRequest{Principal: partner, Action: action, Resource: resource, Context: ctx, ResourcePolicy: bucketPolicy, BlockPublicAccess: true,
			IdentityPolicies: []json.RawMessage{json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}`)}}
	}
	logs := func(account string) judge.IAMRequest {
		return judge.IAMRequest{Principal: "logging.s3.amazonaws.com", Action: "s3:PutObject", Resource: arn + "/raw/2026-11-23-00-00-00-ABC",
			Context: secure("aws:SourceAccount", account), ResourcePolicy: bucketPolicy, BlockPublicAccess: true}
	}
	// The statement above names another bucket's ARN: nothing of this bucket is granted by it.
	simulate(t, []iamCase{
		{"partner, statement on another resource", cross("s3:GetObject", arn+"/shared/a", secure()), judge.ImplicitlyDenied},
		{"log delivery from this account", logs(plan.DefaultAccount), judge.Allowed},
		{"log delivery from another account", logs("210987654321"), judge.ImplicitlyDenied},
	})

	_, arn, bucketPolicy, _ = grantedPlan(t, &BucketArgs{
		PolicyStatements: []policy.Statement{{
			Sid:        "PartnerReadsShared",
			Principals: []policy.Principal{{Type: "AWS", IDs: policy.Strings(partner)}},
			Actions:    []string{"s3:GetObject"},
		}},
	}, nil)
	simulate(t, []iamCase{
		{"partner reads", cross("s3:GetObject", arn+"/shared/a", secure()), judge.Allowed},
		{"partner reads over HTTP", cross("s3:GetObject", arn+"/shared/a", secure("aws:SecureTransport", "false")), judge.ExplicitlyDenied},
		{"partner with TLS 1.1", cross("s3:GetObject", arn+"/shared/a", secure("s3:TlsVersion", "1.1")), judge.ExplicitlyDenied},
		{"partner writes", cross("s3:PutObject", arn+"/shared/a", secure()), judge.ImplicitlyDenied},
		{"log delivery without the grant", logs(plan.DefaultAccount), judge.ImplicitlyDenied},
	})
}
