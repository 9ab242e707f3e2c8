package bucket

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

// The components SendTo and the grants are meant for satisfy the interfaces declared here.
var (
	_ ServicePermitter    = (*worker.Worker)(nil)
	_ policy.Grantee      = (*worker.Worker)(nil)
	_ policy.Queue        = (*queue.Queue)(nil)
	_ policy.StateMachine = (*workflow.Workflow)(nil)
	_ policy.Grantee      = (*workflow.Workflow)(nil)
)

// S3 keeps one policy per bucket: a second s3.BucketPolicy anywhere in skein would silently
// replace this component's guards. Only this package may create one.
func TestNoOtherBucketPolicy(t *testing.T) {
	root := judge.Root(t)
	own := filepath.Join(root, "components", "bucket")
	var offenders []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".tools", "node_modules", "out":
				return filepath.SkipDir
			}
			if path == own {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("NewBucketPolicy(")) || bytes.Contains(b, []byte("aws:s3/bucketPolicy:BucketPolicy")) {
			offenders = append(offenders, strings.TrimPrefix(path, root+string(filepath.Separator)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(offenders) > 0 {
		t.Errorf("bucket policies created outside components/bucket (use BucketArgs.PolicyStatements): %v", offenders)
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	var prev []byte
	for i := 0; i < 3; i++ {
		p := pipeline(t)
		b, err := p.MarshalResources()
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil && !bytes.Equal(prev, b) {
			t.Fatal("resources.json differs between two runs of the same program")
		}
		prev = b
	}
	if !bytes.Contains(prev, []byte(`"type": "`+Type+`"`)) {
		t.Error("the component is missing from resources.json")
	}
}
