package pipeline

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/skeinhq/skein/components/schedule/cron"
	"github.com/skeinhq/skein/functions/logx"
)

// GroupLister lists the vendor's groups (*vendorapi.Client).
type GroupLister interface {
	Groups(ctx context.Context) ([]Group, error)
}

// RunInput is the export workflow's input, as a schedule or an operator sends it. Every field is
// optional.
type RunInput struct {
	// Date is the run date, yyyy-mm-dd. It wins over Time.
	Date string `json:"date,omitempty"`
	// Time is an RFC 3339 instant, e.g. EventBridge Scheduler's <aws.scheduler.scheduled-time>;
	// the run date is its calendar date in TimeZone.
	Time string `json:"time,omitempty"`
	// TimeZone is the IANA zone Time (or now) is read in. Empty means UTC.
	TimeZone string `json:"timeZone,omitempty"`
	// DaysBack is subtracted from the date found from Time or now (1 exports yesterday), 0..366.
	// Zero means the same day. Not applied to an explicit Date.
	DaysBack int `json:"daysBack,omitempty"`
	// ExecutionID is the workflow execution's id ($$.Execution.Id), used as the correlation id
	// of the log lines. Empty means "date=<run date>".
	ExecutionID string `json:"executionId,omitempty"`
	// SkipExisting re-runs the day fetching only the devices without an ok record in the day's
	// raw parts (the ones that failed, captured under failed/ or in ResultWriter files): it is
	// passed on in the
	// output, to merge-manifests and the Distributed Map's BatchInput. Zero means fetch all.
	SkipExisting bool `json:"skipExisting,omitempty"`
}

// MaxDaysBack bounds RunInput.DaysBack.
const MaxDaysBack = 366

// RunDate resolves the run date: Date as given; else Time's (or now's) calendar date in
// TimeZone, minus DaysBack days. Every problem is reported at once as an *InputError.
func (in RunInput) RunDate(now time.Time) (string, error) {
	var errs []error
	loc := time.UTC
	if in.TimeZone != "" {
		l, err := cron.LoadLocation(in.TimeZone)
		if err != nil {
			errs = append(errs, inputError("timeZone", "must be an IANA time zone name such as Europe/Berlin", in.TimeZone))
		} else {
			loc = l
		}
	}
	if in.DaysBack < 0 || in.DaysBack > MaxDaysBack {
		errs = append(errs, inputError("daysBack", "must be 0..366", strconv.Itoa(in.DaysBack)))
	}
	if in.Date != "" {
		errs = append(errs, ValidDate("date", in.Date))
		if err := joinInput(errs...); err != nil {
			return "", err
		}
		return in.Date, nil
	}
	t := now
	if in.Time != "" {
		pt, err := time.Parse(time.RFC3339, in.Time)
		if err != nil {
			errs = append(errs, inputError("time", "must be an RFC 3339 time such as 2026-11-23T02:00:00Z", in.Time))
		}
		t = pt
	}
	if err := joinInput(errs...); err != nil {
		return "", err
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d-in.DaysBack, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), nil
}

// ListGroupsOutput is list-groups' result.
type ListGroupsOutput struct {
	Date   string  `json:"date"`
	Groups []Group `json:"groups"`
	// SkipExisting is RunInput.SkipExisting, always present so that later states can read it.
	SkipExisting bool `json:"skipExisting"`
}

// ListGroups is the list-groups handler: it resolves the run date and lists the vendor's groups.
type ListGroups struct {
	Vendor GroupLister
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives the handler's lines; nil means none.
	Log *slog.Logger
}

// Handle implements the Lambda handler.
func (h *ListGroups) Handle(ctx context.Context, in RunInput) (*ListGroupsOutput, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	log := logger(h.Log)
	date, err := in.RunDate(now())
	if err != nil {
		log.ErrorContext(ctx, "invalid input", "error", err)
		return nil, err
	}
	ctx = logx.WithCorrelation(ctx, correlation(ctx, in.ExecutionID, "date="+date))
	groups, err := h.Vendor.Groups(ctx)
	if err != nil {
		log.ErrorContext(ctx, "listing groups failed", "date", date, "error", err, "errorName", errorName(err))
		return nil, err
	}
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	problems := checkIDs("groups", "the vendor's listing", ids)
	if err := joinInput(problems...); err != nil {
		log.ErrorContext(ctx, "the vendor sent unusable group ids", "error", err)
		return nil, err
	}
	if groups == nil {
		groups = []Group{}
	}
	out := &ListGroupsOutput{Date: date, Groups: groups, SkipExisting: in.SkipExisting}
	if err := fitsPayload(out, "list fewer groups per execution"); err != nil {
		log.ErrorContext(ctx, "result too large", "error", err)
		return nil, err
	}
	log.InfoContext(ctx, "listed groups", "date", date, "groups", len(groups))
	return out, nil
}

func fitsPayload(v any, hint string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > MaxPayloadBytes {
		return &PayloadTooLargeError{Bytes: len(b), Limit: MaxPayloadBytes, Hint: hint}
	}
	return nil
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return logx.Discard()
	}
	return l
}

// correlation keeps a correlation id already on ctx (set by the caller, e.g. from the execution
// id) and otherwise uses the first non-empty id.
func correlation(ctx context.Context, ids ...string) string {
	if id := logx.Correlation(ctx); id != "" {
		return id
	}
	for _, id := range ids {
		if id != "" {
			return id
		}
	}
	return ""
}
