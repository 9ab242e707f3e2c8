package plan

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
)

// A Writer writes one artefact of a plan (a file, or a folder of files) into the output
// directory, from the recorded resources. The plan writes resources.json, statemachines/,
// schedules.json, budgets.json, cost.json (default workloads; [CostWriter] gives the program's
// own) and dashboards/ itself; [Register] adds more from a package's init, and [Command.Writers]
// add more or replace one.
type Writer struct {
	// Name is the artefact's path under the output directory ("cost.json", "statemachines/").
	// A later Writer of the same Name replaces an earlier one.
	Name string
	// Write writes the artefact under dir.
	Write func(p *Plan, dir string) error
}

var (
	writersMu sync.Mutex
	writers   = map[string]Writer{}
)

// Register adds w to the writers every [Plan.WriteArtifacts] runs, replacing a writer of the same
// Name. Packages call it from init.
func Register(w Writer) {
	writersMu.Lock()
	defer writersMu.Unlock()
	writers[w.Name] = w
}

// Registered returns the registered writers, sorted by Name.
func Registered() []Writer {
	writersMu.Lock()
	defer writersMu.Unlock()
	out := make([]Writer, 0, len(writers))
	for _, w := range writers {
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func init() {
	for _, w := range []Writer{
		{Name: "resources.json", Write: (*Plan).WriteResources},
		{Name: "statemachines/", Write: (*Plan).WriteStateMachines},
		{Name: "schedules.json", Write: (*Plan).WriteSchedules},
		{Name: "budgets.json", Write: (*Plan).WriteBudgets},
		CostWriter(nil),
		{Name: "dashboards/", Write: (*Plan).WriteDashboards},
	} {
		Register(w)
	}
}

// WriteArtifacts runs every registered writer, then extra (which replaces a registered writer of
// the same Name), into dir, and returns every writer's error, each naming its artefact.
func (p *Plan) WriteArtifacts(dir string, extra ...Writer) error {
	byName := map[string]Writer{}
	for _, w := range Registered() {
		byName[w.Name] = w
	}
	for _, w := range extra {
		byName[w.Name] = w
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		w := byName[n]
		if w.Write == nil {
			errs = append(errs, fmt.Errorf("plan: writer %s has no Write function", n))
			continue
		}
		if err := w.Write(p, filepath.Clean(dir)); err != nil {
			errs = append(errs, fmt.Errorf("plan: %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}
