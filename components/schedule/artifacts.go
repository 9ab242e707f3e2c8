package schedule

import (
	"path/filepath"
	"time"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/schedule/cron"
)

// ScheduleResourceType is the Pulumi type of the schedules WritePlanArtifacts reads.
const ScheduleResourceType = "aws:scheduler/schedule:Schedule"

// FireTimes is how many fire times schedules.json lists per schedule.
const FireTimes = 5

// PlanReference is the fixed instant schedules.json computes fire times after, so that `make
// plan` writes the same bytes on every run: 2026-01-01T00:00:00Z. A schedule with a StartDate
// fires no earlier than it; a rate() schedule without one is shown as if created at this instant.
// It also anchors the default MaxEventAge computation. Change it only with the plan's goldens.
var PlanReference = plan.Reference

// PlanFile is schedules.json.
type PlanFile struct {
	// Reference is the instant the fire times follow (RFC 3339, UTC).
	Reference string `json:"reference"`
	// Schedules are sorted by logical name.
	Schedules []PlanSchedule `json:"schedules"`
}

// PlanSchedule is one schedule in schedules.json.
type PlanSchedule struct {
	// Name is the logical (Pulumi) name; Group the schedule group's name.
	Name  string `json:"name"`
	Group string `json:"group"`
	// Expression, TimeZone and State are as sent to AWS.
	Expression string `json:"expression"`
	TimeZone   string `json:"timeZone"`
	State      string `json:"state"`
	// StartDate and EndDate are as sent to AWS, or omitted.
	StartDate string `json:"startDate,omitempty"`
	EndDate   string `json:"endDate,omitempty"`
	// Next are the next fire times after Reference, in TimeZone, RFC 3339 with the offset; fewer
	// than five when the schedule ends, empty when it never fires after Reference.
	Next []string `json:"next"`
	// Error says why no fire time could be computed (an expression sent unchecked).
	Error string `json:"error,omitempty"`
	// Warning says that the schedule never fires after the reference: a reviewer sees it in
	// the plan, beside the empty Next.
	Warning string `json:"warning,omitempty"`
}

// MarshalPlan renders schedules.json for every schedule in the plan, with fire times after ref:
// indented, sorted by name, with a trailing newline.
func MarshalPlan(p *plan.Plan, ref time.Time) ([]byte, error) {
	f := PlanFile{Reference: ref.UTC().Format(time.RFC3339), Schedules: []PlanSchedule{}}
	for _, r := range p.OfType(ScheduleResourceType) {
		s := PlanSchedule{
			Name:       r.Name,
			Group:      r.String("groupName"),
			Expression: r.String("scheduleExpression"),
			TimeZone:   r.String("scheduleExpressionTimezone"),
			State:      r.String("state"),
			StartDate:  r.String("startDate"),
			EndDate:    r.String("endDate"),
			Next:       []string{},
		}
		if s.TimeZone == "" {
			s.TimeZone = "UTC" // Scheduler's default when ScheduleExpressionTimezone is not set
		}
		if s.State == "" {
			s.State = string(StateEnabled) // Scheduler's default
		}
		next, err := FireTimesOf(s.Expression, s.TimeZone, s.StartDate, s.EndDate, ref, FireTimes)
		if err != nil {
			s.Error = err.Error()
		}
		for _, t := range next {
			s.Next = append(s.Next, t.Format(time.RFC3339))
		}
		if len(s.Next) == 0 && s.Error == "" {
			s.Warning = "never fires after " + f.Reference + ": check the expression, its years, EndDate and time zone"
		}
		f.Schedules = append(f.Schedules, s)
	}
	return plan.MarshalArtifact(f)
}

// FireTimesOf returns up to n fire times strictly after ref of an expression in a time zone,
// within the optional RFC 3339 start and end dates (end exclusive), in that time zone
// (cron.FireTimes).
func FireTimesOf(expr, tz, startDate, endDate string, ref time.Time, n int) ([]time.Time, error) {
	return cron.FireTimes(expr, tz, startDate, endDate, ref, n)
}

// A plan command of a program with schedules writes schedules.json.
func init() { plan.Register(plan.Writer{Name: "schedules.json", Write: WritePlanArtifacts}) }

// WritePlanArtifacts writes dir/schedules.json (see MarshalPlan) with fire times after
// PlanReference. The file is only rewritten when its content changes.
func WritePlanArtifacts(p *plan.Plan, dir string) error {
	b, err := MarshalPlan(p, PlanReference)
	if err != nil {
		return err
	}
	return plan.WriteFile(filepath.Join(dir, "schedules.json"), b)
}
