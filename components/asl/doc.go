// Package asl decodes Amazon States Language definitions (the JSONPath query language) into plain
// Go types, once, for every part of skein that reads one: the local engine (sfnlocal), the cost
// model (cost), the plan's Mermaid graph (plan.Mermaid) and the plan diff's state list
// (plan/diff). It decodes and does not judge: each reader checks what it relies on, with its
// own words.
//
// Free-form JSON (Parameters, ResultSelector, ItemSelector, Result, Arguments, a Choice rule,
// BatchInput) stays as written ([encoding/json.RawMessage]), so that a reader can keep the
// order of its members; numbers are float64, so that a reader can tell 1.5 from 1; path fields
// tell absent from null ([Path]). A state that cannot be decoded does not fail the definition:
// its [State.Err] says why, so that a reader can report every bad state at once.
//
// Specification: https://states-language.net/spec.html and
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html.
package asl
