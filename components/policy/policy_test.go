package policy

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestRender(t *testing.T) {
	doc := Document{Statements: []Statement{
		{Sid: "DenyInsecure", Effect: Deny, Principals: []Principal{Everyone()}, Actions: []string{"sqs:*"},
			Resources:  Strings("arn:aws:sqs:us-east-1:123456789012:q"),
			Conditions: []Condition{{Test: "Bool", Variable: "aws:SecureTransport", Values: Strings("false")}}},
		{Actions: []string{"sqs:SendMessage"}, Principals: []Principal{Service("events.amazonaws.com")},
			Resources: Strings("arn:aws:sqs:us-east-1:123456789012:q")},
		{Actions: []string{"lambda:InvokeFunction"}, Resources: Strings("arn:a", "arn:a:*")},
	}}
	got, err := doc.Render()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Action":"sqs:*","Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny","Principal":"*","Resource":"arn:aws:sqs:us-east-1:123456789012:q","Sid":"DenyInsecure"},` +
		`{"Action":"sqs:SendMessage","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Resource":"arn:aws:sqs:us-east-1:123456789012:q"},` +
		`{"Action":"lambda:InvokeFunction","Effect":"Allow","Resource":["arn:a","arn:a:*"]}]}`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRenderRejectsOutputs(t *testing.T) {
	doc := Document{Statements: []Statement{{Actions: []string{"s3:GetObject"}, Resources: []pulumi.StringInput{pulumi.String("a").ToStringOutput()}}}}
	if _, err := doc.Render(); err == nil {
		t.Fatal("Render accepted an output")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		st   Statement
		want string
	}{
		{"star", Statement{Actions: []string{"*"}, Resources: Strings("r")}, `"*" is a wildcard`},
		{"service star", Statement{Actions: []string{"s3:*"}, Resources: Strings("r")}, `"s3:*" is a wildcard`},
		{"prefix pattern", Statement{Actions: []string{"s3:Get*"}, Resources: Strings("r")}, `"s3:Get*" is a wildcard`},
		{"inner pattern", Statement{Actions: []string{"s3:*Object"}, Resources: Strings("r")}, `"s3:*Object" is a wildcard`},
		{"single character pattern", Statement{Actions: []string{"s3:?etObject"}, Resources: Strings("r")}, `"s3:?etObject" is a wildcard`},
		{"no actions", Statement{Resources: Strings("r")}, "at least one action"},
		{"no resources", Statement{Actions: []string{"s3:GetObject"}}, "at least one resource"},
		{"bad action", Statement{Actions: []string{"GetObject"}, Resources: Strings("r")}, "service:Action"},
		{"bad effect", Statement{Effect: "Maybe", Actions: []string{"s3:GetObject"}, Resources: Strings("r")}, "Allow or Deny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Document{Statements: []Statement{tt.st}}.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	ok := Document{Statements: []Statement{{Effect: Deny, Principals: []Principal{Everyone()}, Actions: []string{"s3:*"}, Resources: Strings("r")}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a Deny guard with a service wildcard must be valid: %v", err)
	}
}
