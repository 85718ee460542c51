package fake

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// fieldKind is the JSON type of a reply field, for filters and sorting.
type fieldKind byte

const (
	kindNumber fieldKind = iota + 1
	kindString
	kindBool
	kindStrings // array of strings
	kindComplex // object or array of objects
)

// fieldSpec is one reply field of a get method with its documented filterable and
// sortable flags.
type fieldSpec struct {
	name           string
	kind           fieldKind
	filter, sorted bool
}

// listSpec describes a paged get method.
type listSpec struct {
	fields []fieldSpec
	// extra are the method's own parameters besides the common ones.
	extra map[string]bool
}

func (ls *listSpec) field(name string) *fieldSpec {
	for i := range ls.fields {
		if ls.fields[i].name == name {
			return &ls.fields[i]
		}
	}
	return nil
}

// listQuery is a parsed limit/offset/filter/sort/fields request.
type listQuery struct {
	limit, offset int
	filter        *filterNode
	sorts         []sortKey
	fields        map[string]bool // nil: every field
}

type sortKey struct {
	field *fieldSpec
	desc  bool
}

// commonParams are the parameters every paged get method accepts.
var commonParams = map[string]bool{"access_token": true, "user_id": true, "limit": true, "offset": true,
	"filter": true, "fields": true, "sort": true}

// intParam reads an integer parameter; ok is false when absent.
func intParam(params map[string]json.RawMessage, name string) (int64, bool, *rpcError) {
	raw, ok := params[name]
	if !ok || string(raw) == "null" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, false, typeError(name, raw)
	}
	return n, true, nil
}

// parseList validates the parameters of a paged get method.
func (s *Server) parseList(c call, spec *listSpec) (listQuery, *rpcError) {
	q := listQuery{limit: DefaultLimit}
	for _, name := range sortedKeys(c.params) {
		if !commonParams[name] && !spec.extra[name] {
			return q, unexpected(name)
		}
	}
	if _, _, e := intParam(c.params, "user_id"); e != nil {
		return q, e
	}
	if n, ok, e := intParam(c.params, "limit"); e != nil {
		return q, e
	} else if ok {
		if n < 1 || n > int64(s.opts.MaxLimit) {
			if !s.opts.ClampPaging {
				return q, rangeError("limit", n, 1, s.opts.MaxLimit)
			}
			n = min(max(n, 1), int64(s.opts.MaxLimit))
		}
		q.limit = int(n)
	}
	if n, ok, e := intParam(c.params, "offset"); e != nil {
		return q, e
	} else if ok {
		if n < 0 || n > MaxOffset {
			if !s.opts.ClampPaging {
				return q, rangeError("offset", n, 0, MaxOffset)
			}
			n = min(max(n, 0), MaxOffset)
		}
		q.offset = int(n)
	}
	if raw, ok := c.params["fields"]; ok && string(raw) != "null" {
		var names []string
		if json.Unmarshal(raw, &names) != nil {
			return q, typeError("fields", raw)
		}
		q.fields = map[string]bool{}
		for _, n := range names {
			if spec.field(n) == nil {
				e := unexpected("fields")
				e.value = n
				return q, e
			}
			q.fields[n] = true
		}
	}
	if raw, ok := c.params["sort"]; ok && string(raw) != "null" {
		var keys []map[string]json.RawMessage
		if json.Unmarshal(raw, &keys) != nil {
			return q, typeError("sort", raw)
		}
		for _, k := range keys {
			for name := range k {
				if name != "field" && name != "order" {
					return q, unexpected("sort." + name)
				}
			}
			var name, order string
			if json.Unmarshal(k["field"], &name) != nil {
				return q, missing("sort.field")
			}
			f := spec.field(name)
			if f == nil {
				e := unexpected("sort.field")
				e.value = name
				return q, e
			}
			if !f.sorted {
				return q, &rpcError{code: codeParams, mnemonic: "sort_prohibited",
					message: "Sorting by parameter is prohibited", field: "sort.field", value: name}
			}
			if o, ok := k["order"]; ok {
				if json.Unmarshal(o, &order) != nil || (order != "asc" && order != "desc") {
					return q, invalidValue("sort.order", rawJSON(o))
				}
			}
			q.sorts = append(q.sorts, sortKey{field: f, desc: order == "desc"})
		}
	}
	if raw, ok := c.params["filter"]; ok && string(raw) != "null" {
		f, e := parseFilter(raw, spec)
		if e != nil {
			return q, e
		}
		q.filter = f
	}
	return q, nil
}

func rangeError(field string, n int64, lo, hi int) *rpcError {
	e := invalidValue(field, n)
	e.params = object{{"min", lo}, {"max", hi}}
	return e
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// filterNode is a simple filter (field set) or a tree of filters.
type filterNode struct {
	field    *fieldSpec
	operator string
	value    any // decoded with UseNumber
	re       *regexp.Regexp
	children []*filterNode
	or       bool
}

var operators = map[string]bool{"=": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true,
	"like": true, "ilike": true, "not_like": true, "not_ilike": true, "regexp": true, "jsquery": true,
	"in": true, "not_in": true, "overlap": true, "not_overlap": true, "is_null": true, "is_not_null": true}

func decode(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func parseFilter(raw json.RawMessage, spec *listSpec) (*filterNode, *rpcError) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, typeError("filter", raw)
	}
	if sub, ok := m["filters"]; ok {
		for k := range m {
			if k != "filters" && k != "condition" {
				return nil, unexpected("filter." + k)
			}
		}
		n := &filterNode{}
		if c, ok := m["condition"]; ok {
			var cond string
			if json.Unmarshal(c, &cond) != nil || (cond != "and" && cond != "or") {
				return nil, invalidValue("filter.condition", rawJSON(c))
			}
			n.or = cond == "or"
		}
		var list []json.RawMessage
		if json.Unmarshal(sub, &list) != nil || len(list) == 0 {
			return nil, invalidValue("filter.filters", rawJSON(sub))
		}
		for _, r := range list {
			child, e := parseFilter(r, spec)
			if e != nil {
				return nil, e
			}
			n.children = append(n.children, child)
		}
		return n, nil
	}
	for k := range m {
		if k != "field" && k != "operator" && k != "value" {
			return nil, unexpected("filter." + k)
		}
	}
	var name, op string
	if json.Unmarshal(m["field"], &name) != nil || name == "" {
		return nil, missing("filter.field")
	}
	f := spec.field(name)
	if f == nil {
		e := unexpected("filter.field")
		e.value = name
		return nil, e
	}
	if !f.filter {
		return nil, &rpcError{code: codeParams, mnemonic: "filter_prohibited",
			message: "Filter by parameter is prohibited", field: "filter.field", value: name}
	}
	if json.Unmarshal(m["operator"], &op) != nil {
		return nil, missing("filter.operator")
	}
	if !operators[op] {
		return nil, invalidValue("filter.operator", op)
	}
	n := &filterNode{field: f, operator: op}
	if op == "is_null" || op == "is_not_null" {
		return n, nil
	}
	raw, ok := m["value"]
	if !ok {
		return nil, missing("filter.value")
	}
	v, err := decode(raw)
	if err != nil {
		return nil, typeError("filter.value", raw)
	}
	n.value = v
	// Which operators the fake implements per field kind (jsquery nowhere).
	bad := func() *rpcError { return invalidValue("filter.operator", op) }
	typeErr := func() *rpcError { return typeError("filter.value", raw) }
	switch op {
	case "jsquery":
		return nil, bad()
	case "in", "not_in", "overlap", "not_overlap":
		list, ok := v.([]any)
		if !ok {
			return nil, typeErr()
		}
		if (op == "overlap" || op == "not_overlap") != (f.kind == kindStrings) || f.kind == kindComplex {
			return nil, bad()
		}
		for _, x := range list {
			if !scalarFits(f.kind, x) {
				return nil, typeErr()
			}
		}
	case "like", "ilike", "not_like", "not_ilike", "regexp":
		str, ok := v.(string)
		if !ok {
			return nil, typeErr()
		}
		if f.kind != kindString {
			return nil, bad()
		}
		if op == "regexp" {
			re, err := regexp.CompilePOSIX(str)
			if err != nil {
				return nil, invalidValue("filter.value", str)
			}
			n.re = re
		} else {
			n.re = likePattern(str, op == "ilike" || op == "not_ilike")
		}
	default: // comparisons
		if f.kind == kindStrings || f.kind == kindComplex {
			return nil, bad()
		}
		if f.kind == kindBool && op != "=" && op != "!=" {
			return nil, bad()
		}
		if v != nil && !scalarFits(f.kind, v) {
			return nil, typeErr()
		}
		if v == nil && op != "=" && op != "!=" {
			return nil, typeErr()
		}
	}
	return n, nil
}

func scalarFits(k fieldKind, v any) bool {
	switch v.(type) {
	case json.Number:
		return k == kindNumber
	case string:
		return k == kindString || k == kindStrings
	case bool:
		return k == kindBool
	}
	return false
}

// likePattern turns a SQL LIKE pattern (% and _) into an anchored regexp.
func likePattern(p string, fold bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)`)
	if fold {
		b.WriteString(`(?i)`)
	}
	b.WriteByte('^')
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteByte('.')
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteByte('$')
	return regexp.MustCompile(b.String())
}

// match evaluates a filter against a rendered row.
func (n *filterNode) match(row object) bool {
	if n.field == nil {
		for _, c := range n.children {
			if c.match(row) == n.or {
				return n.or
			}
		}
		return !n.or
	}
	v, _ := row.get(n.field.name)
	empty := isEmpty(v)
	switch n.operator {
	case "is_null":
		return empty
	case "is_not_null":
		return !empty
	}
	if v == nil {
		return n.operator == "=" && n.value == nil
	}
	switch n.operator {
	case "=":
		return n.value != nil && compare(v, n.value) == 0
	case "!=":
		return n.value == nil || compare(v, n.value) != 0
	case "<":
		return compare(v, n.value) < 0
	case ">":
		return compare(v, n.value) > 0
	case "<=":
		return compare(v, n.value) <= 0
	case ">=":
		return compare(v, n.value) >= 0
	case "in", "not_in":
		found := false
		for _, x := range n.value.([]any) {
			if compare(v, x) == 0 {
				found = true
				break
			}
		}
		return found == (n.operator == "in")
	case "overlap", "not_overlap":
		found := false
		have, _ := v.([]string)
		for _, x := range n.value.([]any) {
			for _, h := range have {
				if h == x {
					found = true
				}
			}
		}
		return found == (n.operator == "overlap")
	case "like", "ilike", "regexp":
		str, _ := v.(string)
		return n.re.MatchString(str)
	case "not_like", "not_ilike":
		str, _ := v.(string)
		return !n.re.MatchString(str)
	}
	return false
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case object:
		return len(x) == 0
	case []object:
		return len(x) == 0
	case []string:
		return len(x) == 0
	}
	return false
}

// compare orders a row value against another row value or a decoded filter value of
// the same kind.
func compare(a, b any) int {
	switch x := a.(type) {
	case int, int64:
		ai := toInt(x)
		switch y := b.(type) {
		case json.Number:
			if bi, err := y.Int64(); err == nil {
				return cmp(ai, bi)
			}
			bf, _ := y.Float64()
			return cmpFloat(float64(ai), bf)
		default:
			return cmp(ai, toInt(y))
		}
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case bool:
		y, _ := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	return 0
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	}
	return 0
}

func cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// list serves a paged get method over n rows in default order, rendering only the
// page unless a filter or sort needs every row.
func (s *Server) list(c call, spec *listSpec, n int, row func(i int) object) (object, *rpcError) {
	q, e := s.parseList(c, spec)
	if e != nil {
		return nil, e
	}
	var page []object
	total := n
	if q.filter == nil && len(q.sorts) == 0 {
		for i := q.offset; i < n && i < q.offset+q.limit; i++ {
			page = append(page, row(i))
		}
	} else {
		rows := make([]object, 0, n)
		for i := range n {
			r := row(i)
			if q.filter == nil || q.filter.match(r) {
				rows = append(rows, r)
			}
		}
		if len(q.sorts) > 0 {
			sort.SliceStable(rows, func(i, j int) bool {
				for _, k := range q.sorts {
					a, _ := rows[i].get(k.field.name)
					b, _ := rows[j].get(k.field.name)
					// PostgreSQL's order: NULLs last ascending, first descending.
					var c int
					switch {
					case a == nil && b == nil:
						c = 0
					case a == nil:
						c = 1
					case b == nil:
						c = -1
					default:
						c = compare(a, b)
					}
					if k.desc {
						c = -c
					}
					if c != 0 {
						return c < 0
					}
				}
				return false
			})
		}
		total = len(rows)
		if q.offset < len(rows) {
			page = rows[q.offset:min(len(rows), q.offset+q.limit)]
		}
	}
	if page == nil {
		page = []object{}
	}
	if q.fields != nil {
		for i, r := range page {
			p := make(object, 0, len(q.fields))
			for _, e := range r {
				if q.fields[e.k] {
					p = append(p, e)
				}
			}
			page[i] = p
		}
	}
	return object{{"data", page}, {"metadata", object{{"total_items", total}}}}, nil
}
