package stack_test

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Another team's program reads the pipeline's outputs through a stack reference: here, to let
// its own function start exports and read the processed data. (It needs a Pulumi backend, so it
// is compiled, not run.)
func Example_stackReference() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		ref, err := pulumi.NewStackReference(ctx, "acme/skein/prod", nil)
		if err != nil {
			return err
		}
		ctx.Export("exportStateMachine", ref.GetStringOutput(pulumi.String("stateMachineArn")))
		ctx.Export("dataBucket", ref.GetStringOutput(pulumi.String("bucketName")))
		ctx.Export("transformRedrive", ref.GetStringOutput(pulumi.String("redriveCommand")))
		return nil
	})
}
