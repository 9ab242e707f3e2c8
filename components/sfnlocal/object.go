package sfnlocal

// object is a JSON object that keeps its members in document order, as AWS's Jackson and Jayway
// JsonPath do: paths over it, templates built from it and the JSON written from it all follow
// the order in which its members were read or added. Like every value in an execution it is
// never modified once built (see with); objects of more than indexThreshold members carry an
// index for lookups.
type object struct {
	m   []member
	idx map[string]int
}

type member struct {
	key string
	val any
}

// indexThreshold is the member count from which an object gets a map index: below it a linear
// scan of the keys is faster than hashing.
const indexThreshold = 12

// obj builds an object from key, value pairs in that order (keys must be strings; a pair whose
// key is not is skipped).
func obj(kv ...any) *object {
	o := &object{m: make([]member, 0, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			o.m = append(o.m, member{k, kv[i+1]})
		}
	}
	o.seal()
	return o
}

func newObject(capacity int) *object { return &object{m: make([]member, 0, capacity)} }

// add appends a member, or replaces the value of an existing key in place (a duplicate key in a
// document keeps its first position and its last value, as Jackson's ObjectNode does). Only for
// objects under construction.
func (o *object) add(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.m[i].val = v
		return
	}
	o.m = append(o.m, member{k, v})
	if o.idx != nil {
		o.idx[k] = len(o.m) - 1
	} else if len(o.m) >= indexThreshold {
		o.seal()
	}
}

// seal builds the index of a large object.
func (o *object) seal() {
	if len(o.m) < indexThreshold {
		return
	}
	o.idx = make(map[string]int, len(o.m))
	for i, e := range o.m {
		o.idx[e.key] = i
	}
}

func (o *object) find(k string) int {
	if o.idx != nil {
		if i, ok := o.idx[k]; ok {
			return i
		}
		return -1
	}
	for i := range o.m {
		if o.m[i].key == k {
			return i
		}
	}
	return -1
}

func (o *object) get(k string) (any, bool) {
	if i := o.find(k); i >= 0 {
		return o.m[i].val, true
	}
	return nil, false
}

// str returns the member k when it is a string.
func (o *object) str(k string) (string, bool) {
	v, _ := o.get(k)
	s, ok := v.(string)
	return s, ok
}

func (o *object) len() int { return len(o.m) }

// with returns a copy of o with k set to v: in place of an existing k, else at the end. The copy
// may share o's index, so it is a finished value like o: never add to it.
func (o *object) with(k string, v any) *object {
	c := &object{m: make([]member, len(o.m), len(o.m)+1)}
	copy(c.m, o.m)
	if i := o.find(k); i >= 0 {
		c.m[i].val = v
		c.idx = o.idx // same keys at the same positions
		return c
	}
	c.m = append(c.m, member{k, v})
	c.seal()
	return c
}

// The jp.Keyed interface, so that ojg's filter scripts can read objects.

func (o *object) ValueForKey(key string) (any, bool) { return o.get(key) }

// SetValueForKey and RemoveValueForKey are never called: paths are only read.
func (o *object) SetValueForKey(key string, value any) {}
func (o *object) RemoveValueForKey(key string)         {}

func (o *object) Keys() []string {
	keys := make([]string, len(o.m))
	for i, e := range o.m {
		keys[i] = e.key
	}
	return keys
}

// MarshalJSON writes the object in member order, should one reach encoding/json (event
// details, a caller's value).
func (o *object) MarshalJSON() ([]byte, error) { return marshalJSON(o) }
