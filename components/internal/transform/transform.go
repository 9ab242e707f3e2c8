// Package transform applies the components' Transform hooks.
package transform

// Apply runs hook on args when hook is not nil, and returns args: the one way a component lets a
// Transform hook change a child's arguments, right before the child is created.
func Apply[A any](hook func(*A), args *A) *A {
	if hook != nil {
		hook(args)
	}
	return args
}
