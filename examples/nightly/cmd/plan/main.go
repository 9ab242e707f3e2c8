// Command plan writes the nightly report's offline plan to out/<stage>/: go run ./cmd/plan -stack dev.
package main

import (
	"github.com/skeinhq/skein/components/plan"

	"example.com/nightly/app"
)

func main() { plan.Main(app.Program) }
