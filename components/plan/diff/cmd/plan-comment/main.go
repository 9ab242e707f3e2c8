// Command plan-comment posts the plan diffs of a pull request's stages as one comment, and
// updates that comment in place on every push: the pull-request-comment workflow runs it after
// the pull-request workflow uploaded each stage's diff.md.
//
//	plan-comment -repo owner/name -pr 42 -head-sha <sha> -dir diffs
//
// -dir holds one folder per stage (plan-diff-<stage>/diff.md, as the workflow's artifacts
// download). -pr zero reads the number from a folder's pull-request file, which the planning
// job wrote: it comes from the pull request's own run, so with -head-sha the command checks
// that the pull request's head is that commit before writing anything. The comment is found
// by diff.Marker among the comments of -author. GITHUB_TOKEN authenticates; -api (zero:
// $GITHUB_API_URL, else https://api.github.com) is the REST API's base URL.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skeinhq/skein/components/plan/diff"
)

func main() { os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr)) }

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan-comment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", getenv("GITHUB_REPOSITORY"), "owner/name of the repository")
	pr := fs.Int("pr", 0, "the pull request's number; zero reads -dir/*/pull-request")
	headSHA := fs.String("head-sha", "", "the commit the diffs were planned at; when set, the pull request's head must be it")
	dir := fs.String("dir", "diffs", "one folder per stage, each with diff.md (folder plan-diff-<stage> names stage <stage>)")
	api := fs.String("api", "", "the REST API's base URL; zero means $GITHUB_API_URL, else https://api.github.com")
	author := fs.String("author", "github-actions[bot]", "the login whose comment carries the marker")
	moreAt := fs.String("more-at", "", "where the full diffs are (the workflow run's URL), named when the comment is cut")
	dryRun := fs.Bool("dry-run", false, "print the comment instead of posting it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		_, _ = fmt.Fprintln(stderr, "plan-comment:", err)
		return 1
	}
	stages, number, err := readStages(*dir)
	if err != nil {
		return fail(err)
	}
	if *pr == 0 {
		*pr = number
	}
	body := diff.Comment(stages, diff.MaxComment, *moreAt)
	if *dryRun {
		_, _ = io.WriteString(stdout, body)
		return 0
	}
	if *pr <= 0 {
		return fail(errors.New("no pull request number: give -pr or a pull-request file"))
	}
	owner, name, ok := strings.Cut(*repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return fail(fmt.Errorf("-repo %q: want owner/name", *repo))
	}
	base := *api
	if base == "" {
		base = getenv("GITHUB_API_URL")
	}
	if base == "" {
		base = "https://api.github.com"
	}
	token := getenv("GITHUB_TOKEN")
	if token == "" {
		return fail(errors.New("GITHUB_TOKEN is not set"))
	}
	c := &client{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
	repoPath := "/repos/" + owner + "/" + name
	if *headSHA != "" {
		var p struct {
			Head struct {
				SHA string `json:"sha"`
			} `json:"head"`
		}
		if _, err := c.do("GET", fmt.Sprintf("%s/pulls/%d", repoPath, *pr), nil, &p); err != nil {
			return fail(err)
		}
		if p.Head.SHA != *headSHA {
			return fail(fmt.Errorf("pull request #%d's head is %s, not %s (the diffs were planned at): not posting", *pr, p.Head.SHA, *headSHA))
		}
	}
	id, err := c.findComment(fmt.Sprintf("%s/issues/%d/comments?per_page=100", repoPath, *pr), *author)
	if err != nil {
		return fail(err)
	}
	payload := map[string]string{"body": body}
	if id != 0 {
		if _, err := c.do("PATCH", fmt.Sprintf("%s/issues/comments/%d", repoPath, id), payload, nil); err != nil {
			return fail(err)
		}
		_, _ = fmt.Fprintf(stdout, "plan-comment: updated comment %d on #%d (%d characters)\n", id, *pr, len([]rune(body)))
		return 0
	}
	var created struct {
		ID int64 `json:"id"`
	}
	if _, err := c.do("POST", fmt.Sprintf("%s/issues/%d/comments", repoPath, *pr), payload, &created); err != nil {
		return fail(err)
	}
	_, _ = fmt.Fprintf(stdout, "plan-comment: created comment %d on #%d (%d characters)\n", created.ID, *pr, len([]rune(body)))
	return 0
}

// readStages reads dir/<folder>/diff.md, sorted by stage, and the pull request's number from
// the first pull-request file.
func readStages(dir string) ([]diff.Stage, int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, err
	}
	var stages []diff.Stage
	number := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		md, err := os.ReadFile(filepath.Join(dir, e.Name(), "diff.md"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		stages = append(stages, diff.Stage{Name: strings.TrimPrefix(e.Name(), "plan-diff-"), Markdown: string(md)})
		if raw, err := os.ReadFile(filepath.Join(dir, e.Name(), "pull-request")); err == nil && number == 0 {
			n, err := strconv.Atoi(strings.TrimSpace(string(raw)))
			if err != nil || n <= 0 {
				return nil, 0, fmt.Errorf("%s: not a pull request number", filepath.Join(dir, e.Name(), "pull-request"))
			}
			number = n
		}
	}
	if len(stages) == 0 {
		return nil, 0, fmt.Errorf("no */diff.md under %s", dir)
	}
	sort.Slice(stages, func(i, j int) bool { return stages[i].Name < stages[j].Name })
	return stages, number, nil
}

type client struct {
	base, token string
	http        *http.Client
}

// do calls the API at path (relative to base, or absolute for pagination links) and decodes the
// answer into out; it returns the response's headers.
func (c *client) do(method, path string, in, out any) (http.Header, error) {
	url := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		url = c.base + path
	}
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, strings.TrimSpace(string(raw)))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, url, err)
		}
	}
	return resp.Header, nil
}

var nextLink = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

// findComment pages through the pull request's comments (following the Link header) and
// returns the id of author's comment that carries the marker, or 0.
func (c *client) findComment(path, author string) (int64, error) {
	for page := 0; path != "" && page < 100; page++ {
		var comments []struct {
			ID   int64  `json:"id"`
			Body string `json:"body"`
			User struct {
				Login string `json:"login"`
			} `json:"user"`
		}
		h, err := c.do("GET", path, nil, &comments)
		if err != nil {
			return 0, err
		}
		for _, cm := range comments {
			if strings.Contains(cm.Body, diff.Marker) && (author == "" || cm.User.Login == author) {
				return cm.ID, nil
			}
		}
		path = ""
		if m := nextLink.FindStringSubmatch(h.Get("Link")); m != nil {
			if !strings.HasPrefix(m[1], c.base+"/") {
				return 0, fmt.Errorf("the next page %q is not under %s: not sending the token there", m[1], c.base)
			}
			path = m[1]
		}
	}
	return 0, nil
}
