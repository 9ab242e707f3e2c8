package policy_test

import (
	"fmt"
	"log"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

// A role made outside skein receives an inline policy built from typed statements; the plan
// shows the document IAM receives.
func ExampleRoleGrantee_AttachPolicy() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		reporter := policy.NewRoleGrantee(ctx, "reporter", pulumi.String("reporter-role"), nil)
		_, err := reporter.AttachPolicy("send-reports", policy.Document{Statements: []policy.Statement{{
			Actions:   []string{"sqs:SendMessage"},
			Resources: policy.Strings("arn:aws:sqs:us-east-1:123456789012:reports"),
		}}})
		return err
	}, plan.Options{})
	if err != nil {
		log.Fatal(err)
	}
	rp := p.Find("aws:iam/rolePolicy:RolePolicy", "reporter-send-reports")
	fmt.Println(rp.String("role"))
	fmt.Println(rp.String("policy"))
	// Output:
	// reporter-role
	// {"Version":"2012-10-17","Statement":[{"Action":"sqs:SendMessage","Effect":"Allow","Resource":"arn:aws:sqs:us-east-1:123456789012:reports"}]}
}

// Validate refuses what skein never emits: an Allow with a wildcard action.
func ExampleDocument_Validate() {
	doc := policy.Document{Statements: []policy.Statement{{
		Actions:   []string{"s3:Get*"},
		Resources: policy.Strings("arn:aws:s3:::raw/*"),
	}}}
	fmt.Println(doc.Validate())
	// Output:
	// policy: statement 0: Allow action "s3:Get*" is a wildcard; list the exact actions
}
