package worker

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skeinhq/skein/components/check"
)

// Architecture is the instruction set a worker runs on.
type Architecture string

// Architectures Lambda offers.
const (
	Arm64  Architecture = "arm64"
	X86_64 Architecture = "x86_64"
)

func (a Architecture) goarch() string {
	if a == X86_64 {
		return "amd64"
	}
	return "arm64"
}

// BuildFlags returns the go build flags every worker binary is built with (a fresh slice).
// -buildvcs=false keeps uncommitted changes elsewhere in the repository from changing the binary.
func BuildFlags() []string {
	return []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}
}

// zipTime is the modification time of every zip entry, so identical binaries zip identically.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Artifact is a built handler.
type Artifact struct {
	// Zip is the path of the deployment package: one file, bootstrap, mode 0755.
	Zip string
	// SHA256 is the base64 SHA-256 of the zip, as Lambda's source_code_hash expects.
	SHA256 string
	// Size is the zip's size in bytes.
	Size int64
	// SourceHash identifies the inputs of the build (sources, module versions, toolchain, flags).
	SourceHash string
}

// BuildError is a failed go build: the compiler's output, for the component's error.
type BuildError struct {
	Package string
	Output  string
	Err     error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("worker: building %s: %v\n%s", e.Package, e.Err, strings.TrimSpace(e.Output))
}

func (e *BuildError) Unwrap() error { return e.Err }

type buildKey struct {
	root, pkg string
	arch      Architecture
}

type buildResult struct {
	once sync.Once
	art  *Artifact
	err  error
}

var builds sync.Map // buildKey -> *buildResult: each package is built at most once per process

// Build compiles a main package of the module rooted at root (zero: the module above the working
// directory) for linux on arch (zero: arm64; anything but arm64 and x86_64 is an error) and zips
// it reproducibly. Results are cached in the process and on disk under
// <root>/out/.build/<source hash>/, so an unchanged handler is neither rebuilt nor re-zipped,
// and its zip keeps the same bytes.
func Build(ctx context.Context, root, pkg string, arch Architecture) (*Artifact, error) {
	if arch == "" {
		arch = Arm64
	}
	if arch != Arm64 && arch != X86_64 {
		c := check.New("worker build", pkg)
		c.OneOf("Architecture", string(arch), string(Arm64), string(X86_64))
		return nil, c.Err()
	}
	if root == "" {
		r, err := ModuleRoot()
		if err != nil {
			return nil, err
		}
		root = r
	}
	pkg, err := packagePath(root, pkg)
	if err != nil {
		return nil, err
	}
	v, _ := builds.LoadOrStore(buildKey{root, pkg, arch}, &buildResult{})
	br := v.(*buildResult)
	br.once.Do(func() { br.art, br.err = build(ctx, root, pkg, arch) })
	return br.art, br.err
}

// packagePath returns pkg as the go command reads it. A path relative to the module root
// written without "./" ("functions/transform") would be read as a standard library path; it
// becomes "./functions/transform" when that directory exists, and is an error naming both
// spellings otherwise. Paths starting with "." or "/" and import paths (their first element
// holds a dot, "example.com/nightly/handlers/report") are kept.
func packagePath(root, pkg string) (string, error) {
	if pkg == "" || strings.HasPrefix(pkg, ".") || filepath.IsAbs(pkg) {
		return pkg, nil
	}
	first, _, _ := strings.Cut(pkg, "/")
	if strings.Contains(first, ".") {
		return pkg, nil
	}
	if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(pkg))); err == nil && fi.IsDir() {
		return "./" + pkg, nil
	}
	c := check.New("worker build", pkg)
	c.Add("Package", "must be a directory relative to the module root "+root+" (./"+pkg+" does not exist) or an import path such as example.com/app/handlers/report", pkg)
	return "", c.Err()
}

// ModuleRoot finds the directory holding go.mod at or above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("worker: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

func goEnv(arch Architecture) []string {
	return append(os.Environ(), "GOOS=linux", "GOARCH="+arch.goarch(), "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
}

func build(ctx context.Context, root, pkg string, arch Architecture) (*Artifact, error) {
	hash, err := sourceHash(ctx, root, pkg, arch)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "out", ".build", hash[:16]+"-"+string(arch))
	zipPath := filepath.Join(dir, "function.zip")
	if b, err := os.ReadFile(zipPath); err == nil {
		return artifact(zipPath, b, hash), nil
	}
	tmp, err := os.MkdirTemp(filepath.Join(root, "out"), ".build-*")
	if err != nil {
		if err := os.MkdirAll(filepath.Join(root, "out"), 0o755); err != nil {
			return nil, err
		}
		if tmp, err = os.MkdirTemp(filepath.Join(root, "out"), ".build-*"); err != nil {
			return nil, err
		}
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	bin := filepath.Join(tmp, "bootstrap")
	args := append([]string{"build"}, BuildFlags()...)
	args = append(args, "-o", bin, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = root, goEnv(arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, &BuildError{Package: pkg, Output: string(out), Err: err}
	}
	binData, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	zipData, err := Zip(binData)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// Write then rename, so a concurrent plan never reads half a zip.
	part := filepath.Join(tmp, "function.zip")
	if err := os.WriteFile(part, zipData, 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(part, zipPath); err != nil {
		return nil, err
	}
	return artifact(zipPath, zipData, hash), nil
}

func artifact(path string, data []byte, hash string) *Artifact {
	sum := sha256.Sum256(data)
	return &Artifact{Zip: path, SHA256: base64.StdEncoding.EncodeToString(sum[:]), Size: int64(len(data)), SourceHash: hash}
}

// Zip packs a bootstrap binary the way Lambda's provided runtimes expect, byte-for-byte the same
// for the same binary: one entry named bootstrap, mode 0755, a fixed timestamp, deflated.
func Zip(bootstrap []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bootstrap); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var toolchains sync.Map // root -> version of the go command that builds there

// toolchainVersion is the version of the go command that compiles in root (GOTOOLCHAIN and the
// go.mod toolchain line can select another than the one running this program), so that upgrading
// Go invalidates the cached zips.
func toolchainVersion(ctx context.Context, root string, arch Architecture) (string, error) {
	if v, ok := toolchains.Load(root); ok {
		return v.(string), nil
	}
	cmd := exec.CommandContext(ctx, "go", "env", "GOVERSION")
	cmd.Dir, cmd.Env = root, goEnv(arch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", &BuildError{Package: "go env GOVERSION", Output: stderr.String(), Err: err}
	}
	v := strings.TrimSpace(string(out))
	if v == "" {
		v = runtime.Version()
	}
	toolchains.Store(root, v)
	return v, nil
}

// listFormat prints, for every non-standard package pkg depends on (itself included): whether it
// is pkg itself, its package name, import path, directory, module identity and source files. A
// module whose contents are not pinned by a version and go.sum (the main module, a workspace
// module, a module replaced by a local directory, a package outside any module) is marked
// "@local": its files are hashed.
const listFormat = "{{if not .Standard}}" +
	"{{if .DepOnly}}dep{{else}}root{{end}}\t{{.Name}}\t{{.ImportPath}}\t{{.Dir}}\t" +
	"{{with .Module}}{{.Path}}@{{.Version}}{{with .Replace}}=>{{.Path}}@{{.Version}}{{end}}" +
	"{{if or .Main (not .Version) (and .Replace (not .Replace.Version))}}@local{{end}}{{else}}@local{{end}}\t" +
	"{{join .GoFiles \",\"}},{{join .SFiles \",\"}},{{join .HFiles \",\"}},{{join .SysoFiles \",\"}},{{join .EmbedFiles \",\"}}" +
	"{{end}}"

// sourceHash hashes everything the binary depends on: the files of every package pkg imports
// whose module is not pinned by a version (the main module's, a workspace module's, a module
// replaced by a local directory's), the path@version (and replacement) of every other module,
// the Go version, target and flags. It fails, before anything is built, when pkg is not a main
// package.
func sourceHash(ctx context.Context, root, pkg string, arch Architecture) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-tags", "lambda.norpc", "-f", listFormat, pkg)
	cmd.Dir, cmd.Env = root, goEnv(arch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", &BuildError{Package: pkg, Output: stderr.String(), Err: err}
	}
	gover, err := toolchainVersion(ctx, root, arch)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%s\n%s\n%s\n", gover, arch, strings.Join(BuildFlags(), " "))
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	sort.Strings(lines)
	for _, line := range lines {
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			continue
		}
		role, name, importPath, dir, mod, files := f[0], f[1], f[2], f[3], f[4], f[5]
		if role == "root" && name != "main" {
			c := check.New("worker build", pkg)
			c.Add("Package", "must be a main package (package main with func main): Lambda runs the binary it builds; "+importPath+" is package "+name, pkg)
			return "", c.Err()
		}
		_, _ = fmt.Fprintf(h, "%s %s\n", importPath, strings.TrimSuffix(mod, "@local"))
		if !strings.HasSuffix(mod, "@local") {
			continue // a module version's contents are immutable, and go.sum pins them
		}
		for _, name := range strings.Split(files, ",") {
			if name == "" {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				return "", err
			}
			_, _ = fmt.Fprintf(h, "%s %d\n", name, len(b))
			h.Write(b)
		}
	}
	for _, f := range []string{"go.mod", "go.sum", "go.work", "go.work.sum"} {
		if fh, err := os.Open(filepath.Join(root, f)); err == nil {
			_, _ = io.Copy(h, fh)
			_ = fh.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
