package bucket_test

import (
	"fmt"
	"log"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/bucket"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

// A bucket with every control on, and what it creates.
func ExampleNewBucket() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := bucket.NewBucket(ctx, "raw", nil)
		return err
	}, plan.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range p.Resources() {
		fmt.Println(r.Type, r.Name)
	}
	// Output:
	// aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2 raw-lifecycle
	// aws:s3/bucketNotification:BucketNotification raw-notifications
	// aws:s3/bucketOwnershipControls:BucketOwnershipControls raw-ownership
	// aws:s3/bucketPolicy:BucketPolicy raw-policy
	// aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock raw-public-access-block
	// aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2 raw-encryption
	// aws:s3/bucketV2:BucketV2 raw
	// aws:s3/bucketVersioningV2:BucketVersioningV2 raw-versioning
	// skein:aws:Bucket raw
}

// A read grant limited to a prefix, as the role's inline policy.
func ExampleBucket_GrantRead() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		raw, err := bucket.NewBucket(ctx, "raw", nil)
		if err != nil {
			return err
		}
		grant, err := raw.GrantRead(policy.NewRoleGrantee(ctx, "parser", pulumi.String("parser-role"), nil), "incoming/")
		if err != nil {
			return err
		}
		_ = grant.DependsOn() // for a resource that needs the permission when it is created
		return nil
	}, plan.Options{})
	if err != nil {
		log.Fatal(err)
	}
	rp := p.Find("aws:iam/rolePolicy:RolePolicy", "parser-raw-read-incoming")
	fmt.Println(rp.String("policy"))
	// Output:
	// {"Version":"2012-10-17","Statement":[{"Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging"],"Effect":"Allow","Resource":"arn:aws:s3:::raw-53bbb8e/incoming/*","Sid":"Read"}]}
}

// The event pattern of a rule matching new JSON manifests.
func ExamplePattern() {
	p, _ := bucket.Pattern("raw-0f6b4a1", bucket.DetailObjectCreated, "manifests/", ".json")
	fmt.Println(p)
	// Output:
	// {"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["raw-0f6b4a1"]},"object":{"key":[{"wildcard":"manifests/*.json"}]}}}
}
