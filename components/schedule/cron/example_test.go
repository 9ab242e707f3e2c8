package cron_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/skeinhq/skein/components/schedule/cron"
)

func ExampleParse() {
	e, err := cron.Parse("cron(0 18 ? * mon-fri *)")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Kind(), e)

	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) // a Friday
	for i := 0; i < 3; i++ {
		at, _ = e.Next(at, nil)
		fmt.Println(at.Format(time.RFC1123))
	}
	// Output:
	// cron cron(0 18 ? * MON-FRI *)
	// Fri, 27 Nov 2026 18:00:00 UTC
	// Mon, 30 Nov 2026 18:00:00 UTC
	// Tue, 01 Dec 2026 18:00:00 UTC
}

func ExampleParse_errors() {
	_, err := cron.Parse("cron(0 10 * * MON *)")
	var e *cron.Error
	if errors.As(err, &e) {
		fmt.Println(e.Field+":", e.Rule)
	}

	_, err = cron.Parse("rate(1 hours)")
	fmt.Println(err)
	// Output:
	// day-of-month: day-of-month and day-of-week cannot both be set; put ? in one of them (day-of-week is "MON")
	// schedule expression: rate unit "hours": a value of 1 takes the singular unit (hour)
}

// A wall-clock time skipped when clocks move forward does not fire that day.
func ExampleExpression_Next_daylightSaving() {
	loc, err := cron.LoadLocation("America/New_York")
	if err != nil {
		log.Fatal(err)
	}
	e, _ := cron.Parse("cron(30 2 * * ? *)")
	at := time.Date(2026, 3, 7, 12, 0, 0, 0, loc)
	for i := 0; i < 2; i++ {
		at, _ = e.Next(at, loc)
		fmt.Println(at.Format(time.RFC3339))
	}
	// Output:
	// 2026-03-09T02:30:00-04:00
	// 2026-03-10T02:30:00-04:00
}

// A rate() schedule runs from its start date.
func ExampleExpression_NextFrom() {
	e, _ := cron.Parse("rate(90 minutes)")
	start := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	next, _ := e.NextFrom(start, time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), time.UTC)
	fmt.Println(next.Format(time.RFC3339))
	// Output: 2026-11-23T09:00:00Z
}
