package diff

import (
	"math"
	"sort"

	"github.com/skeinhq/skein/components/cost"
)

// CostChange is a state machine whose cost changed: per run, per month and per million items,
// before, after and the difference (after minus before; a state machine added or removed
// counts as costing zero on the other side), and per million items by request type.
type CostChange struct {
	Name   string      `json:"name"`
	Before CostFigures `json:"before"`
	After  CostFigures `json:"after"`
	Delta  CostFigures `json:"delta"`
	// Items are the cost per million items by request type (cost.Item.Key), before and after,
	// every type either side lists with a count, sorted by the cost after, then before, largest
	// first.
	Items []CostItemChange `json:"items,omitempty"`
	// LargestBefore and LargestAfter name the costliest request type per million items.
	LargestBefore string `json:"largestBefore,omitempty"`
	LargestAfter  string `json:"largestAfter,omitempty"`
}

// CostFigures are a state machine's cost in USD. PerMillionItems is zero when the plan does not
// give it.
type CostFigures struct {
	PerRun          float64 `json:"perRun"`
	PerMonth        float64 `json:"perMonth"`
	PerMillionItems float64 `json:"perMillionItems"`
}

// CostItemChange is one request type's count and cost per million items, before and after.
type CostItemChange struct {
	// Item is the request type's cost.Item.Key ("s3Put", "lambdaGBSeconds:vendor"); Section its
	// section (orchestration, compute or data).
	Item    string   `json:"item"`
	Section string   `json:"section"`
	Before  CostItem `json:"before"`
	After   CostItem `json:"after"`
	// Delta is the cost after minus the cost before.
	Delta float64 `json:"delta"`
}

// CostItem is a request type's count and cost (zero when a side does not list it).
type CostItem struct {
	Count float64 `json:"count"`
	Cost  float64 `json:"cost"`
}

func figures(c *Cost) CostFigures {
	if c == nil {
		return CostFigures{}
	}
	f := CostFigures{PerRun: c.Run.Total, PerMonth: c.Month.Total}
	if c.PerMillionItems != nil {
		f.PerMillionItems = c.PerMillionItems.Total
	}
	return f
}

func compareCost(base, head *Plan) []CostChange {
	names, b, h := byName(base.Cost, head.Cost, func(c *Cost) string { return c.Name })
	var out []CostChange
	for _, n := range names {
		x, y := figures(b[n]), figures(h[n])
		items, largestBefore, largestAfter := compareItems(itemsOf(b[n]), itemsOf(h[n]))
		changed := false
		for _, it := range items {
			changed = changed || it.Before != it.After
		}
		if x == y && !changed && (b[n] == nil) == (h[n] == nil) {
			continue
		}
		out = append(out, CostChange{Name: n, Before: x, After: y, Delta: CostFigures{
			PerRun: y.PerRun - x.PerRun, PerMonth: y.PerMonth - x.PerMonth, PerMillionItems: y.PerMillionItems - x.PerMillionItems},
			Items: items, LargestBefore: largestBefore, LargestAfter: largestAfter})
	}
	return out
}

// compareItems pairs the items of two sides by key and names each side's largest.
func compareItems(before, after []cost.Item) (out []CostItemChange, largestBefore, largestAfter string) {
	byKey := map[string]*CostItemChange{}
	var keys []string
	get := func(it cost.Item) *CostItemChange {
		c := byKey[it.Key()]
		if c == nil {
			c = &CostItemChange{Item: it.Key(), Section: it.Section}
			byKey[it.Key()] = c
			keys = append(keys, it.Key())
		}
		return c
	}
	largest := func(items []cost.Item) string {
		best := cost.Item{}
		for _, it := range items {
			if it.Cost > best.Cost || (it.Cost == best.Cost && it.Cost > 0 && it.Key() < best.Key()) {
				best = it
			}
		}
		if best.Cost == 0 {
			return ""
		}
		return best.Key()
	}
	for _, it := range before {
		get(it).Before = CostItem{Count: it.Count, Cost: it.Cost}
	}
	for _, it := range after {
		get(it).After = CostItem{Count: it.Count, Cost: it.Cost}
	}
	for _, k := range keys {
		c := byKey[k]
		if c.Before.Count == 0 && c.After.Count == 0 {
			continue
		}
		c.Delta = c.After.Cost - c.Before.Cost
		out = append(out, *c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.After.Cost != b.After.Cost {
			return a.After.Cost > b.After.Cost
		}
		if a.Before.Cost != b.Before.Cost {
			return a.Before.Cost > b.Before.Cost
		}
		return a.Item < b.Item
	})
	return out, largest(before), largest(after)
}

// itemsOf is a state machine's items per million items: cost.json's own, or, for a cost.json
// written before it itemised, the same items computed from its usage and prices (what this
// version of the cost model would have listed).
func itemsOf(c *Cost) []cost.Item {
	if c == nil || c.PerMillionItems == nil {
		return nil
	}
	s := c.PerMillionItems
	if len(s.Items) > 0 {
		return s.Items
	}
	u, pr := s.Usage, c.Prices
	var out []cost.Item
	add := func(name, fn, section string, count, price float64) {
		out = append(out, cost.Item{Name: name, Function: fn, Section: section, Count: count, UnitPrice: price, Cost: round6(count * price)})
	}
	add(cost.ItemStateTransitions, "", cost.SectionOrchestration, u.StateTransitions, pr.StandardTransition)
	add(cost.ItemExpressRequests, "", cost.SectionOrchestration, u.ExpressRequests, pr.ExpressRequest)
	add(cost.ItemExpressGBSeconds, "", cost.SectionOrchestration, u.ExpressGBSeconds, pr.ExpressGBSecond)
	for _, l := range u.Lambda {
		gbs := pr.LambdaGBSecondX86
		if l.Architecture == "arm64" {
			gbs = pr.LambdaGBSecondArm64
		}
		add(cost.ItemLambdaRequests, l.Function, cost.SectionOrchestration, l.Invocations, pr.LambdaRequest)
		add(cost.ItemLambdaGBSeconds, l.Function, cost.SectionCompute, l.GBSeconds, gbs)
	}
	add(cost.ItemS3Put, "", cost.SectionData, u.S3PutRequests, pr.S3Put)
	add(cost.ItemS3Get, "", cost.SectionData, u.S3GetRequests, pr.S3Get)
	add(cost.ItemSQSRequests, "", cost.SectionData, u.SQSRequests, pr.SQSRequest)
	add(cost.ItemS3Events, "", cost.SectionData, u.S3Events, 0)
	add(cost.ItemLogsIngested, "", cost.SectionObservability, u.LogBytes/1e9, pr.LogsIngestedGB)
	add(cost.ItemXRayTraces, "", cost.SectionObservability, u.Traces, pr.XRayTrace)
	return out
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
