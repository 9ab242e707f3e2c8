// Package ci holds the checks of the repository's GitHub workflows (.github/workflows): actions
// pinned by commit, checkouts that keep no credentials, and previews that run the pull
// request's code only with read-only roles inside GitHub environments. actionlint checks their
// syntax (make lint).
package ci
