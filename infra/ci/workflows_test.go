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
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		If          string            `yaml:"if"`
		Environment string            `yaml:"environment"`
		Permissions map[string]string `yaml:"permissions"`
		Steps       []struct {
			Uses string            `yaml:"uses"`
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
			if assumesRole && job.Environment == "" {
				t.Errorf("%s: jobs.%s assumes an AWS role outside a GitHub environment (no reviewers can gate it)", f, name)
			}
			if assumesRole && !strings.Contains(job.If, "head.repo.full_name == github.repository") {
				t.Errorf("%s: jobs.%s assumes an AWS role for pull requests from forks too: %q", f, name, job.If)
			}
		}
	}
}
