package pipeline

import (
	"context"
	"log/slog"
	"sort"

	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/pipeline/layout"
	"github.com/skeinhq/skein/functions/vendorapi"
)

// DeviceLister lists the devices of a group (*vendorapi.Client).
type DeviceLister interface {
	Devices(ctx context.Context, groupID string) ([]Device, error)
}

// Device is a vendor device.
type Device = vendorapi.Device

// ListDevicesInput is one iteration of the inline Map over groups.
type ListDevicesInput struct {
	Group       Group  `json:"group"`
	Date        string `json:"date"`
	ExecutionID string `json:"executionId,omitempty"` // correlation id for the logs
}

// ListDevicesOutput is list-devices' result: where the group's items are, not the items (a
// group's items can exceed the 256 KiB payload limit).
type ListDevicesOutput struct {
	Group    Group     `json:"group"`
	Date     string    `json:"date"`
	Count    int       `json:"count"`
	Manifest ObjectRef `json:"manifest"`
}

// ListDevices is the list-devices handler: it lists every device of one group (all pages) and
// writes the group's manifest, a JSON array of Items sorted by device id, to
// layout.GroupManifest(date, group). Re-running overwrites the same key with the same bytes.
type ListDevices struct {
	Vendor DeviceLister
	Store  ObjectPutter
	Bucket string
	Log    *slog.Logger
}

// Handle implements the Lambda handler.
func (h *ListDevices) Handle(ctx context.Context, in ListDevicesInput) (*ListDevicesOutput, error) {
	log := logger(h.Log)
	if err := joinInput(ValidDate("date", in.Date), ValidID("group.id", in.Group.ID)); err != nil {
		log.ErrorContext(ctx, "invalid input", "error", err)
		return nil, err
	}
	ctx = logx.WithCorrelation(ctx, correlation(ctx, in.ExecutionID, "date="+in.Date+"/group="+in.Group.ID))
	devices, err := h.Vendor.Devices(ctx, in.Group.ID)
	if err != nil {
		log.ErrorContext(ctx, "listing devices failed", "group", in.Group.ID, "error", err, "errorName", errorName(err))
		return nil, err
	}
	items := make([]Item, 0, len(devices))
	ids := make([]string, len(devices))
	for i, d := range devices {
		ids[i] = d.ID
		items = append(items, Item{Date: in.Date, Group: in.Group.ID, Device: d.ID})
	}
	problems := checkIDs("devices", "the group's listing", ids)
	if err := joinInput(problems...); err != nil {
		log.ErrorContext(ctx, "the vendor sent unusable device ids", "group", in.Group.ID, "error", err)
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Device < items[j].Device })
	key := layout.GroupManifest(in.Date, in.Group.ID)
	n, err := putJSON(ctx, h.Store, h.Bucket, key, items, nil)
	if err != nil {
		log.ErrorContext(ctx, "writing the group manifest failed", "key", key, "error", err)
		return nil, err
	}
	log.InfoContext(ctx, "listed devices", "group", in.Group.ID, "devices", len(items), "manifest", key, "bytes", n)
	return &ListDevicesOutput{Group: in.Group, Date: in.Date, Count: len(items), Manifest: ObjectRef{Bucket: h.Bucket, Key: key}}, nil
}
