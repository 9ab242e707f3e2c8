package sfnlocal_test

import (
	"bytes"
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/skeinhq/skein/components/sfnlocal"
)

// Objects keep their document order everywhere: the input's members, a payload template's
// fields, wildcards over an object's members and descents (parents before children, members in
// order, as Jayway JsonPath returns them), JsonMerge, and the JSON written.
func TestDocumentOrder(t *testing.T) {
	e := mustEngine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
		"zeta.$":"$.in.z","alpha.$":"$.in.a","input.$":"$.in","wild.$":"$.obj.*","desc.$":"$..k","all.$":"$.tree..*",
		"merged.$":"States.JsonMerge($.m1, $.m2, false)","lit":{"y":1,"b":2}},"End":true}}}`, nil)
	in := `{"in":{"z":1,"a":2,"m":3},"obj":{"b":"B","a":"A","c":"C"},"k":1,"x":{"k":2,"y":[{"k":3}]},"w":{"k":4},` +
		`"tree":{"q":{"r":1},"p":[2]},"m1":{"s":1,"d":2},"m2":{"d":3,"c":4}}`
	out, err := e.Execute(context.Background(), []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"zeta":1,"alpha":2,"input":{"z":1,"a":2,"m":3},"wild":["B","A","C"],"desc":[1,2,3,4],` +
		`"all":[{"r":1},[2],1,2],"merged":{"s":1,"d":3,"c":4},"lit":{"y":1,"b":2}}`
	if string(out) != want {
		t.Errorf("output\n%s\nwant\n%s", out, want)
	}
	// Without Parameters the input goes through byte for byte.
	e = mustEngine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, nil)
	if out, err := e.Execute(context.Background(), []byte(in)); err != nil || string(out) != in {
		t.Errorf("pass-through gave %s %v, want the input", out, err)
	}
}

// The same definition and input give byte-identical output run after run, and the same
// history events (timestamps and generated ids aside): in the same order when nothing runs
// concurrently, as the same set when Map iterations and Parallel branches interleave.
func TestDeterministicRuns(t *testing.T) {
	const def = `{"StartAt":"Fan","States":{
		"Fan":{"Type":"Parallel","Branches":[
			{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":%d,
				"ItemSelector":{"idx.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k01":1,"k02":2,"k03":3,"k04":4,"k05":5,"k06":6,"k07":7,"k08":8,"k09":9,"k10":10,"k11":11,"k12":12,"k13":13},
				"ItemProcessor":{"StartAt":"C","States":{
					"C":{"Type":"Choice","Choices":[{"Variable":"$.idx","NumericLessThan":20,"Next":"Small"}],"Default":"Big"},
					"Small":{"Type":"Pass","Parameters":{"vals.$":"$.v.*","keys.$":"States.JsonToString($.v)","n.$":"$.idx"},"End":true},
					"Big":{"Type":"Pass","Parameters":{"deep.$":"$..b","n.$":"$.idx"},"End":true}}},
				"End":true}}}%s],
		"ResultSelector":{"maps.$":"$[0]","extra.$":"$[1:]"},"End":true}}}`
	var items strings.Builder
	items.WriteString(`{"items":[`)
	for i := 0; i < 40; i++ {
		if i > 0 {
			items.WriteByte(',')
		}
		items.WriteString(`{"z":` + strings.Repeat("1", i%5+1) + `,"a":{"b":"x","c":{"b":"y"}},"m":[{"b":` + strings.Repeat("2", i%3+1) + `}]}`)
	}
	items.WriteString(`]}`)
	input := []byte(items.String())
	mask := regexp.MustCompile(`"timestamp":"[^"]*"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|"(EnteredTime|StartTime)\\?":\\?"[^"\\]*\\?"`)
	run := func(t *testing.T, d string) (out []byte, events []string) {
		var log bytes.Buffer
		e := mustEngine(t, d, &sfnlocal.Options{EventLog: &log})
		out, _, err := e.ExecuteNamed(context.Background(), "run", input)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
			events = append(events, mask.ReplaceAllString(line, "*"))
		}
		return out, events
	}
	for _, tc := range []struct {
		name        string
		concurrency int
		branches    string
		ordered     bool
	}{
		{"sequential", 1, "", true},
		{"concurrent", 0, `,{"StartAt":"B","States":{"B":{"Type":"Pass","Parameters":{"w.$":"$.items[0].a.*"},"End":true}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := strings.Replace(strings.Replace(def, "%d", map[bool]string{true: "1", false: "0"}[tc.concurrency == 1], 1), "%s", tc.branches, 1)
			out0, ev0 := run(t, d)
			unordered := regexp.MustCompile(`"(id|previousEventId)":\d+`)
			if !tc.ordered {
				for j := range ev0 {
					ev0[j] = unordered.ReplaceAllString(ev0[j], "*")
				}
				sort.Strings(ev0)
			}
			for i := 0; i < 15; i++ {
				out, ev := run(t, d)
				if !bytes.Equal(out, out0) {
					t.Fatalf("run %d output differs:\n%s\n%s", i, out, out0)
				}
				if !tc.ordered {
					for j := range ev {
						ev[j] = unordered.ReplaceAllString(ev[j], "*")
					}
					sort.Strings(ev)
				}
				if strings.Join(ev, "\n") != strings.Join(ev0, "\n") {
					for j := range ev {
						if j >= len(ev0) || ev[j] != ev0[j] {
							t.Fatalf("run %d: event %d differs:\n%s\n%s", i, j, ev[j], ev0[min(j, len(ev0)-1)])
						}
					}
					t.Fatalf("run %d: %d events, first run %d", i, len(ev), len(ev0))
				}
			}
			// Map results in item order.
			if !strings.Contains(string(out0), `[{"vals":[1,{"b":"x","c":{"b":"y"}},[{"b":2}]],"keys":"{\"z\":1,\"a\":{\"b\":\"x\",\"c\":{\"b\":\"y\"}},\"m\":[{\"b\":2}]}","n":0}`) ||
				!strings.Contains(string(out0), `{"deep":["x","y",2],"n":21}`) {
				t.Errorf("output %s", out0)
			}
		})
	}
}
