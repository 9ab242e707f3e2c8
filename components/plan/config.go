package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"
)

// StackConfig reads Pulumi.<stack>.yaml in dir into Options.Config. Object values become JSON
// strings, as Pulumi passes them to programs. Encrypted values (`secure:`) cannot be decrypted
// offline: they are replaced by the placeholder "plan-secret" and listed in SecretKeys, so that
// the plan shows where secrets flow ("[secret]") without ever holding one.
func StackConfig(dir, stack string) (Options, error) {
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
	keys := make([]string, 0, len(doc.Config))
	for k := range doc.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := doc.Config[k].(type) {
		case string:
			opts.Config[k] = v
		case map[string]any:
			if _, ok := v["secure"]; ok && len(v) == 1 {
				opts.Config[k] = "plan-secret"
				opts.SecretKeys = append(opts.SecretKeys, k)
				continue
			}
			j, err := json.Marshal(v)
			if err != nil {
				return Options{}, fmt.Errorf("%s: %s: %w", path, k, err)
			}
			opts.Config[k] = string(j)
		case []any:
			j, err := json.Marshal(v)
			if err != nil {
				return Options{}, fmt.Errorf("%s: %s: %w", path, k, err)
			}
			opts.Config[k] = string(j)
		default:
			opts.Config[k] = fmt.Sprint(v)
		}
	}
	return opts, nil
}
