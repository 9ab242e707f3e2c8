package cron

import (
	"fmt"
	"strings"
	"sync"
	"time"

	// The embedded IANA time zone database: LoadLocation works on machines without one (such as
	// scratch containers and CI images) and gives the same answer everywhere the system has none.
	_ "time/tzdata"
)

// MaxTimeZoneLength is the longest ScheduleExpressionTimezone EventBridge Scheduler accepts.
const MaxTimeZoneLength = 50

// LoadLocation checks an IANA time zone name (such as "Europe/Berlin" or "UTC") as
// EventBridge Scheduler's ScheduleExpressionTimezone and returns its location. It rejects what
// AWS rejects and Go would accept: the empty name (Go: UTC), "Local" (the machine's zone, which
// is not a zone name), and names longer than 50 characters. The name is case-sensitive, as in
// the IANA database.
func LoadLocation(name string) (*time.Location, error) {
	bad := func(rule string) error { return &Error{Field: "time zone", Value: name, Rule: rule} }
	switch {
	case name == "":
		return nil, bad("must be an IANA time zone name such as UTC or America/New_York, got an empty name")
	case len(name) > MaxTimeZoneLength:
		return nil, bad(fmt.Sprintf("must be at most %d characters, got %d", MaxTimeZoneLength, len(name)))
	case name == "Local":
		return nil, bad("\"Local\" is the machine's zone, not an IANA time zone name")
	case strings.ContainsAny(name, " \\") || strings.HasPrefix(name, "/") || strings.Contains(name, ".."):
		return nil, bad("must be an IANA time zone name such as UTC or America/New_York")
	}
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, bad("is not in the IANA time zone database (names are case-sensitive, such as Europe/London)")
	}
	// One *time.Location per name (time.LoadLocation makes a new one at each call), so that the
	// offset table Next builds for a location (zonetable.go) is built once per zone.
	loc2, _ := locations.LoadOrStore(name, loc)
	return loc2.(*time.Location), nil
}

// locations caches LoadLocation's answers by name; a *time.Location is immutable.
var locations sync.Map
