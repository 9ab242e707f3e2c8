package bucket

import (
	"encoding/json"
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

func TestPolicySimulated(t *testing.T) {
	_, arn, bucketPolicy, roles := grantedPlan(t, nil, map[string]func(*Bucket, policy.Grantee) error{
		"reader":    func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantRead(g, "raw/")) },
		"everyread": func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantRead(g)) },
		"writer":    func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantWrite(g, "processed/", "tmp/")) },
		"both":      func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantReadWrite(g, "raw/")) },
		"lister":    func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantList(g, "raw/")) },
		"listall":   func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantList(g)) },
		"deleter":   func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantDelete(g, "tmp/")) },
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
	judge.Expect(t, []judge.Case{
		// The four checks.
		{What: "anonymous read", Req: anon("s3:GetObject", obj("raw/a.json"), secure()), Want: judge.ImplicitlyDenied},
		{What: "plain HTTP", Req: as("everyread", "s3:GetObject", obj("raw/a.json"), secure("aws:SecureTransport", "false")), Want: judge.ExplicitlyDenied},
		{What: "TLS 1.1", Req: as("everyread", "s3:GetObject", obj("raw/a.json"), secure("s3:TlsVersion", "1.1")), Want: judge.ExplicitlyDenied},
		{What: "TLS 1.0", Req: as("everyread", "s3:GetObject", obj("raw/a.json"), secure("s3:TlsVersion", "1.0")), Want: judge.ExplicitlyDenied},
		{What: "TLS 1.2", Req: as("everyread", "s3:GetObject", obj("raw/a.json"), secure("s3:TlsVersion", "1.2")), Want: judge.Allowed},
		{What: "read under raw/", Req: as("reader", "s3:GetObject", obj("raw/2026/a.json"), secure()), Want: judge.Allowed},
		{What: "read a version under raw/", Req: as("reader", "s3:GetObjectVersion", obj("raw/a.json"), secure()), Want: judge.Allowed},
		{What: "read under processed/", Req: as("reader", "s3:GetObject", obj("processed/a.json"), secure()), Want: judge.ImplicitlyDenied},
		{What: "read a sibling prefix", Req: as("reader", "s3:GetObject", obj("raw-archive/a.json"), secure()), Want: judge.ImplicitlyDenied},
		{What: "reader deletes", Req: as("reader", "s3:DeleteObject", obj("raw/a.json"), secure()), Want: judge.ImplicitlyDenied},
		{What: "reader writes", Req: as("reader", "s3:PutObject", obj("raw/a.json"), secure()), Want: judge.ImplicitlyDenied},
		{What: "reader lists", Req: as("reader", "s3:ListBucket", arn, secure("s3:prefix", "raw/")), Want: judge.ImplicitlyDenied},
		{What: "reader changes the policy", Req: as("reader", "s3:PutBucketPolicy", arn, secure()), Want: judge.ImplicitlyDenied},
		// Write.
		{What: "write processed/", Req: as("writer", "s3:PutObject", obj("processed/b.json"), secure()), Want: judge.Allowed},
		{What: "write tmp/", Req: as("writer", "s3:PutObject", obj("tmp/b.json"), secure()), Want: judge.Allowed},
		{What: "abort an upload", Req: as("writer", "s3:AbortMultipartUpload", obj("tmp/b.json"), secure()), Want: judge.Allowed},
		{What: "write raw/", Req: as("writer", "s3:PutObject", obj("raw/b.json"), secure()), Want: judge.ImplicitlyDenied},
		{What: "writer reads", Req: as("writer", "s3:GetObject", obj("processed/b.json"), secure()), Want: judge.ImplicitlyDenied},
		{What: "writer deletes", Req: as("writer", "s3:DeleteObject", obj("processed/b.json"), secure()), Want: judge.ImplicitlyDenied},
		{What: "write over HTTP", Req: as("writer", "s3:PutObject", obj("processed/b.json"), secure("aws:SecureTransport", "false")), Want: judge.ExplicitlyDenied},
		// Read-write.
		{What: "read-write reads", Req: as("both", "s3:GetObject", obj("raw/c"), secure()), Want: judge.Allowed},
		{What: "read-write writes", Req: as("both", "s3:PutObject", obj("raw/c"), secure()), Want: judge.Allowed},
		{What: "read-write elsewhere", Req: as("both", "s3:PutObject", obj("processed/c"), secure()), Want: judge.ImplicitlyDenied},
		// List.
		{What: "list raw/", Req: as("lister", "s3:ListBucket", arn, secure("s3:prefix", "raw/")), Want: judge.Allowed},
		{What: "list raw/2026/", Req: as("lister", "s3:ListBucket", arn, secure("s3:prefix", "raw/2026/")), Want: judge.Allowed},
		{What: "list processed/", Req: as("lister", "s3:ListBucket", arn, secure("s3:prefix", "processed/")), Want: judge.ImplicitlyDenied},
		{What: "list everything", Req: as("lister", "s3:ListBucket", arn, secure()), Want: judge.ImplicitlyDenied},
		{What: "list all granted", Req: as("listall", "s3:ListBucket", arn, secure()), Want: judge.Allowed},
		{What: "lister reads", Req: as("lister", "s3:GetObject", obj("raw/a"), secure()), Want: judge.ImplicitlyDenied},
		// Delete.
		{What: "delete tmp/", Req: as("deleter", "s3:DeleteObject", obj("tmp/x"), secure()), Want: judge.Allowed},
		{What: "delete a version", Req: as("deleter", "s3:DeleteObjectVersion", obj("tmp/x"), secure()), Want: judge.ImplicitlyDenied},
		{What: "delete raw/", Req: as("deleter", "s3:DeleteObject", obj("raw/x"), secure()), Want: judge.ImplicitlyDenied},
	})
}

func TestPolicySimulatedKMS(t *testing.T) {
	p, arn, bucketPolicy, roles := grantedPlan(t, &BucketArgs{Encryption: SseKms}, map[string]func(*Bucket, policy.Grantee) error{
		"reader": func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantRead(g, "raw/")) },
		"writer": func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantWrite(g, "raw/")) },
		"lister": func(b *Bucket, g policy.Grantee) error { return errOf(b.GrantList(g)) },
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
	judge.Expect(t, []judge.Case{
		{What: "read object", Req: as("reader", "s3:GetObject", arn+"/raw/a", secure(), bucketPolicy), Want: judge.Allowed},
		{What: "reader decrypts through S3", Req: as("reader", "kms:Decrypt", key, via, keyPolicy), Want: judge.Allowed},
		{What: "reader decrypts directly", Req: as("reader", "kms:Decrypt", key, map[string]any{}, keyPolicy), Want: judge.ImplicitlyDenied},
		{What: "reader decrypts through SQS", Req: as("reader", "kms:Decrypt", key, other, keyPolicy), Want: judge.ImplicitlyDenied},
		{What: "reader makes data keys", Req: as("reader", "kms:GenerateDataKey", key, via, keyPolicy), Want: judge.ImplicitlyDenied},
		{What: "writer makes data keys", Req: as("writer", "kms:GenerateDataKey", key, via, keyPolicy), Want: judge.Allowed},
		{What: "writer decrypts (multipart)", Req: as("writer", "kms:Decrypt", key, via, keyPolicy), Want: judge.Allowed},
		{What: "lister gets no key", Req: as("lister", "kms:Decrypt", key, via, keyPolicy), Want: judge.ImplicitlyDenied},
	})
}

func TestPolicySimulatedStatements(t *testing.T) {
	const partner = "arn:aws:iam::210987654321:role/partner"
	_, arn, bucketPolicy, _ := grantedPlan(t, &BucketArgs{
		ReceivesAccessLogs: true,
		PolicyStatements: []policy.Statement{{
			Sid:        "PartnerReadsShared",
			Principals: []policy.Principal{{Type: "AWS", Identifiers: policy.Strings(partner)}},
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
	judge.Expect(t, []judge.Case{
		{What: "partner, statement on another resource", Req: cross("s3:GetObject", arn+"/shared/a", secure()), Want: judge.ImplicitlyDenied},
		{What: "log delivery from this account", Req: logs(plan.DefaultAccount), Want: judge.Allowed},
		{What: "log delivery from another account", Req: logs("210987654321"), Want: judge.ImplicitlyDenied},
	})

	_, arn, bucketPolicy, _ = grantedPlan(t, &BucketArgs{
		PolicyStatements: []policy.Statement{{
			Sid:        "PartnerReadsShared",
			Principals: []policy.Principal{{Type: "AWS", Identifiers: policy.Strings(partner)}},
			Actions:    []string{"s3:GetObject"},
		}},
	}, nil)
	judge.Expect(t, []judge.Case{
		{What: "partner reads", Req: cross("s3:GetObject", arn+"/shared/a", secure()), Want: judge.Allowed},
		{What: "partner reads over HTTP", Req: cross("s3:GetObject", arn+"/shared/a", secure("aws:SecureTransport", "false")), Want: judge.ExplicitlyDenied},
		{What: "partner with TLS 1.1", Req: cross("s3:GetObject", arn+"/shared/a", secure("s3:TlsVersion", "1.1")), Want: judge.ExplicitlyDenied},
		{What: "partner writes", Req: cross("s3:PutObject", arn+"/shared/a", secure()), Want: judge.ImplicitlyDenied},
		{What: "log delivery without the grant", Req: logs(plan.DefaultAccount), Want: judge.ImplicitlyDenied},
	})
}
