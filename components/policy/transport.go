package policy

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// DenyInsecureTransport is the statement every skein resource policy starts with (the bucket's,
// each queue's): any request for resources that is not made over TLS (aws:SecureTransport
// false) is denied, whoever makes it. service is the IAM prefix of the actions denied ("sqs",
// "s3"): the statement denies service:* on resources. Its Sid is "DenyInsecureTransport".
func DenyInsecureTransport(service string, resources ...pulumi.StringInput) Statement {
	return Statement{
		Sid:        "DenyInsecureTransport",
		Effect:     Deny,
		Principals: []Principal{Everyone()},
		Actions:    []string{service + ":*"},
		Resources:  resources,
		Conditions: []Condition{{Test: "Bool", Variable: "aws:SecureTransport", Values: Strings("false")}},
	}
}
