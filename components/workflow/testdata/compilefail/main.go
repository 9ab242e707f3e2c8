// Package main must not compile: each line marked "want" hands a workflow task the wrong kind of
// target. TestWrongTargetsDoNotCompile builds it and expects one type error per line.
package main

import (
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

func main() {
	var q *queue.Queue
	var w *worker.Worker
	var wf *workflow.Workflow
	_ = workflow.Invoke{Worker: q}                               // want "Invoke.Worker: queue"
	_ = workflow.Invoke{Worker: wf}                              // want "Invoke.Worker: workflow"
	_ = workflow.SendMessage{Queue: w}                           // want "SendMessage.Queue: worker"
	_ = workflow.Map{DeadLetter: w}                              // want "Map.DeadLetter: worker"
	_ = workflow.StartWorkflow{Workflow: w}                      // want "StartWorkflow.Workflow: worker"
	_ = workflow.Invoke{Worker: workflow.ExistingQueue("a")}     // want "Invoke.Worker: existing queue"
	_ = workflow.Map{DeadLetter: workflow.ExistingFunction("a")} // want "Map.DeadLetter: existing function"
}
