package config

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// document is the shape of roster.yaml as decoded; Config adds what the file does not say.
type document struct {
	Warehouse Warehouse `yaml:"warehouse"`
	Sources   []Source  `yaml:"sources"`
}

// position is a place in the file.
type position struct{ line, column int }

// loader turns the bytes of one file into a Config, collecting every problem on the way.
type loader struct {
	path string // the file's path as given
	file string // the file's name in messages
	dir  string // relative paths in the file are resolved against it
	env  func(string) (string, bool)

	problems []Problem
	// positions maps a key path ("sources[1].auth") to where its key, or its sequence
	// entry, is written. Paths reached only through an alias or a merge of an alias are
	// missing; they are reported at their nearest ancestor, which is where the alias is.
	positions map[string]position
	// tokenPaths maps a mapping key's token to the path of the mapping that holds it, and
	// a value's token to the value's path, so decoder errors can be given a key path.
	tokenPaths map[*token.Token]string
	// rawByToken and rawByValue remember what an expanded scalar looked like in the file,
	// so messages can quote "${VAR}" instead of a value that came from the environment.
	rawByToken map[*token.Token]string
	rawByValue map[string]string
	// unexpanded holds the paths whose ${VAR} expansion failed; their values are not
	// checked further, so one missing variable is one problem.
	unexpanded map[string]bool
	// undecodable is set when the walk found something the decoder must not see.
	undecodable bool
}

func newLoader(path string, env func(string) (string, bool)) *loader {
	file := path
	if file == "" {
		file = "<config>"
	}
	return &loader{
		path:       path,
		file:       file,
		dir:        filepath.Dir(path),
		env:        env,
		positions:  map[string]position{},
		tokenPaths: map[*token.Token]string{},
		rawByToken: map[*token.Token]string{},
		rawByValue: map[string]string{},
		unexpanded: map[string]bool{},
	}
}

// load parses, expands, decodes and validates data.
func (l *loader) load(data []byte) (*Config, error) {
	body, ok := l.parse(data)
	if !ok {
		return nil, l.err()
	}
	l.walk(body, "")
	if l.undecodable {
		return nil, l.err()
	}

	var doc document
	// The parser has already rejected keys repeated within one mapping. Allowing
	// duplicates in the decoder only lets a key written next to a merge ("<<: *defaults")
	// override the merged one, as YAML intends, instead of being reported as a duplicate.
	decoder := yaml.NewDecoder(strings.NewReader(""), yaml.DisallowUnknownField(), yaml.AllowDuplicateMapKey())
	if err := decodeNode(decoder, body, &doc); err != nil {
		l.decodeProblem(err)
		return nil, l.err()
	}
	if len(doc.Sources) == 0 {
		l.add("sources", "no sources configured")
		return nil, l.err()
	}

	l.defaults(&doc)
	if doc.Warehouse.MemoryMB < MinMemoryMB {
		l.add("warehouse.memory_mb", "must be at least %d (MiB)", MinMemoryMB)
	}
	for i := range doc.Sources {
		l.validateSource(i, &doc.Sources[i], doc.Sources[:i])
	}
	if len(l.problems) > 0 {
		return nil, l.err()
	}
	// The hash is taken before secrets are read from files and before paths are resolved:
	// it identifies the configuration, not the machine or the current credentials.
	hash := configHash(doc)

	for i := range doc.Sources {
		l.readSecretFiles(i, &doc.Sources[i])
	}
	if len(l.problems) > 0 {
		return nil, l.err()
	}
	doc.Warehouse.DuckDB = l.resolve(doc.Warehouse.DuckDB)
	doc.Warehouse.Lake = l.resolve(doc.Warehouse.Lake)
	return &Config{Path: l.path, Warehouse: doc.Warehouse, Sources: doc.Sources, Hash: hash}, nil
}

// decodeNode decodes node into doc, turning a panic in the decoder into an error: a
// malformed file must be reported, never crash the run.
func decodeNode(decoder *yaml.Decoder, node ast.Node, doc *document) (err error) {
	defer func() {
		if recovered := recover(); recovered != nil {
			err = fmt.Errorf("the YAML decoder failed on this file: %v", recovered)
		}
	}()
	return decoder.DecodeFromNode(node, doc)
}

// parse returns the body of the file's single YAML document, or false after recording why
// there is none.
func (l *loader) parse(data []byte) (ast.Node, bool) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		var yamlErr yaml.Error
		if errors.As(err, &yamlErr) && yamlErr.GetToken() != nil {
			at := positionOf(yamlErr.GetToken())
			message := yamlErr.GetMessage()
			if strings.Contains(lineOf(data, at.line), "${") {
				message += " (inside { } or [ ], quote a value that uses ${VAR})"
			}
			l.addAt(at, "", "%s", message)
		} else {
			l.add("", "%v", err)
		}
		return nil, false
	}
	var body ast.Node
	for _, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			l.addAt(positionOf(doc.Body.GetToken()), "", "the file must hold one YAML document, found another")
			return nil, false
		}
		body = doc.Body
	}
	if body == nil {
		l.add("", "no sources configured (the file is empty)")
		return nil, false
	}
	return body, true
}

// lineOf returns line n (1-based) of data, or "".
func lineOf(data []byte, n int) string {
	for i, line := range strings.Split(string(data), "\n") {
		if i+1 == n {
			return line
		}
	}
	return ""
}

// walk indexes the positions of every key path under node and expands ${VAR} in every
// string value, in place, before the decoder sees the values. Expanding after parsing
// means an environment value full of YAML syntax is still just a string.
func (l *loader) walk(node ast.Node, path string) {
	if node == nil {
		return
	}
	if tk := node.GetToken(); tk != nil {
		if _, isKey := l.tokenPaths[tk]; !isKey {
			l.tokenPaths[tk] = path
		}
	}
	switch n := node.(type) {
	case *ast.MappingNode:
		l.walkMapping(n.Values, path)
	case *ast.MappingValueNode:
		l.walkMapping([]*ast.MappingValueNode{n}, path)
	case *ast.SequenceNode:
		for i, value := range n.Values {
			child := fmt.Sprintf("%s[%d]", path, i)
			entry := value.GetToken()
			if i < len(n.Entries) && n.Entries[i] != nil && n.Entries[i].Start != nil {
				entry = n.Entries[i].Start
			}
			if entry != nil {
				l.positions[child] = positionOf(entry)
			}
			l.walk(value, child)
		}
	case *ast.AnchorNode:
		l.walk(n.Value, path)
	case *ast.TagNode:
		if n.Start == nil || !slices.Contains(scalarTags, token.ReservedTagKeyword(n.Start.Value)) {
			l.addAt(positionOf(n.GetToken()), path, "unsupported YAML tag (only !!str, !!int, !!float, !!bool and !!null may be used)")
			l.undecodable = true
			return
		}
		l.walk(n.Value, path)
	case *ast.LiteralNode:
		l.expandNode(n.Value, path)
	case *ast.StringNode:
		l.expandNode(n, path)
	}
}

// scalarTags are the YAML tags a configuration may use. Others have no use in roster.yaml,
// and some (custom tags on collections) crash the decoder.
var scalarTags = []token.ReservedTagKeyword{token.StringTag, token.IntegerTag, token.FloatTag, token.BooleanTag, token.NullTag}

// walkMapping indexes the pairs of one mapping. Merged pairs ("<<: {...}") come first so
// that a key written in the mapping itself wins, as it does when decoding.
func (l *loader) walkMapping(pairs []*ast.MappingValueNode, path string) {
	for _, pair := range pairs {
		if pair != nil && pair.Key != nil && pair.Key.IsMergeKey() {
			l.walkMerge(pair.Value, path)
		}
	}
	for _, pair := range pairs {
		if pair == nil || pair.Key == nil || pair.Key.IsMergeKey() {
			continue
		}
		keyToken := pair.Key.GetToken()
		child := joinPath(path, keyName(pair.Key))
		if keyToken != nil {
			l.tokenPaths[keyToken] = path
			l.positions[child] = positionOf(keyToken)
		}
		l.walk(pair.Value, child)
	}
}

func (l *loader) walkMerge(node ast.Node, path string) {
	switch n := node.(type) {
	case *ast.MappingNode:
		l.walkMapping(n.Values, path)
	case *ast.MappingValueNode:
		l.walkMapping([]*ast.MappingValueNode{n}, path)
	case *ast.SequenceNode:
		for _, value := range n.Values {
			l.walkMerge(value, path)
		}
	case *ast.AnchorNode:
		l.walkMerge(n.Value, path)
	case *ast.TagNode:
		l.walkMerge(n.Value, path)
	}
}

func keyName(key ast.MapKeyNode) string {
	if s, ok := key.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := key.GetToken(); tk != nil {
		return tk.Value
	}
	return key.String()
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// expandNode replaces the value of a string scalar with its ${VAR} expansion.
func (l *loader) expandNode(n *ast.StringNode, path string) {
	if n == nil || !strings.Contains(n.Value, "$") {
		return
	}
	raw := n.Value
	expanded, unset, err := expand(raw, l.env)
	at := l.pathPosition(path)
	if tk := n.GetToken(); tk != nil {
		at = positionOf(tk)
	}
	if err != nil {
		l.addAt(at, path, "%v", err)
		l.unexpanded[path] = true
		return
	}
	for _, name := range unset {
		l.addAt(at, path, "environment variable %s is not set", name)
		l.unexpanded[path] = true
	}
	if expanded == raw {
		return
	}
	n.Value = expanded
	if tk := n.GetToken(); tk != nil {
		l.rawByToken[tk] = raw
	}
	l.rawByValue[expanded] = raw
}

// expand replaces each ${NAME} in s with the value env gives NAME and each $$ with a
// literal $; any other $ is kept as is. It returns the names that env does not know. Its
// errors never quote s, which may be a secret written in the file.
func expand(s string, env func(string) (string, bool)) (string, []string, error) {
	var b strings.Builder
	var unset []string
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", nil, errors.New("unterminated ${ (write $$ for a literal $)")
			}
			name := s[i+2 : i+2+end]
			if !isVariableName(name) {
				return "", nil, errors.New("invalid ${...} reference: a variable name is letters, digits and _, not starting with a digit (write $$ for a literal $)")
			}
			if value, ok := env(name); ok {
				b.WriteString(value)
			} else if !slices.Contains(unset, name) {
				unset = append(unset, name)
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), unset, nil
}

func isVariableName(name string) bool {
	if name == "" || ('0' <= name[0] && name[0] <= '9') {
		return false
	}
	for _, c := range []byte(name) {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// decodeProblem records a decoder error as a problem with a key path. It writes its own
// messages where the decoder's could repeat a value that came from the environment or
// sits under a secret key.
func (l *loader) decodeProblem(err error) {
	var (
		nodeErr     *nodeError
		unknownErr  *yaml.UnknownFieldError
		typeErr     *yaml.TypeError
		overflowErr *yaml.OverflowError
		yamlErr     yaml.Error
	)
	switch {
	case errors.As(err, &nodeErr):
		path := l.tokenPaths[nodeErr.token]
		message := nodeErr.message
		if nodeErr.quoteValue && !isSecretPath(path) {
			message = l.quoteToken(nodeErr.token) + " " + message
		}
		l.addAt(positionOf(nodeErr.token), path, "%s", message)
	case errors.As(err, &unknownErr):
		path := l.tokenPaths[unknownErr.Token]
		message := unknownErr.GetMessage()
		if unknownErr.Token != nil {
			message = fmt.Sprintf("unknown key %q", unknownErr.Token.Value)
		}
		if known := knownKeys(path); len(known) > 0 {
			message += " (known keys: " + strings.Join(known, ", ") + ")"
		}
		l.addAt(positionOf(unknownErr.Token), path, "%s", message)
	case errors.As(err, &typeErr):
		l.addAt(positionOf(typeErr.Token), l.tokenPaths[typeErr.Token], "expected %s", describeType(typeErr.DstType))
	case errors.As(err, &overflowErr):
		l.addAt(positionOf(overflowErr.Token), l.tokenPaths[overflowErr.Token], "number out of range for %s", describeType(overflowErr.DstType))
	case errors.As(err, &yamlErr) && yamlErr.GetToken() != nil:
		tk := yamlErr.GetToken()
		path := l.tokenPaths[tk]
		message := yamlErr.GetMessage()
		if _, expanded := l.rawByToken[tk]; expanded || isSecretPath(path) {
			message = "invalid value"
		}
		l.addAt(positionOf(tk), path, "%s", message)
	default:
		l.add("", "%v", err)
	}
}

// knownKeys lists the keys the mapping at path may hold, in declaration order, or nil when
// path is not a mapping of document.
func knownKeys(path string) []string {
	t := reflect.TypeFor[document]()
	if path != "" {
		for segment := range strings.SplitSeq(path, ".") {
			name, indexes, _ := strings.Cut(segment, "[")
			field, ok := fieldByKey(t, name)
			if !ok {
				return nil
			}
			t = field.Type
			for range strings.Count(indexes, "]") {
				if t.Kind() != reflect.Slice {
					return nil
				}
				t = t.Elem()
			}
		}
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[Duration]() {
		return nil
	}
	var keys []string
	for field := range t.Fields() {
		if key := yamlKey(field); key != "" {
			keys = append(keys, key)
		}
	}
	return keys
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for field := range t.Fields() {
		if yamlKey(field) == key {
			return field, true
		}
	}
	return reflect.StructField{}, false
}

func yamlKey(field reflect.StructField) string {
	key, _, _ := strings.Cut(field.Tag.Get("yaml"), ",")
	if key == "-" {
		return ""
	}
	return key
}

func describeType(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "another kind of value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return "another kind of value"
}

// secretKeys are the keys whose values are secrets.
var secretKeys = []string{"api_key", "client_secret", "access_token", "password"}

func isSecretPath(path string) bool {
	last := path[strings.LastIndexByte(path, '.')+1:]
	return slices.Contains(secretKeys, last)
}

// quote renders a value for a message: as written in the file when it came from ${VAR}
// expansion, so that no environment value reaches an error.
func (l *loader) quote(value string) string {
	if raw, ok := l.rawByValue[value]; ok {
		return strconv.Quote(raw) + " (expanded)"
	}
	return strconv.Quote(value)
}

func (l *loader) quoteToken(tk *token.Token) string {
	if tk == nil {
		return "value"
	}
	if raw, ok := l.rawByToken[tk]; ok {
		return strconv.Quote(raw) + " (expanded)"
	}
	return strconv.Quote(tk.Value)
}

func positionOf(tk *token.Token) position {
	if tk == nil || tk.Position == nil {
		return position{}
	}
	return position{line: tk.Position.Line, column: tk.Position.Column}
}

// pathPosition is the line of path's key, or of its nearest ancestor that is written in
// the file (a missing key is reported where it should have been added).
func (l *loader) pathPosition(path string) position {
	for {
		if p, ok := l.positions[path]; ok {
			return position{line: p.line}
		}
		cut := strings.LastIndexAny(path, ".[")
		if cut < 0 {
			return position{}
		}
		path = path[:cut]
	}
}

// add records a problem at the line of path (or of its nearest written ancestor), unless
// the problem is with a value whose expansion already failed.
func (l *loader) add(path, format string, args ...any) {
	if l.unexpanded[path] {
		return
	}
	l.addAt(l.pathPosition(path), path, format, args...)
}

func (l *loader) addAt(at position, path, format string, args ...any) {
	l.problems = append(l.problems, Problem{
		File:    l.file,
		Line:    at.line,
		Column:  at.column,
		Path:    path,
		Message: fmt.Sprintf(format, args...),
	})
}

// err returns the recorded problems in file order.
func (l *loader) err() error {
	slices.SortStableFunc(l.problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &Error{Problems: l.problems}
}

func (l *loader) resolve(path string) string {
	if path == "" || path == ":memory:" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(l.dir, path)
}

// configHash is the hex SHA-256 of doc with secrets redacted and source lines cleared.
func configHash(doc document) string {
	hashed := document{Warehouse: doc.Warehouse, Sources: make([]Source, len(doc.Sources))}
	for i, s := range doc.Sources {
		s.Auth = s.Auth.redacted()
		s.Line = 0
		hashed.Sources[i] = s
	}
	// encoding/json writes struct fields in declaration order, so equal configurations
	// always encode to equal bytes.
	encoded, err := json.Marshal(hashed)
	if err != nil {
		panic(fmt.Sprintf("config: encode for hash: %v", err)) // plain strings and numbers cannot fail
	}
	sum := sha256.Sum256(encoded)
	return hex.EncodeToString(sum[:])
}
