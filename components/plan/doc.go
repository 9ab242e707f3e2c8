// Package plan renders a Pulumi program offline: it runs the program under the Pulumi Go SDK's
// mock monitor (no CLI, no credentials, no network), answers every resource with realistic ids
// and ARNs for its type (partition and region from the stage, a fixed account id), and records
// every registered resource, components included, with its inputs as plain JSON.
//
// The same recorder is the harness of every component test: [Run] a program, then [Plan.Find]
// resources by type and name and read their inputs as plain Go values.
//
//	p, err := plan.Run(func(ctx *pulumi.Context) error {
//		_, err := queue.NewQueue(ctx, "jobs", nil)
//		return err
//	}, plan.Options{})
//	q := p.Find("aws:sqs/queue:Queue", "jobs")
//
// [Plan.WriteResources] writes resources.json, the contract other tools read: an array of
// {"type","name","parent","id","inputs","outputs"} sorted by type then name, secrets as
// "[secret]", byte-identical for identical inputs.
//
// [Main] is the whole main function of a plan command for any Pulumi Go program:
//
//	func main() { plan.Main(app.Program) }
//
// `go run ./cmd/plan -stack dev` reads the project's name from the nearest Pulumi.yaml (and its
// project-wide config), the stage file beside it (or in its stackConfigDir), runs the program
// offline and writes out/<stage>/: resources.json, statemachines/ (each definition and its
// [Mermaid] graph), schedules.json, budgets.json, cost.json (components/cost's model at default
// workloads; [CostWriter] gives the program's own) and dashboards/, plus the artefacts other
// packages register ([Register]). [Command] adds or replaces writers and gives placeholder
// secrets.
//
// # Defaults
//
// Zero Options mean the project of the Pulumi.yaml at or above the working directory ("skein"
// when there is none), stack "test", region us-east-1 and account 123456789012 (the config's
// skein:accountId, or <project>:accountId, when it sets one).
// Physical names follow Pulumi's auto-naming shape (logical name, a dash, seven hex digits), but
// the suffix is a hash of stack, type and name rather than random, so plans are reproducible.
//
// # Escape hatches
//
// [Options.Calls] answers provider functions (invokes) the built-in table does not know.
package plan
