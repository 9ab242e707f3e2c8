package worker

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bootstrapOf extracts the single bootstrap entry of a deployment zip into dir and returns its
// path and the zip entry's header.
func bootstrapOf(t *testing.T, zipPath, dir string) (string, *zip.FileHeader) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = zr.Close() }()
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("zip holds %d entries (%v), want only bootstrap", len(zr.File), zr.File)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	h := zr.File[0].FileHeader
	return path, &h
}

// goBuildSettings asks the Go toolchain (not our code) how a binary was built: `go version -m`
// prints the flags and environment recorded in the binary's build information.
func goBuildSettings(t *testing.T, bin string) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v\n%s", err, out)
	}
	settings := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.SplitN(strings.TrimSpace(line), "\t", 2)
		if len(f) == 2 && f[0] == "build" {
			k, v, _ := strings.Cut(f[1], "=")
			settings[k] = strings.Trim(v, `"`)
		}
	}
	return settings
}

// The binary the worker deploys is built the way the issue and STYLE.md require, as the Go
// toolchain itself reports it, and it is a static ELF executable for the chosen architecture.
func TestBuildFlagsAsTheToolchainReportsThem(t *testing.T) {
	r := root(t)
	for _, tc := range []struct {
		arch    Architecture
		goarch  string
		machine elf.Machine
	}{
		{Arm64, "arm64", elf.EM_AARCH64},
		{X86_64, "amd64", elf.EM_X86_64},
	} {
		t.Run(string(tc.arch), func(t *testing.T) {
			art, err := Build(context.Background(), r, echo, tc.arch)
			if err != nil {
				t.Fatal(err)
			}
			bin, _ := bootstrapOf(t, art.Zip, t.TempDir())
			got := goBuildSettings(t, bin)
			for k, want := range map[string]string{
				"GOOS":        "linux",
				"GOARCH":      tc.goarch,
				"CGO_ENABLED": "0",
				"-tags":       "lambda.norpc",
				"-trimpath":   "true",
				"-buildmode":  "exe",
				"-compiler":   "gc",
			} {
				if got[k] != want {
					t.Errorf("build setting %s = %q, want %q (all: %v)", k, got[k], want, got)
				}
			}
			if _, vcs := got["vcs"]; vcs {
				t.Errorf("VCS information is stamped (%v): an uncommitted change elsewhere would change the zip", got)
			}
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = f.Close() }()
			if f.Machine != tc.machine || f.Type != elf.ET_EXEC {
				t.Errorf("bootstrap is %v %v, want an %v executable", f.Machine, f.Type, tc.machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("bootstrap is dynamically linked (%v): provided.al2023 needs a static binary", p.Type)
				}
			}
			// With -trimpath the toolchain does not record -ldflags, so judge their effects: -s
			// drops the symbol table, -w the DWARF sections, -buildid= the build id (which
			// `go tool buildid` reads).
			if f.Section(".symtab") != nil {
				t.Error("bootstrap keeps its symbol table: -s did not apply")
			}
			for _, s := range f.Sections {
				if strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
					t.Errorf("bootstrap keeps DWARF section %s: -w did not apply", s.Name)
				}
			}
			if out, err := exec.Command("go", "tool", "buildid", bin).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "" {
				t.Errorf("go tool buildid: %q, %v; want an empty build id (-buildid=)", out, err)
			}
		})
	}
}

// The zip itself is reproducible by construction: one entry, a fixed timestamp, mode 0755,
// deflated; and the function's source code hash is the SHA-256 of exactly those bytes.
func TestZipIsFixedAndHashed(t *testing.T) {
	p, w := newPlan(t, &WorkerArgs{Package: echo, Root: root(t)})
	_, h := bootstrapOf(t, w.Artifact.Zip, t.TempDir())
	if !h.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) || h.Method != zip.Deflate || h.Mode().Perm() != 0o755 || !h.Mode().IsRegular() {
		t.Errorf("zip entry: modified %v, method %d, mode %v; want 1980-01-01, deflate, -rwxr-xr-x", h.Modified, h.Method, h.Mode())
	}
	b, err := os.ReadFile(w.Artifact.Zip)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	want := base64.StdEncoding.EncodeToString(sum[:])
	fn := p.Find("aws:lambda/function:Function", "echo")
	if fn.String("sourceCodeHash") != want || w.Artifact.SHA256 != want || w.Artifact.Size != int64(len(b)) {
		t.Errorf("sourceCodeHash %q, artifact %q, want the zip's %q", fn.String("sourceCodeHash"), w.Artifact.SHA256, want)
	}
	if got, _ := fn.GetPath("code", "archive").(string); got == "" || !strings.HasSuffix(got, "function.zip") {
		t.Errorf("code = %v, want the built zip", fn.Get("code"))
	}
}

// Two checkouts of the same source in different places (a laptop and CI) build the same zip
// bytes: nothing of the machine or the path leaks into the binary.
func TestBuildIsReproducibleAcrossCheckouts(t *testing.T) {
	a := t.TempDir()
	echoModule(t, a, "handlers/fn")
	b := filepath.Join(t.TempDir(), "somewhere", "else")
	echoModule(t, b, "handlers/fn")
	a1, err := build(context.Background(), a, "./handlers/fn", Arm64)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := build(context.Background(), b, "./handlers/fn", Arm64)
	if err != nil {
		t.Fatal(err)
	}
	z1, _ := os.ReadFile(a1.Zip)
	z2, _ := os.ReadFile(a2.Zip)
	if len(z1) == 0 || !bytes.Equal(z1, z2) {
		t.Fatalf("the same source in %s and %s gave different zips (%d and %d bytes)", a, b, len(z1), len(z2))
	}
	if a1.SourceHash != a2.SourceHash {
		t.Error("the same source in two checkouts hashed differently: the cache would miss")
	}
	bin, _ := bootstrapOf(t, a1.Zip, t.TempDir())
	exe, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(exe, []byte(a)) {
		t.Error("the checkout's path is in the binary")
	}
}
