//go:build !unix

package sfnlocal

import "os/exec"

// ownGroup leaves cmd as it is where there are no process groups: cancelling it kills the
// process only.
func ownGroup(cmd *exec.Cmd) {}
