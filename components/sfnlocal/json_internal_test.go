package sfnlocal

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
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

// The parser accepts what encoding/json accepts and reads the same values (integers beyond
// int64 kept digit for digit, numbers beyond float64 refused).
func FuzzParseMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x\u0001\"\\\n",null,true]}`, `"\ud83d\ude00 \ud800"`, `12345678901234567890123`, `1.00000000000000000000001`,
		`-0.0`, `1e400`, `[1,]`, `01`, `{"a":1,"a":2}`, " \t[ ]\n", `{"k" : {"n":-1.5e-7}}`, `"\/"`, `tru`, "\"\x01\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		v, err := parseJSON([]byte(doc))
		var std any
		var stdErr error
		if !json.Valid([]byte(doc)) {
			stdErr = errors.New("not valid JSON")
		} else {
			d := json.NewDecoder(strings.NewReader(doc))
			d.UseNumber()
			stdErr = d.Decode(&std)
		}
		if (err == nil) != (stdErr == nil) {
			if err != nil && strings.Contains(err.Error(), "out of range") {
				return // encoding/json keeps 1e400 as a json.Number; AWS payloads cannot hold it either
			}
			t.Fatalf("%q: ours %v, encoding/json %v", doc, err, stdErr)
		}
		if err != nil {
			return
		}
		ours, _ := marshalJSON(v)
		var a, b any
		if json.Unmarshal(ours, &a) != nil {
			t.Fatalf("%q: our encoding %s is not JSON", doc, ours)
		}
		again, _ := json.Marshal(std)
		_ = json.Unmarshal(again, &b)
		if !reflect.DeepEqual(a, b) { // numbers as float64, so -0 (Jackson's 0) equals 0
			t.Fatalf("%q: ours %s, encoding/json %s", doc, ours, again)
		}
	})
}

func TestBigIntegersKeepTheirDigits(t *testing.T) {
	for in, want := range map[string]string{
		`{"n":12345678901234567890123}`: `{"n":12345678901234567890123}`,
		`[1.00000000000000000000001]`:   `[1]`,
		`[9223372036854775807]`:         `[9223372036854775807]`,
	} {
		v, err := parseJSON([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if out, _ := marshalJSON(v); string(out) != want {
			t.Errorf("%s: got %s, want %s", in, out, want)
		}
	}
}
