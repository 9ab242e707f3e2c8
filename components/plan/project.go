package plan

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"gopkg.in/yaml.v3"
)

// Project is a Pulumi project on disk: the name in its Pulumi.yaml and where its stage files
// (Pulumi.<stack>.yaml) are.
type Project struct {
	// Name is Pulumi.yaml's name: the project every URN, and skein's names and tags, carry.
	Name string
	// Dir is the directory holding Pulumi.yaml.
	Dir string
	// StackConfigDir holds the stage files: Pulumi.yaml's stackConfigDir (relative to Dir), or
	// Dir when it sets none.
	StackConfigDir string
	// Config holds the project-wide config of Pulumi.yaml's config block (values and
	// defaults), by full key; a stage file's own value wins.
	Config map[string]string
}

// projectFiles are the names Pulumi reads a project from, in its order.
var projectFiles = []string{"Pulumi.yaml", "Pulumi.yml"}

// LoadProject reads dir's Pulumi.yaml.
func LoadProject(dir string) (*Project, error) {
	for _, name := range projectFiles {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var doc struct {
			Name           string         `yaml:"name"`
			StackConfigDir string         `yaml:"stackConfigDir"`
			Config         map[string]any `yaml:"config"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if doc.Name == "" {
			return nil, fmt.Errorf("%s: has no name", path)
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		pr := &Project{Name: doc.Name, Dir: abs, StackConfigDir: abs, Config: map[string]string{}}
		if doc.StackConfigDir != "" {
			pr.StackConfigDir = filepath.Join(abs, filepath.FromSlash(doc.StackConfigDir))
		}
		for k, v := range doc.Config {
			key := k
			if !containsColon(k) {
				key = doc.Name + ":" + k // Pulumi's rule: a key without namespace is the project's
			}
			// A declared key ({type, default, value...}) sets its value or default, if any.
			if m, ok := v.(map[string]any); ok {
				if x, ok := m["value"]; ok {
					v = x
				} else if x, ok := m["default"]; ok {
					v = x
				} else if _, typed := m["type"]; typed {
					continue
				}
			}
			s, secret, err := configValue(v)
			if err != nil {
				return nil, fmt.Errorf("%s: config %s: %w", path, k, err)
			}
			if !secret {
				pr.Config[key] = s
			}
		}
		return pr, nil
	}
	return nil, fmt.Errorf("plan: no Pulumi.yaml in %s: %w", dir, os.ErrNotExist)
}

// FindProject returns the project whose Pulumi.yaml is in dir or the nearest directory above.
func FindProject(dir string) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		pr, err := LoadProject(d)
		if err == nil || !errors.Is(err, os.ErrNotExist) {
			return pr, err
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("plan: no Pulumi.yaml in %s or any directory above it: %w", abs, os.ErrNotExist)
		}
	}
}

// StackOptions reads the stage's file (StackConfigDir/Pulumi.<stack>.yaml) into Options for
// that project and stage, over the project-wide config (see StackConfig).
func (pr *Project) StackOptions(stack string) (Options, error) {
	opts, err := readStackFile(pr.StackConfigDir, stack)
	if err != nil {
		return Options{}, err
	}
	opts.Project = pr.Name
	mergeProjectConfig(&opts, pr)
	return opts, requireRegion(opts, pr.StackConfigDir, stack)
}

var cwdProjects sync.Map // working directory -> project name

// defaultProject is the name in the Pulumi.yaml at or above the working directory, or "skein"
// when there is none (read once per working directory).
func defaultProject() string {
	wd, err := os.Getwd()
	if err != nil {
		return "skein"
	}
	if v, ok := cwdProjects.Load(wd); ok {
		return v.(string)
	}
	name := "skein"
	if pr, err := FindProject(wd); err == nil {
		name = pr.Name
	}
	cwdProjects.Store(wd, name)
	return name
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}
