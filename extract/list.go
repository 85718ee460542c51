package extract

import (
	"errors"
	"fmt"
	"io"
	"slices"

	gojson "github.com/goccy/go-json"
)

// EachListItem walks the JSON object read from r and calls item once per element of the
// list under key, with dec positioned at the element (item must decode exactly one
// value). Every other member's value goes to other, which must decode exactly one value,
// or is skipped when other is nil. It reports whether the object has the list: an absent
// or null key is not an empty list. The object is read once, element by element, never
// decoded or held whole: a listing of a whole directory in one reply is read this way
// from a spooled Response (Response.Open).
func EachListItem(r io.Reader, key string, item func(dec *gojson.Decoder) error, other func(name string, dec *gojson.Decoder) error) (present bool, err error) {
	found, err := WalkLists(r, []string{key}, func(_ string, dec *gojson.Decoder) error { return item(dec) }, other)
	return found[0], err
}

// WalkLists is EachListItem for an object with several lists: item gets the name of the
// list of each element, and present[i] tells whether the object has keys[i] as a list.
func WalkLists(r io.Reader, keys []string, item func(list string, dec *gojson.Decoder) error, other func(name string, dec *gojson.Decoder) error) (present []bool, err error) {
	present = make([]bool, len(keys))
	seen := make([]bool, len(keys))
	dec := gojson.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != gojson.Delim('{') {
		return present, errors.Join(errors.New("reply is not a JSON object"), err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return present, err
		}
		name, _ := tok.(string)
		k := slices.Index(keys, name)
		if k < 0 {
			if other != nil {
				err = other(name, dec)
			} else {
				var skip gojson.RawMessage
				err = dec.Decode(&skip)
			}
			if err != nil {
				return present, err
			}
			continue
		}
		if seen[k] {
			return present, fmt.Errorf("reply has %s twice", name)
		}
		seen[k] = true
		tok, err = dec.Token()
		switch {
		case err != nil:
			return present, err
		case tok == nil: // null: nothing to list
			continue
		case tok != gojson.Delim('['):
			return present, fmt.Errorf("%s is not a list", name)
		}
		present[k] = true
		for dec.More() {
			if err := item(name, dec); err != nil {
				return present, err
			}
		}
		if tok, err := dec.Token(); err != nil || tok != gojson.Delim(']') {
			return present, errors.Join(fmt.Errorf("%s list is not closed", name), err)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != gojson.Delim('}') {
		return present, errors.Join(errors.New("reply object is not closed"), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return present, errors.New("reply has more after its object")
	}
	return present, nil
}
