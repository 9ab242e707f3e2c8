// Command nightly is the Pulumi program of the nightly account report (Pulumi.yaml: main: .).
// `pulumi up` runs it; `go run ./cmd/plan -stack dev` plans it offline.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/nightly/app"
)

func main() { pulumi.Run(app.Program) }
