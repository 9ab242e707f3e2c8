package ci

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type workflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		If          string            `yaml:"if"`
		Environment string            `yaml:"environment"`
		Permissions map[string]string `yaml:"permissions"`
		Steps       []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

var pinned = regexp.MustCompile(`^[\w.-]+/[\w.-]+@[0-9a-f]{40}$`)

func TestWorkflowsRunPullRequestsSafely(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var w workflow
		if err := yaml.Unmarshal(raw, &w); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, ok := w.On["pull_request_target"]; ok {
			t.Errorf("%s: pull_request_target gives the pull request's run a write token and secrets: plan on pull_request, post from workflow_run", f)
		}
		if len(w.Permissions) != 1 || w.Permissions["contents"] != "read" {
			t.Errorf("%s: top-level permissions %v, want contents: read only", f, w.Permissions)
		}
		for name, job := range w.Jobs {
			assumesRole := false
			for i, s := range job.Steps {
				if s.Uses == "" || strings.HasPrefix(s.Uses, "./") {
					continue
				}
				if !pinned.MatchString(s.Uses) {
					t.Errorf("%s: jobs.%s.steps[%d] uses %q, not pinned by commit", f, name, i, s.Uses)
				}
				if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["persist-credentials"] != "false" {
					t.Errorf("%s: jobs.%s.steps[%d] checks out with persisted credentials", f, name, i)
				}
				if strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@") {
					assumesRole = true
					if role := s.With["role-to-assume"]; !strings.Contains(role, "READ_ONLY") {
						t.Errorf("%s: jobs.%s assumes %q: a job that runs the pull request's code gets a read-only role", f, name, role)
					}
				}
			}
			writes := false
			for scope, level := range job.Permissions {
				if level == "write" && scope != "id-token" {
					writes = true
				}
			}
			if writes && w.On["pull_request"] != nil && !strings.Contains(job.If, "head.repo.full_name == github.repository") {
				t.Errorf("%s: jobs.%s can write (%v) while running the code of pull requests from forks: post from a workflow_run workflow instead", f, name, job.Permissions)
			}
			if _, ok := w.On["workflow_run"]; ok {
				for i, s := range job.Steps {
					if strings.HasPrefix(s.Uses, "actions/checkout@") && (s.With["ref"] != "" || s.With["repository"] != "") {
						t.Errorf("%s: jobs.%s.steps[%d] checks out %q: a workflow_run job runs the default branch's code only", f, name, i, s.With["ref"]+s.With["repository"])
					}
				}
			}
			for i, s := range job.Steps {
				for _, tainted := range []string{"github.event.", "github.head_ref"} {
					if strings.Contains(s.Run, "${{") && strings.Contains(s.Run, tainted) {
						t.Errorf("%s: jobs.%s.steps[%d] expands %s into a script: pass it through env", f, name, i, tainted)
					}
				}
			}
			if assumesRole && job.Environment == "" {
				t.Errorf("%s: jobs.%s assumes an AWS role outside a GitHub environment (no reviewers can gate it)", f, name)
			}
			if assumesRole && !strings.Contains(job.If, "head.repo.full_name == github.repository") {
				t.Errorf("%s: jobs.%s assumes an AWS role for pull requests from forks too: %q", f, name, job.If)
			}
		}
	}
}
