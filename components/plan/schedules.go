package plan

import (
	"path/filepath"
	"time"

	"github.com/skeinhq/skein/components/schedule/cron"
)

// scheduleType is the Pulumi type of the schedules schedules.json lists.
const scheduleType = "aws:scheduler/schedule:Schedule"

// FireTimes is how many fire times schedules.json lists per schedule.
const FireTimes = 5

// SchedulesFile is schedules.json.
type SchedulesFile struct {
	// Reference is the instant the fire times follow (RFC 3339, UTC).
	Reference string `json:"reference"`
	// Schedules are sorted by logical name.
	Schedules []Schedule `json:"schedules"`
}

// Schedule is one schedule in schedules.json.
type Schedule struct {
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

// MarshalSchedules renders schedules.json for every EventBridge Scheduler schedule in the plan,
// with fire times after ref: indented, sorted by name, with a trailing newline.
func (p *Plan) MarshalSchedules(ref time.Time) ([]byte, error) {
	f := SchedulesFile{Reference: ref.UTC().Format(time.RFC3339), Schedules: []Schedule{}}
	for _, r := range p.OfType(scheduleType) {
		s := scheduleOf(r)
		next, err := s.fireTimes(ref, FireTimes)
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
	return MarshalArtifact(f)
}

// scheduleOf reads an EventBridge Scheduler schedule as sent to AWS, Scheduler's defaults
// applied, with no fire times yet. schedules.json and cost.json read schedules with it.
func scheduleOf(r *Resource) Schedule {
	s := Schedule{
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
		s.State = "ENABLED" // Scheduler's default
	}
	return s
}

// fireTimes are the schedule's first fire times after ref, at most most of them.
func (s Schedule) fireTimes(ref time.Time, most int) ([]time.Time, error) {
	return cron.FireTimes(s.Expression, s.TimeZone, s.StartDate, s.EndDate, ref, most)
}

// WriteSchedules writes dir/schedules.json (see MarshalSchedules) with fire times after
// [Reference]. The file is only rewritten when its content changes.
func (p *Plan) WriteSchedules(dir string) error {
	b, err := p.MarshalSchedules(Reference())
	if err != nil {
		return err
	}
	return WriteFile(filepath.Join(dir, "schedules.json"), b)
}
