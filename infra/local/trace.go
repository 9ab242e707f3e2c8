package local

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// Trace is one device's log lines: every line of the handlers' logs (Options.Log) whose
// correlation id is one of the device's item ids (pipeline.ItemCorrelation: the execution and
// the item), from the export (the vendor worker) and from the transform alike.
type Trace struct {
	Device string
	// IDs are the device's correlation ids, in the order they first appear (one per execution
	// or refetch that handled it).
	IDs []string
	// Lines are the lines carrying one of IDs, in log order.
	Lines [][]byte
	// Functions counts the lines by the function that logged them ("vendor", "transform").
	Functions map[string]int
}

// TraceDevice reads JSON log lines and returns the device's trace. Lines that are not JSON, and
// lines about other devices, are skipped.
func TraceDevice(logs []byte, device string) Trace {
	tr := Trace{Device: device, Functions: map[string]int{}}
	type line struct {
		raw []byte
		id  string
		fn  string
	}
	var lines []line
	for _, l := range bytes.Split(logs, []byte("\n")) {
		var m struct {
			CorrelationID string `json:"correlationId"`
			Function      string `json:"function"`
		}
		if len(l) == 0 || json.Unmarshal(l, &m) != nil || m.CorrelationID == "" {
			continue
		}
		lines = append(lines, line{l, m.CorrelationID, m.Function})
		// an item id ends with /<group>/<device>
		if strings.HasSuffix(m.CorrelationID, "/"+device) && !slices.Contains(tr.IDs, m.CorrelationID) {
			tr.IDs = append(tr.IDs, m.CorrelationID)
		}
	}
	for _, l := range lines {
		if slices.Contains(tr.IDs, l.id) {
			tr.Lines = append(tr.Lines, l.raw)
			tr.Functions[l.fn]++
		}
	}
	return tr
}
