package sfnlocal

import (
	"encoding/json"
	"math"
	"testing"
)

// The hand-written encoder must produce the same JSON values as encoding/json (which sorts
// object keys where ours keeps document order: the values are compared, not the bytes).
func FuzzMarshalMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x\u0001\"\\\n",null,true]}`, `"\u2028 é \t"`, `1e21`, `1e-7`, `-0.000001`, `123456789012345678`, `{"b":{"c":[]},"a":{}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		v, err := parseJSON([]byte(doc))
		if err != nil {
			return
		}
		ours, err := marshalJSON(v)
		if err != nil {
			return
		}
		std, err := json.Marshal(toGo(v))
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if json.Unmarshal(ours, &a) != nil {
			t.Fatalf("our encoding of %q is not JSON: %s", doc, ours)
		}
		_ = json.Unmarshal(std, &b)
		if string(mustStd(a)) != string(mustStd(b)) {
			t.Fatalf("%q: ours %s, encoding/json %s", doc, ours, std)
		}
	})
}

func mustStd(v any) []byte { b, _ := json.Marshal(v); return b }

func TestAppendFloatLikeEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -1.5, 1e20, 1e21, 1.5e-7, 1e-6, 123.456, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1 + 0.2} {
		ours, _ := appendFloat(nil, f)
		std, _ := json.Marshal(f)
		if string(ours) != string(std) {
			t.Errorf("%v: ours %s, encoding/json %s", f, ours, std)
		}
	}
}
