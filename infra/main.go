// Command infra is the reference pipeline's Pulumi program (Pulumi.yaml: main: infra/). Run it
// with `make preview STACK=dev` / `make up STACK=dev`; `make plan` renders it offline.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/infra/stack"
)

func main() { pulumi.Run(stack.Program) }
