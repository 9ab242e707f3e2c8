package workflow

// A plan command (components/plan) of a program with workflows writes cost.json: the cost
// package registers its writer with the plan when it is imported.
import _ "github.com/skeinhq/skein/components/cost"
