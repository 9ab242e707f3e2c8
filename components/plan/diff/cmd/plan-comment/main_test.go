package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/skeinhq/skein/components/plan/diff"
)

// github is a stand-in for the part of GitHub's REST API the command uses: a pull request's
// head, its comments (two per page, with Link headers as GitHub sends them), creating and
// editing a comment. It checks the token on every call.
type github struct {
	mu       sync.Mutex
	url      string
	headSHA  string
	comments []comment
	nextID   int64
	calls    []string
}

type comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
	User struct {
		Login string `json:"login"`
	} `json:"user"`
}

func (g *github) add(login, body string) {
	g.nextID++
	c := comment{ID: g.nextID, Body: body}
	c.User.Login = login
	g.comments = append(g.comments, c)
}

func (g *github) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer t0ken" {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	const repo = "/repos/skeinhq/skein"
	path := strings.TrimPrefix(r.URL.Path, repo)
	var in struct {
		Body string `json:"body"`
	}
	if r.Method == "POST" || r.Method == "PATCH" {
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if n := utf8.RuneCountInString(in.Body); n > 65536 {
			http.Error(w, `{"message":"Validation Failed","errors":[{"field":"body","code":"custom","message":"body is too long (maximum is 65536 characters)"}]}`, http.StatusUnprocessableEntity)
			return
		}
	}
	switch {
	case r.Method == "GET" && path == "/pulls/7":
		_ = json.NewEncoder(w).Encode(map[string]any{"number": 7, "head": map[string]string{"sha": g.headSHA}})
	case r.Method == "GET" && path == "/issues/7/comments":
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		lo, hi := (page-1)*2, page*2
		if lo > len(g.comments) {
			lo = len(g.comments)
		}
		if hi > len(g.comments) {
			hi = len(g.comments)
		}
		if hi < len(g.comments) {
			w.Header().Set("Link", fmt.Sprintf(`<%s%s/issues/7/comments?per_page=2&page=%d>; rel="next", <%s%s/issues/7/comments?per_page=2&page=%d>; rel="last"`,
				g.url, repo, page+1, g.url, repo, (len(g.comments)+1)/2))
		}
		_ = json.NewEncoder(w).Encode(g.comments[lo:hi])
	case r.Method == "POST" && path == "/issues/7/comments":
		g.add("github-actions[bot]", in.Body)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(g.comments[len(g.comments)-1])
	case r.Method == "PATCH" && strings.HasPrefix(path, "/issues/comments/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(path, "/issues/comments/"), 10, 64)
		for i := range g.comments {
			if g.comments[i].ID == id {
				g.comments[i].Body = in.Body
				_ = json.NewEncoder(w).Encode(g.comments[i])
				return
			}
		}
		http.NotFound(w, r)
	default:
		http.NotFound(w, r)
	}
}

func stageDirs(t *testing.T, mds map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for stage, md := range mds {
		d := filepath.Join(dir, "plan-diff-"+stage)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "diff.md"), []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "pull-request"), []byte("7\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func post(t *testing.T, g *github, dir string) (int, string) {
	t.Helper()
	env := map[string]string{"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": "skeinhq/skein", "GITHUB_API_URL": g.url}
	var out, errb bytes.Buffer
	code := run([]string{"-dir", dir, "-head-sha", "abc"}, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String() + errb.String()
}

// The first push creates the comment; the next one edits the same comment, found on the
// second page of comments, and leaves the others alone, a stranger's copy of the marker too.
func TestCreateThenUpdateTheSameComment(t *testing.T) {
	g := &github{headSHA: "abc"}
	srv := httptest.NewServer(g)
	defer srv.Close()
	g.url = srv.URL
	g.add("alice", "looks good")
	g.add("mallory", diff.Marker+" not the bot's")
	g.add("bob", "one more thing")

	code, out := post(t, g, stageDirs(t, map[string]string{"dev": "### Stage `dev`\n\nNo changes\n", "prod": "### Stage `prod`\n\nfirst\n"}))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if len(g.comments) != 4 || g.comments[3].User.Login != "github-actions[bot]" {
		t.Fatalf("comments %+v", g.comments)
	}
	first := g.comments[3]
	if !strings.HasPrefix(first.Body, diff.Marker) || strings.Index(first.Body, "`dev`") > strings.Index(first.Body, "`prod`") {
		t.Errorf("body %q", first.Body)
	}
	g.add("alice", "pushed again?")

	code, out = post(t, g, stageDirs(t, map[string]string{"dev": "### Stage `dev`\n\nNo changes\n", "prod": "### Stage `prod`\n\nsecond\n"}))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if len(g.comments) != 5 {
		t.Fatalf("a second comment was created: %+v", g.comments)
	}
	if g.comments[3].ID != first.ID || !strings.Contains(g.comments[3].Body, "second") || strings.Contains(g.comments[3].Body, "first") {
		t.Errorf("comment %d not updated in place: %+v", first.ID, g.comments[3])
	}
	if g.comments[1].Body != diff.Marker+" not the bot's" {
		t.Errorf("a stranger's comment was edited: %q", g.comments[1].Body)
	}
	want := "PATCH /repos/skeinhq/skein/issues/comments/" + strconv.FormatInt(first.ID, 10)
	if last := g.calls[len(g.calls)-1]; last != want {
		t.Errorf("last call %q, want %q", last, want)
	}
}

// A pull-request file from the planning run names a pull request whose head is another commit:
// nothing is written.
func TestRefusesAnotherPullRequest(t *testing.T) {
	g := &github{headSHA: "def"}
	srv := httptest.NewServer(g)
	defer srv.Close()
	g.url = srv.URL
	code, out := post(t, g, stageDirs(t, map[string]string{"dev": "x\n"}))
	if code == 0 || !strings.Contains(out, "not posting") || len(g.comments) != 0 {
		t.Errorf("exit %d, %s, comments %+v", code, out, g.comments)
	}
}

// Diffs too long for one comment are cut to GitHub's limit, which the stand-in enforces as
// GitHub does, and the comment says what was cut.
func TestCutsToGitHubsLimit(t *testing.T) {
	g := &github{headSHA: "abc"}
	srv := httptest.NewServer(g)
	defer srv.Close()
	g.url = srv.URL
	big := "### Stage `prod`\n\n#### State machine `export` (changed)\n\n```mermaid\nflowchart TD\n" +
		strings.Repeat("  s1[\"é\"]\n", 3000) + "```\n\n<details><summary>Definition diff (1 lines)</summary>\n\n```diff\n" +
		strings.Repeat("+ line\n", 8000) + "```\n\n</details>\n\n#### IAM\n\n" + strings.Repeat("| ➕ | row |\n", 8000)
	code, out := post(t, g, stageDirs(t, map[string]string{"dev": "### Stage `dev`\n\nNo changes\n", "prod": big}))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	body := g.comments[0].Body
	if n := utf8.RuneCountInString(body); n > diff.MaxComment {
		t.Errorf("%d characters", n)
	}
	for _, want := range []string{"No changes", "the definition diffs of stage prod (export)", "the graphs of stage prod (export)", "characters of stage prod", "Cut to stay within"} {
		if !strings.Contains(body, want) {
			t.Errorf("comment lacks %q; it ends:\n%s", want, body[len(body)-600:])
		}
	}
}

func TestDryRunNeedsNoToken(t *testing.T) {
	var out bytes.Buffer
	code := run([]string{"-dir", stageDirs(t, map[string]string{"dev": "### Stage `dev`\n\nNo changes\n"}), "-dry-run"},
		func(string) string { return "" }, &out, io.Discard)
	if code != 0 || !strings.HasPrefix(out.String(), diff.Marker) {
		t.Errorf("exit %d: %s", code, out.String())
	}
}
