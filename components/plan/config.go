package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"
)

// StackConfig reads Pulumi.<stack>.yaml in dir into Options.Config, with Options.Project the
// name in dir's Pulumi.yaml when there is one (zero otherwise: Run's default). Object values
// become JSON strings, as Pulumi passes them to programs. Encrypted values (`secure:`) cannot be
// decrypted offline: they are replaced by the placeholder "plan-secret" and listed in
// SecretKeys, so that the plan shows where secrets flow ("[secret]") without ever holding one.
//
// The stage (or the project-wide config) must set aws:region: Run would plan us-east-1 while
// pulumi up takes whatever region the environment gives.
func StackConfig(dir, stack string) (Options, error) {
	opts, err := readStackFile(dir, stack)
	if err != nil {
		return Options{}, err
	}
	if pr, err := LoadProject(dir); err == nil {
		mergeProjectConfig(&opts, pr)
	}
	return opts, requireRegion(opts, dir, stack)
}

// mergeProjectConfig adds the project-wide config values the stage does not set.
func mergeProjectConfig(opts *Options, pr *Project) {
	for k, v := range pr.Config {
		if _, set := opts.Config[k]; !set {
			opts.Config[k] = v
		}
	}
}

func requireRegion(opts Options, dir, stack string) error {
	if opts.Config["aws:region"] != "" {
		return nil
	}
	return fmt.Errorf("%s: aws:region is required (pulumi config set aws:region <region> --stack %s)", filepath.Join(dir, "Pulumi."+stack+".yaml"), stack)
}

// readStackFile reads Pulumi.<stack>.yaml in dir (see StackConfig), without the project-wide
// config.
func readStackFile(dir, stack string) (Options, error) {
	path := filepath.Join(dir, "Pulumi."+stack+".yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		return Options{}, err
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Options{}, fmt.Errorf("%s: %w", path, err)
	}
	opts := Options{Stack: stack, Config: map[string]string{}}
	if pr, err := LoadProject(dir); err == nil {
		opts.Project = pr.Name
	} else if !errors.Is(err, os.ErrNotExist) {
		return Options{}, err
	}
	keys := make([]string, 0, len(doc.Config))
	for k := range doc.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, secret, err := configValue(doc.Config[k])
		if err != nil {
			return Options{}, fmt.Errorf("%s: %s: %w", path, k, err)
		}
		if secret {
			opts.Config[k] = PlaceholderSecret
			opts.SecretKeys = append(opts.SecretKeys, k)
			continue
		}
		opts.Config[k] = v
	}
	return opts, nil
}

// configValue is a config value as Pulumi passes it to programs: strings as they are, objects
// and arrays as JSON, anything else printed; secret is true for an encrypted value.
func configValue(v any) (s string, secret bool, err error) {
	switch v := v.(type) {
	case string:
		return v, false, nil
	case map[string]any:
		if _, ok := v["secure"]; ok && len(v) == 1 {
			return "", true, nil
		}
		j, err := json.Marshal(v)
		return string(j), false, err
	case []any:
		j, err := json.Marshal(v)
		return string(j), false, err
	default:
		return fmt.Sprint(v), false, nil
	}
}
