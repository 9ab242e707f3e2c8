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
	// section (orchestration, compute, data or observability).
	Item    string         `json:"item"`
	Section string         `json:"section"`
	Before  CostItemFigure `json:"before"`
	After   CostItemFigure `json:"after"`
	// Delta is the cost after minus the cost before.
	Delta float64 `json:"delta"`
}

// CostItemFigure is a request type's count and cost (zero when a side does not list it).
type CostItemFigure struct {
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
	return changes(base.Cost, head.Cost, func(x *Cost) string { return x.Name },
		func(x, y *Cost) bool {
			if figures(x) != figures(y) {
				return false
			}
			items, _, _ := compareItems(itemsOf(x), itemsOf(y))
			for _, it := range items {
				if it.Before != it.After {
					return false
				}
			}
			return true
		},
		func(n string, b, h *Cost) CostChange {
			x, y := figures(b), figures(h)
			items, largestBefore, largestAfter := compareItems(itemsOf(b), itemsOf(h))
			return CostChange{Name: n, Before: x, After: y, Delta: CostFigures{
				PerRun: y.PerRun - x.PerRun, PerMonth: y.PerMonth - x.PerMonth, PerMillionItems: y.PerMillionItems - x.PerMillionItems},
				Items: items, LargestBefore: largestBefore, LargestAfter: largestAfter}
		})
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
		get(it).Before = CostItemFigure{Count: it.Count, Cost: it.Cost}
	}
	for _, it := range after {
		get(it).After = CostItemFigure{Count: it.Count, Cost: it.Cost}
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
// written before it itemised, the same items rebuilt from its usage and prices (what this
// version of the cost model would have listed).
func itemsOf(c *Cost) []cost.Item {
	if c == nil || c.PerMillionItems == nil {
		return nil
	}
	s := c.PerMillionItems
	if len(s.Items) > 0 {
		return s.Items
	}
	var out []cost.Item
	add := func(name, fn, section string, count, price float64) {
		out = append(out, cost.Item{Name: name, Function: fn, Section: section, Count: count, Cost: round6(count * price)})
	}
	number := func(m map[string]any, key string) float64 { v, _ := m[key].(float64); return v }
	for _, u := range fromUsage {
		if u.name == "lambda" {
			fns, _ := s.Usage["lambda"].([]any)
			for _, l := range fns {
				l, _ := l.(map[string]any)
				fn, _ := l["function"].(string)
				gbs := c.Prices["lambdaGBSecondX86"]
				if l["architecture"] == "arm64" {
					gbs = c.Prices["lambdaGBSecondArm64"]
				}
				add(cost.ItemLambdaRequests, fn, cost.SectionOrchestration, number(l, "invocations"), c.Prices["lambdaRequest"])
				add(cost.ItemLambdaGBSeconds, fn, cost.SectionCompute, number(l, "gbSeconds"), gbs)
			}
			continue
		}
		add(u.name, "", u.section, number(s.Usage, u.usage)/u.per, c.Prices[u.price])
	}
	return out
}

// fromUsage are components/cost's items by the usage and price fields of cost.json they count
// and cost (per units of the usage field make one count), in the model's order; "lambda"
// stands for each function's requests and GB-seconds.
var fromUsage = []struct {
	name, section, usage, price string
	per                         float64
}{
	{cost.ItemStateTransitions, cost.SectionOrchestration, "stateTransitions", "standardTransition", 1},
	{cost.ItemExpressRequests, cost.SectionOrchestration, "expressRequests", "expressRequest", 1},
	{cost.ItemExpressGBSeconds, cost.SectionOrchestration, "expressGBSeconds", "expressGBSecond", 1},
	{"lambda", "", "", "", 1},
	{cost.ItemS3Put, cost.SectionData, "s3PutRequests", "s3Put", 1},
	{cost.ItemS3Get, cost.SectionData, "s3GetRequests", "s3Get", 1},
	{cost.ItemSqsRequests, cost.SectionData, "sqsRequests", "sqsRequest", 1},
	{cost.ItemS3Events, cost.SectionData, "s3Events", "", 1}, // free
	{cost.ItemLogsIngested, cost.SectionObservability, "logBytes", "logsIngestedGB", 1e9},
	{cost.ItemXRayTraces, cost.SectionObservability, "traces", "xrayTrace", 1},
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
