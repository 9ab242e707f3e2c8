package workflow

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/skeinhq/skein/components/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (review, then go test -update):\n--- got\n%s", path, got)
	}
}

func TestGoldenDefinitions(t *testing.T) {
	for _, c := range corpus() {
		if !c.golden {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			b, err := c.def.Render()
			if err != nil {
				t.Fatal(err)
			}
			var pretty bytes.Buffer
			err = json.Indent(&pretty, b, "", "  ")
			pretty.WriteByte('\n')
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".asl.json", pretty.Bytes())
			m, err := plan.Mermaid(b)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".mmd", []byte(m))
		})
	}
}
