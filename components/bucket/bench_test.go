package bucket

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

// BenchmarkNewBucket plans a KMS bucket with a prefix grant and an event rule under mocks.
func BenchmarkNewBucket(b *testing.B) {
	for b.Loop() {
		_, err := plan.Run(func(ctx *pulumi.Context) error {
			bk, err := NewBucket(ctx, "raw", &BucketArgs{Encryption: SseKms, Expirations: []Expiration{{Prefix: "tmp/", Days: 1}}})
			if err != nil {
				return err
			}
			if _, err := bk.GrantReadWrite(policy.NewRoleGrantee(ctx, "r", pulumi.String("r"), nil), "raw/"); err != nil {
				return err
			}
			_, err = bk.OnObjectCreated("in", &EventArgs{Prefix: "raw/"})
			return err
		}, plan.Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate is the cost of checking a bucket's arguments, 100 expirations included.
func BenchmarkValidate(b *testing.B) {
	a := BucketArgs{Name: "acme-raw-data", Expirations: manyExpirations(100)}.withDefaults("raw", nil)
	for b.Loop() {
		if err := validate("raw", a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNameProblems(b *testing.B) {
	for b.Loop() {
		if NameProblems("log-delivery-march-2020.example.com") != nil {
			b.Fatal("valid name rejected")
		}
	}
}

func BenchmarkPattern(b *testing.B) {
	for b.Loop() {
		if _, err := Pattern("raw-0f6b4a1", DetailObjectCreated, "manifests/", ".json"); err != nil {
			b.Fatal(err)
		}
	}
}
