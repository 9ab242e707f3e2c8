package sfnlocal

import (
	"testing"

	"github.com/ohler55/ojg/jp"
)

// The direct walk of simple paths finds what ojg's FirstFound finds.
func TestSimplePathWalkMatchesOJG(t *testing.T) {
	doc, err := parseJSON([]byte(`{"a":{"b":[10,{"c":"x"},null]},"list":[1,2,3],"sp ace":{"k":true},"n":null,"s":"str"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"$.a", "$.a.b", "$.a.b[0]", "$.a.b[1].c", "$.a.b[2]", "$.a.b[3]", "$.a.b[-1]", "$.a.b[-3]", "$.a.b[-4]",
		"$.list[1]", "$['sp ace'].k", "$['a']['b'][1]['c']", "$.n", "$.n.x", "$.s.x", "$.s[0]", "$.missing", "$.a.missing.deeper", "$.list.x"} {
		p, err := compilePath(src)
		if err != nil {
			t.Fatal(err)
		}
		if p.simple == nil {
			t.Errorf("%s: not walked directly", src)
			continue
		}
		x, _ := jp.ParseString(src)
		wantV, wantOK := x.FirstFound(doc)
		gotV, gotOK := walk(p.simple, doc)
		if gotOK != wantOK || !jsonEqual(gotV, wantV) {
			t.Errorf("%s: walk gives %v %v, ojg %v %v", src, gotV, gotOK, wantV, wantOK)
		}
	}
	for _, src := range []string{"$.a.*", "$..c", "$.list[0:2]", "$.list[?(@ > 1)]", "$.list[0,1]"} {
		if p, _ := compilePath(src); p.simple != nil {
			t.Errorf("%s: walked directly, but it is not a simple path", src)
		}
	}
}
