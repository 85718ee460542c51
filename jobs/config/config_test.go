package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // time zone checks must not depend on the test machine's zoneinfo
)

// envOf returns an environment lookup over vars.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		value, ok := vars[name]
		return value, ok
	}
}

// errorLines returns the lines of a Parse error, failing the test if there is none.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("Parse succeeded, want an error")
	}
	var configErr *Error
	if !errors.As(err, &configErr) {
		t.Fatalf("error is %T, want *config.Error: %v", err, err)
	}
	return strings.Split(err.Error(), "\n")
}

// assertHasLines checks that every want is the start of some line of err.
func assertHasLines(t *testing.T, err error, want ...string) {
	t.Helper()
	lines := errorLines(t, err)
	for _, w := range want {
		if !slices.ContainsFunc(lines, func(line string) bool { return strings.HasPrefix(line, w) }) {
			t.Errorf("no error line starts with\n\t%s\ngot:\n\t%s", w, strings.Join(lines, "\n\t"))
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

const designExample = `warehouse:
  duckdb: ./roster.duckdb     # state, history, run ledger (embedded default)
  lake: ./lake                # Parquet lake root; omit to disable
sources:
  - name: close-main          # [a-z0-9_-]{1,64}; used in keys and partition paths
    provider: close
    base_url: https://api.close.com/api/v1      # default per provider; override for fakes/proxies
    auth: { api_key: "${CLOSE_API_KEY}" }
    default_region: US        # phone parsing region for numbers without a country code
    timezone: UTC             # for provider timestamps that carry no offset
    max_rps: 10               # optional ceiling below the provider's own limit
  - name: ws
    provider: worksection
    base_url: https://acme.worksection.com/api/admin/v2/
    auth: { api_key: "${WORKSECTION_API_KEY}" }
  - name: zoom-cc
    provider: zoom_contact_center
    base_url: https://api.zoom.us/v2
    token_url: https://zoom.us/oauth/token
    auth: { account_id: "...", client_id: "...", client_secret: "${ZOOM_CLIENT_SECRET}" }
  - name: uis
    provider: uis
    base_url: https://dataapi.uiscom.ru/v2.0
    auth: { access_token: "${UIS_ACCESS_TOKEN}" }   # or login/password (login.user session)
`

var designEnv = map[string]string{
	"CLOSE_API_KEY":       "close-key-1",
	"WORKSECTION_API_KEY": "ws-key-1",
	"ZOOM_CLIENT_SECRET":  "zoom-secret-1",
	"UIS_ACCESS_TOKEN":    "uis-token-1",
}

func TestParseAcceptsTheDesignExample(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := Parse([]byte(designExample), filepath.Join(dir, "roster.yaml"), envOf(designEnv))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Warehouse.DuckDB != filepath.Join(dir, "roster.duckdb") || cfg.Warehouse.Lake != filepath.Join(dir, "lake") {
		t.Errorf("warehouse = %+v, want paths resolved against %s", cfg.Warehouse, dir)
	}
	want := []struct {
		name, provider, secret string
		line                   int
	}{
		{"close-main", ProviderClose, "close-key-1", 5},
		{"ws", ProviderWorksection, "ws-key-1", 12},
		{"zoom-cc", ProviderZoomContactCenter, "zoom-secret-1", 16},
		{"uis", ProviderUIS, "uis-token-1", 21},
	}
	if len(cfg.Sources) != len(want) {
		t.Fatalf("got %d sources, want %d", len(cfg.Sources), len(want))
	}
	for i, w := range want {
		s := cfg.Sources[i]
		if s.Name != w.name || s.Provider != w.provider || s.Line != w.line {
			t.Errorf("sources[%d] = %q %q line %d, want %q %q line %d", i, s.Name, s.Provider, s.Line, w.name, w.provider, w.line)
		}
		if got := s.Auth.Secrets(); !slices.Equal(got, []string{w.secret}) {
			t.Errorf("sources[%d] secrets = %q, want %q", i, got, w.secret)
		}
	}
	if cfg.Sources[0].MaxRPS != 10 || cfg.Sources[2].TokenURL != "https://zoom.us/oauth/token" {
		t.Errorf("settings not decoded: %+v", cfg.Sources)
	}
	if len(cfg.Hash) != 64 {
		t.Errorf("Hash = %q, want 64 hex digits", cfg.Hash)
	}
}

func TestParseAppliesDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Parse([]byte("sources:\n  - name: a\n    provider: close\n    auth: {api_key: k}\n"), "conf/roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sources[0]
	if cfg.Warehouse.DuckDB != filepath.Join("conf", "roster.duckdb") || cfg.Warehouse.Lake != "" {
		t.Errorf("warehouse = %+v, want conf/roster.duckdb and no lake", cfg.Warehouse)
	}
	if s.DefaultRegion != "US" || s.Timezone != "UTC" || s.MaxRetries != nil || s.Timeout.Duration != 0 || s.PageSize != 0 || s.MaxRPS != 0 || s.BaseURL != "" {
		t.Errorf("source defaults = %+v", s)
	}
}

func TestParseRecordsTheLineOfEachSource(t *testing.T) {
	t.Parallel()
	data := `# sources in every style
sources:
  - name: block
    provider: close
    auth: {api_key: k}
  -
    name: dash-alone
    provider: close
    auth: {api_key: k}
  - {name: flow, provider: close, auth: {api_key: k}}
  - &shared
    name: anchored
    provider: close
    auth: {api_key: k}
  - <<: *shared
    name: merged
`
	cfg, err := Parse([]byte(data), "roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, s := range cfg.Sources {
		lines = append(lines, s.Line)
	}
	if want := []int{3, 6, 10, 11, 15}; !slices.Equal(lines, want) {
		t.Errorf("lines = %v, want %v", lines, want)
	}
	if merged := cfg.Sources[4]; merged.Name != "merged" || merged.Auth.APIKey != "k" {
		t.Errorf("merged source = %+v, want the anchor's settings with its own name", merged)
	}
}

func TestParseDecodesEverySetting(t *testing.T) {
	t.Parallel()
	data := `warehouse:
  duckdb: ":memory:"
  lake: /var/lib/roster/lake
sources:
  - name: uis_main-2
    provider: uis
    base_url: http://127.0.0.1:8080/v2.0
    default_region: ru
    timezone: Europe/Moscow
    max_rps: 2.5
    page_size: 500
    timeout: 1m30s
    max_retries: 0
    max_backoff: 0
    auth:
      login: robot
      password: hunter2
`
	cfg, err := Parse([]byte(data), "roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sources[0]
	if cfg.Warehouse.DuckDB != ":memory:" || cfg.Warehouse.Lake != "/var/lib/roster/lake" {
		t.Errorf("warehouse = %+v, want :memory: and the absolute lake path unchanged", cfg.Warehouse)
	}
	if s.DefaultRegion != "RU" || s.Timezone != "Europe/Moscow" || s.MaxRPS != 2.5 || s.PageSize != 500 ||
		s.Timeout.Duration != 90*time.Second || s.MaxBackoff.Duration != 0 || s.MaxRetries == nil || *s.MaxRetries != 0 ||
		s.Auth.Login != "robot" || s.Auth.Password != "hunter2" || s.BaseURL != "http://127.0.0.1:8080/v2.0" {
		t.Errorf("source = %+v", s)
	}
}

func TestParseReportsUnknownKeysWithLineColumnAndPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, want string
	}{
		{
			name: "in auth",
			data: `sources:
- name: close-main
  provider: close
  base_url: https://api.close.com/api/v1
  timezone: UTC
  auth:
    api_kye: abc
`,
			want: `roster.yaml:7:5: sources[0].auth: unknown key "api_kye" (known keys: api_key, api_key_file, account_id,`,
		},
		{
			name: "in a source",
			data: "sources:\n  - name: a\n    provider: close\n    auth: {api_key: k}\n  - name: b\n    provder: close\n",
			want: `roster.yaml:6:5: sources[1]: unknown key "provder" (known keys: name, provider, base_url,`,
		},
		{
			name: "at the top level",
			data: "wharehouse:\n  duckdb: x\nsources: []\n",
			want: `roster.yaml:1:1: unknown key "wharehouse" (known keys: warehouse, sources)`,
		},
		{
			name: "in the warehouse",
			data: "warehouse:\n  duckdb: x\n  parquet: y\nsources: []\n",
			want: `roster.yaml:3:3: warehouse: unknown key "parquet" (known keys: duckdb, lake, memory_mb)`,
		},
		{
			name: "holding an anchor",
			data: "defaults: &d {provider: close}\nsources: []\n",
			want: `roster.yaml:1:1: unknown key "defaults"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.data), "roster.yaml", nil)
			assertHasLines(t, err, tt.want)
			if lines := errorLines(t, err); len(lines) != 1 {
				t.Errorf("want one line, got %q", lines)
			}
		})
	}
}

func TestParseReportsDecodeErrorsWithLineColumnAndPath(t *testing.T) {
	t.Parallel()
	head := "sources:\n  - name: a\n    provider: close\n    auth: {api_key: k}\n"
	tests := []struct {
		name, data, want string
	}{
		{"syntax error", "sources:\n  - name: \"a\n", `roster.yaml:2:11: could not find end character of double-quoted text`},
		{"unquoted ${VAR} in a flow mapping", "sources:\n  - auth: {api_key: ${K}}\n", `roster.yaml:2:`},
		{"key repeated", "sources:\n  - name: a\n    name: b\n", `roster.yaml:3:5: mapping key "name" already defined at [2:5]`},
		{"text for a number", head + "    max_rps: fast\n", `roster.yaml:5:14: sources[0].max_rps: expected a number`},
		{"text for a whole number", head + "    page_size: many\n", `roster.yaml:5:16: sources[0].page_size: expected a whole number`},
		{"list for auth", "sources:\n  - name: a\n    auth: [k]\n", `roster.yaml:3:11: sources[0].auth: sequence was used where mapping is expected`},
		{"text for sources", "sources: close\n", `roster.yaml:1:10: sources: string was used where sequence is expected`},
		{"bad duration", head + "    timeout: soon\n", `roster.yaml:5:14: sources[0].timeout: "soon" is not a duration (e.g. 30s, 1m30s)`},
		{"duration without unit", head + "    max_backoff: 30\n", `roster.yaml:5:18: sources[0].max_backoff: "30" is not a duration: it needs a unit`},
		{"custom tag", "sources:\n  !000 0000000", `roster.yaml:2:3: sources: unsupported YAML tag`},
		{"collection tag", "sources: !!seq\n  - name: a\n", `roster.yaml:1:10: sources: unsupported YAML tag`},
		{"second document", "sources: []\n---\nsources: []\n", `roster.yaml:3:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.data), "roster.yaml", nil)
			assertHasLines(t, err, tt.want)
		})
	}
}

func TestParseReportsValidationProblemsWithLineAndPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		env  map[string]string
		want []string
	}{
		{
			name: "name not matching the pattern",
			data: `warehouse:
  duckdb: ./roster.duckdb

sources:
  - name: close-main
    provider: close
    auth:
      api_key: k
    # a comment

  - provider: close
    name: Close Main
    auth: {api_key: k}
`,
			want: []string{`roster.yaml:12: sources[1].name: "Close Main" must match [a-z0-9_-]{1,64}`},
		},
		{
			name: "name longer than 64",
			data: "sources:\n  - name: " + strings.Repeat("a", 65) + "\n    provider: close\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:2: sources[0].name: "aaaa`},
		},
		{
			name: "duplicate names",
			data: "sources:\n  - name: a\n    provider: close\n    auth: {api_key: k}\n  - name: a\n    provider: close\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:5: sources[1].name: duplicate name "a" (also sources[0], line 2)`},
		},
		{
			name: "missing name and provider",
			data: "sources:\n  - auth: {api_key: k}\n",
			want: []string{
				`roster.yaml:2: sources[0].name: required`,
				`roster.yaml:2: sources[0].provider: required (one of close, worksection, zoom_contact_center, uis)`,
			},
		},
		{
			name: "unknown provider",
			data: "sources:\n  - name: a\n    provider: bamboohr\n",
			want: []string{`roster.yaml:3: sources[0].provider: unknown provider "bamboohr" (known: close, worksection, zoom_contact_center, uis)`},
		},
		{
			name: "bad time zone",
			data: "sources:\n  - name: a\n    provider: close\n    timezone: Mars/Olympus\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:4: sources[0].timezone: "Mars/Olympus" is not an IANA time zone name`},
		},
		{
			name: "machine-local time zone",
			data: "sources:\n  - name: a\n    provider: close\n    timezone: Local\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:4: sources[0].timezone: "Local" is not an IANA time zone name`},
		},
		{
			name: "bad region",
			data: "sources:\n  - name: a\n    provider: close\n    default_region: USA\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:4: sources[0].default_region: "USA" is not an ISO 3166-1 alpha-2 region code`},
		},
		{
			name: "UK for GB",
			data: "sources:\n  - name: a\n    provider: close\n    default_region: uk\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:4: sources[0].default_region: "uk" is not an ISO 3166-1 alpha-2 region code (e.g. US, GB, DE); the United Kingdom is GB`},
		},
		{
			name: "close without api key",
			data: "sources:\n  - name: a\n    provider: close\n",
			want: []string{`roster.yaml:2: sources[0].auth: provider close needs api_key or api_key_file`},
		},
		{
			name: "worksection without api key",
			data: "sources:\n  - name: a\n    provider: worksection\n    auth:\n      login: x\n",
			want: []string{
				`roster.yaml:4: sources[0].auth: provider worksection needs api_key or api_key_file`,
				`roster.yaml:5: sources[0].auth.login: not used by provider worksection (it reads api_key, api_key_file)`,
			},
		},
		{
			name: "zoom without its three credentials",
			data: "sources:\n  - name: a\n    provider: zoom_contact_center\n    auth: {}\n",
			want: []string{
				`roster.yaml:4: sources[0].auth: provider zoom_contact_center needs account_id`,
				`roster.yaml:4: sources[0].auth: provider zoom_contact_center needs client_id`,
				`roster.yaml:4: sources[0].auth: provider zoom_contact_center needs client_secret or client_secret_file`,
			},
		},
		{
			name: "uis without credentials",
			data: "sources:\n  - name: a\n    provider: uis\n",
			want: []string{`roster.yaml:2: sources[0].auth: provider uis needs access_token (or access_token_file), or login with password (or password_file)`},
		},
		{
			name: "uis login without password",
			data: "sources:\n  - name: a\n    provider: uis\n    auth: {login: robot}\n",
			want: []string{`roster.yaml:4: sources[0].auth: provider uis needs password or password_file`},
		},
		{
			name: "uis password without login",
			data: "sources:\n  - name: a\n    provider: uis\n    auth:\n      password_file: pw\n",
			want: []string{`roster.yaml:4: sources[0].auth: provider uis needs login`},
		},
		{
			name: "uis token and login together",
			data: "sources:\n  - name: a\n    provider: uis\n    auth: {access_token: t, login: l, password: p}\n",
			want: []string{`roster.yaml:4: sources[0].auth: provider uis takes access_token or login with password, not both`},
		},
		{
			name: "secret and secret file together",
			data: "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: k\n      api_key_file: key.txt\n",
			want: []string{`roster.yaml:6: sources[0].auth.api_key_file: set api_key or api_key_file, not both`},
		},
		{
			name: "credential the provider does not use",
			data: "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: k\n      client_secret: s\n",
			want: []string{`roster.yaml:6: sources[0].auth.client_secret: not used by provider close (it reads api_key, api_key_file)`},
		},
		{
			name: "token url outside zoom",
			data: "sources:\n  - name: a\n    provider: close\n    token_url: https://zoom.us/oauth/token\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:4: sources[0].token_url: only provider zoom_contact_center uses token_url`},
		},
		{
			name: "relative base url",
			data: "sources:\n  - name: a\n    provider: close\n    base_url: api.close.com/api/v1\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:4: sources[0].base_url: must be an absolute http:// or https:// URL`},
		},
		{
			name: "ftp base url",
			data: "sources:\n  - name: a\n    provider: close\n    base_url: ftp://api.close.com/\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:4: sources[0].base_url: must be an absolute http:// or https:// URL`},
		},
		{
			name: "base url without host",
			data: "sources:\n  - name: a\n    provider: close\n    base_url: https:///api\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:4: sources[0].base_url: has no host`},
		},
		{
			name: "zoom token url with credentials",
			data: "sources:\n  - name: z\n    provider: zoom_contact_center\n    token_url: https://id:pw@zoom.us/oauth/token\n    auth: {account_id: a, client_id: c, client_secret: s}\n",
			want: []string{`roster.yaml:4: sources[0].token_url: must not contain credentials; put them under auth`},
		},
		{
			name: "numbers out of range",
			data: "sources:\n  - name: a\n    provider: close\n    auth: {api_key: k}\n    max_rps: -1\n    page_size: -5\n    timeout: -1s\n    max_retries: 21\n    max_backoff: -2m\n    max_body_mb: -1\n",
			want: []string{
				`roster.yaml:5: sources[0].max_rps: must be a finite number >= 0`,
				`roster.yaml:6: sources[0].page_size: must be >= 0`,
				`roster.yaml:7: sources[0].timeout: must not be negative`,
				`roster.yaml:8: sources[0].max_retries: must be between 0 and 20`,
				`roster.yaml:9: sources[0].max_backoff: must not be negative`,
				`roster.yaml:10: sources[0].max_body_mb: must be between 0 and 4096 (0 means 32)`,
			},
		},
		{
			name: "memory budget too small",
			data: "warehouse:\n  memory_mb: 100\nsources:\n  - name: a\n    provider: close\n    auth: {api_key: k}\n",
			want: []string{`roster.yaml:2: warehouse.memory_mb: must be at least 256 (MiB)`},
		},
		{
			name: "rate that is not a number",
			data: "sources:\n  - name: a\n    provider: close\n    auth: {api_key: k}\n    max_rps: .nan\n",
			want: []string{`roster.yaml:5: sources[0].max_rps: must be a finite number >= 0`},
		},
		{
			name: "unset variable",
			data: "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: ${CLOSE_API_KEY}\n",
			want: []string{`roster.yaml:5:16: sources[0].auth.api_key: environment variable CLOSE_API_KEY is not set`},
		},
		{
			name: "variable set but empty",
			data: "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: ${CLOSE_API_KEY}\n",
			env:  map[string]string{"CLOSE_API_KEY": ""},
			want: []string{`roster.yaml:5: sources[0].auth.api_key: is empty`},
		},
		{
			name: "unterminated reference",
			data: "sources:\n  - name: a\n    provider: close\n    auth: {api_key: \"${CLOSE\"}\n",
			want: []string{`roster.yaml:4:21: sources[0].auth.api_key: unterminated ${ (write $$ for a literal $)`},
		},
		{
			name: "invalid variable name",
			data: "sources:\n  - name: a\n    provider: close\n    auth: {api_key: \"${CLOSE-KEY}\"}\n",
			want: []string{`roster.yaml:4:21: sources[0].auth.api_key: invalid ${...} reference`},
		},
		{
			name: "problem reached through an alias",
			data: "sources:\n  - &close {name: a, provider: close, auth: {api_key: k}}\n  - *close\n",
			want: []string{`roster.yaml:3: sources[1].name: duplicate name "a" (also sources[0], line 2)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.data), "roster.yaml", envOf(tt.env))
			assertHasLines(t, err, tt.want...)
		})
	}
}

func TestParseRejectsAFileWithoutSources(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, data, want string }{
		{"empty", "", "roster.yaml: no sources configured"},
		{"only comments", "# nothing yet\n", "roster.yaml: no sources configured"},
		{"only a warehouse", "warehouse:\n  duckdb: x.duckdb\n", "roster.yaml: sources: no sources configured"},
		{"empty list", "warehouse: {}\nsources: []\n", "roster.yaml:2: sources: no sources configured"},
		{"null list", "sources:\n", "roster.yaml:1: sources: no sources configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.data), "roster.yaml", nil)
			assertHasLines(t, err, tt.want)
		})
	}
}

func TestParseReportsEveryProblemInFileOrder(t *testing.T) {
	t.Parallel()
	data := `sources:
  - name: Bad Name
    provider: close
    auth: {api_key: "${MISSING}"}
  - name: ok
    provider: nope
    timezone: Nowhere/Else
`
	_, err := Parse([]byte(data), "roster.yaml", nil)
	want := []string{
		`roster.yaml:2: sources[0].name: "Bad Name" must match [a-z0-9_-]{1,64}`,
		`roster.yaml:4:21: sources[0].auth.api_key: environment variable MISSING is not set`,
		`roster.yaml:6: sources[1].provider: unknown provider "nope" (known: close, worksection, zoom_contact_center, uis)`,
		`roster.yaml:7: sources[1].timezone: "Nowhere/Else" is not an IANA time zone name (e.g. UTC, Europe/Berlin)`,
	}
	if got := errorLines(t, err); !slices.Equal(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	var configErr *Error
	if errors.As(err, &configErr) && (configErr.Problems[1].Path != "sources[0].auth.api_key" || configErr.Problems[1].Line != 4) {
		t.Errorf("problem = %+v, want its path and line as fields", configErr.Problems[1])
	}
}

func TestParseExpandsEnvironmentVariablesInValues(t *testing.T) {
	t.Parallel()
	data := `warehouse:
  duckdb: ${STATE_DIR}/roster.duckdb
sources:
  - name: ${NAME}
    provider: close
    base_url: "http://127.0.0.1:${PORT}/api/v1"
    max_rps: ${RPS}
    timeout: ${TIMEOUT}
    auth:
      api_key: ${KEY}
  - name: b
    provider: uis
    auth:
      login: "cost$$ $HOME ${USER}$"
      password: "${PASSWORD}"
`
	env := map[string]string{
		"STATE_DIR": "/srv/state",
		"NAME":      "close-main",
		"PORT":      "8080",
		"RPS":       "2.5",
		"TIMEOUT":   "45s",
		"KEY":       "a: b # not a comment\n- [x] {y} &z *w '\"",
		"USER":      "robot",
		"PASSWORD":  "${NOT_EXPANDED_AGAIN} $$",
	}
	cfg, err := Parse([]byte(data), "roster.yaml", envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	closeSource, uis := cfg.Sources[0], cfg.Sources[1]
	checks := []struct{ what, got, want string }{
		{"duckdb", cfg.Warehouse.DuckDB, "/srv/state/roster.duckdb"},
		{"name", closeSource.Name, "close-main"},
		{"base_url", closeSource.BaseURL, "http://127.0.0.1:8080/api/v1"},
		{"api_key with YAML syntax", closeSource.Auth.APIKey, env["KEY"]},
		{"$$ and a lone $", uis.Auth.Login, "cost$ $HOME robot$"},
		{"value expanded once", uis.Auth.Password, "${NOT_EXPANDED_AGAIN} $$"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if closeSource.MaxRPS != 2.5 || closeSource.Timeout.Duration != 45*time.Second {
		t.Errorf("max_rps %v timeout %v, want 2.5 and 45s", closeSource.MaxRPS, closeSource.Timeout)
	}
}

func TestParseReadsSecretsFromFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "close.key"), "close-secret\n")
	writeFile(t, filepath.Join(dir, "zoom.secret"), "zoom-secret\r\n")
	abs := filepath.Join(t.TempDir(), "uis.password")
	writeFile(t, abs, "uis-password")
	data := `sources:
  - name: a
    provider: close
    auth: {api_key_file: close.key}
  - name: z
    provider: zoom_contact_center
    auth: {account_id: acc, client_id: cid, client_secret_file: ./zoom.secret}
  - name: u
    provider: uis
    auth: {login: robot, password_file: "${PW_FILE}"}
`
	cfg, err := Parse([]byte(data), filepath.Join(dir, "roster.yaml"), envOf(map[string]string{"PW_FILE": abs}))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Sources[0].Auth; got.APIKey != "close-secret" || got.APIKeyFile != filepath.Join(dir, "close.key") {
		t.Errorf("close auth = %+v", got)
	}
	if got := cfg.Sources[1].Auth.ClientSecret; got != "zoom-secret" {
		t.Errorf("zoom client secret = %q, want the trailing line break trimmed", got)
	}
	if got := cfg.Sources[2].Auth.Password; got != "uis-password" {
		t.Errorf("uis password = %q", got)
	}
	if got := cfg.Sources[2].Auth.Secrets(); !slices.Equal(got, []string{"uis-password"}) {
		t.Errorf("Secrets() = %q, want the file's content", got)
	}
}

func TestParseReportsUnreadableSecretFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "empty.key"), "\n")
	writeFile(t, filepath.Join(dir, "huge.key"), strings.Repeat("x", maxSecretFileSize+1))
	if err := os.Mkdir(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, file, want string }{
		{"missing", "missing.key", `roster.yaml:4: sources[0].auth.api_key_file: cannot read "` + filepath.Join(dir, "missing.key") + `": no such file or directory`},
		{"empty", "empty.key", `roster.yaml:4: sources[0].auth.api_key_file: "` + filepath.Join(dir, "empty.key") + `" is empty`},
		{"too large", "huge.key", `roster.yaml:4: sources[0].auth.api_key_file: "` + filepath.Join(dir, "huge.key") + `" is larger than 64 KiB`},
		{"a directory", "secrets", `roster.yaml:4: sources[0].auth.api_key_file: cannot read "` + filepath.Join(dir, "secrets") + `": not a regular file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := "sources:\n  - name: a\n    provider: close\n    auth: {api_key_file: " + tt.file + "}\n"
			_, err := Parse([]byte(data), filepath.Join(dir, "roster.yaml"), nil)
			want := strings.Replace(tt.want, "roster.yaml", filepath.Join(dir, "roster.yaml"), 1)
			assertHasLines(t, err, want)
		})
	}
}

func TestErrorsNeverContainSecrets(t *testing.T) {
	t.Parallel()
	const (
		envSecret     = "env-SECRET-value-1"
		literalSecret = "literal-SECRET-value-2"
		fileSecret    = "file-SECRET-value-3"
	)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "secret.txt"), fileSecret+"\n")
	env := envOf(map[string]string{"SECRET": envSecret, "SECRET_FILE": "secret.txt"})
	tests := []struct{ name, data string }{
		{"env secret beside another problem", "sources:\n  - name: a\n    provider: close\n    timezone: Nowhere\n    auth: {api_key: \"${SECRET}\"}\n"},
		{"env secret in a name", "sources:\n  - name: ${SECRET}\n    provider: close\n    auth: {api_key: k}\n"},
		{"env secret in a duplicate name", "sources:\n  - name: x${SECRET}\n  - name: x${SECRET}\n"},
		{"env secret in a provider", "sources:\n  - name: a\n    provider: ${SECRET}\n"},
		{"env secret in a region and zone", "sources:\n  - name: a\n    provider: close\n    default_region: ${SECRET}\n    timezone: ${SECRET}\n"},
		{"env secret in a URL", "sources:\n  - name: a\n    provider: close\n    base_url: https://user:${SECRET}@host/\n    auth: {api_key: k}\n"},
		{"env secret in a URL that does not parse", "sources:\n  - name: a\n    provider: close\n    base_url: \"http://[${SECRET}\"\n    auth: {api_key: k}\n"},
		{"env secret in a number", "sources:\n  - name: a\n    provider: close\n    max_rps: ${SECRET}\n"},
		{"env secret in a duration", "sources:\n  - name: a\n    provider: close\n    timeout: ${SECRET}\n"},
		{"env secret under a bool tag", "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: !!bool ${SECRET}\n"},
		{"env secret under a binary tag", "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: !!binary ${SECRET}\n"},
		{"env secret as a file name", "sources:\n  - name: a\n    provider: close\n    auth: {api_key_file: \"${SECRET}\"}\n"},
		{"literal secret under a bool tag", "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: !!bool " + literalSecret + "\n"},
		{"literal secret for another provider", "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: k\n      password: " + literalSecret + "\n"},
		{"literal secret with a bad reference", "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: \"" + literalSecret + "${x y}\"\n"},
		{"literal secret with a stray reference", "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: \"" + literalSecret + "${\"\n"},
		{"literal secret beside a both-set error", "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: " + literalSecret + "\n      api_key_file: secret.txt\n"},
		{"file secret beside a missing file", "sources:\n  - name: a\n    provider: close\n    auth: {api_key_file: secret.txt}\n  - name: b\n    provider: uis\n    auth: {access_token_file: missing.txt}\n"},
		{"file secret beside a bad zone", "sources:\n  - name: a\n    provider: close\n    timezone: Nowhere\n    auth: {api_key_file: \"${SECRET_FILE}\"}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.data), filepath.Join(dir, "roster.yaml"), env)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, secret := range []string{envSecret, literalSecret, fileSecret} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error contains secret %q:\n%v", secret, err)
				}
			}
		})
	}
}

func TestHashIdentifiesTheEffectiveConfiguration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "key-v1"), "one")
	writeFile(t, filepath.Join(dir, "key-v2"), "two")
	hash := func(data string, env map[string]string) string {
		t.Helper()
		cfg, err := Parse([]byte(data), filepath.Join(dir, "roster.yaml"), envOf(env))
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Hash
	}
	const block = "sources:\n  - name: a\n    provider: close\n    auth:\n      api_key: ${KEY}\n"
	base := hash(block, map[string]string{"KEY": "first"})

	same := []struct{ name, data string }{
		{"flow style and comments", "# nightly\nsources: [{name: a, provider: close, auth: {api_key: \"${KEY}\"}}]  # one source\n"},
		{"defaults written out", "warehouse: {duckdb: ./roster.duckdb}\n" + block + "    timezone: UTC\n    default_region: us\n"},
	}
	for _, tt := range same {
		if got := hash(tt.data, map[string]string{"KEY": "first"}); got != base {
			t.Errorf("%s: hash changed", tt.name)
		}
	}
	if got := hash(block, map[string]string{"KEY": "rotated"}); got != base {
		t.Error("rotating a secret in the environment changed the hash")
	}
	fileConfig := "sources:\n  - name: a\n    provider: close\n    auth: {api_key_file: key-v1}\n"
	withFile := hash(fileConfig, nil)
	writeFile(t, filepath.Join(dir, "key-v1"), "rotated")
	if got := hash(fileConfig, nil); got != withFile {
		t.Error("rotating a secret file changed the hash")
	}

	different := []struct{ name, data string }{
		{"a setting", block + "    max_rps: 3\n"},
		{"a name", strings.Replace(block, "name: a", "name: b", 1)},
		{"the warehouse", "warehouse: {lake: ./lake}\n" + block},
		{"the secret file", strings.Replace(fileConfig, "key-v1", "key-v2", 1)},
	}
	for _, tt := range different {
		if got := hash(tt.data, map[string]string{"KEY": "first"}); got == base || got == withFile {
			t.Errorf("changing %s kept the hash", tt.name)
		}
	}
	if got := hash(block, map[string]string{"KEY": "${KEY}"}); got != base {
		t.Error("a secret's value reached the hash")
	}
}

func TestSelectFiltersSourcesByName(t *testing.T) {
	t.Parallel()
	cfg := &Config{Path: "roster.yaml", Sources: []Source{{Name: "close-main"}, {Name: "ws"}, {Name: "uis"}}}
	tests := []struct {
		name    string
		names   []string
		want    []string
		wantErr string
	}{
		{name: "no names selects all", want: []string{"close-main", "ws", "uis"}},
		{name: "file order, each once", names: []string{"uis", "close-main", "uis"}, want: []string{"close-main", "uis"}},
		{name: "unknown name lists the known ones", names: []string{"ws", "zoom"}, wantErr: `unknown source "zoom" in roster.yaml (configured: close-main, ws, uis)`},
		{name: "several unknown names", names: []string{"x", "ws", "y", "x"}, wantErr: `unknown sources "x", "y" in roster.yaml (configured: close-main, ws, uis)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cfg.Select(tt.names)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range got {
				names = append(names, s.Name)
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("selected %q, want %q", names, tt.want)
			}
		})
	}
}

func TestSecretsListsEverySecretValue(t *testing.T) {
	t.Parallel()
	a := Auth{APIKey: "k", AccountID: "acc", ClientID: "cid", ClientSecret: "cs", AccessToken: "t", Login: "l", Password: "p", APIKeyFile: "f"}
	if got := a.Secrets(); !slices.Equal(got, []string{"k", "cs", "t", "p"}) {
		t.Errorf("Secrets() = %q", got)
	}
	if got := (Auth{}).Secrets(); len(got) != 0 {
		t.Errorf("Secrets() of empty auth = %q", got)
	}
}

func TestLoadReadsTheFileAndResolvesPathsAgainstItsDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "key"), "k\n")
	path := filepath.Join(dir, "roster.yaml")
	writeFile(t, path, "warehouse: {lake: lake}\nsources:\n  - name: a\n    provider: close\n    auth: {api_key_file: key}\n")
	cfg, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != path || cfg.Warehouse.Lake != filepath.Join(dir, "lake") || cfg.Sources[0].Auth.APIKey != "k" {
		t.Errorf("config = %+v", cfg)
	}
	if _, err := Load(filepath.Join(dir, "absent.yaml"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: err = %v, want fs.ErrNotExist", err)
	}
}

func FuzzParse(f *testing.F) {
	const (
		envSecret  = "ENV-sentinel-5b1f"
		fileSecret = "FILE-sentinel-9c2e"
	)
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte(fileSecret+"\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "roster.yaml")
	for _, seed := range []string{
		designExample,
		"",
		"sources: []\n",
		"sources:\n  - name: a\n    provider: close\n    auth: {api_key_file: secret.txt}\n",
		"sources:\n  - name: ${X}\n    provider: ${X}\n    base_url: ${X}\n    timezone: ${X}\n    default_region: ${X}\n",
		"sources:\n  - name: a\n    provider: uis\n    timeout: ${T}\n    max_rps: ${R}\n    auth: {login: ${L}, password: !!bool ${P}}\n",
		"sources:\n  - &a {name: a, provider: close, auth: {api_key: \"$${A}\"}}\n  - <<: *a\n    name: b\n  - *a\n",
		"sources:\n  - name: z\n    provider: zoom_contact_center\n    token_url: https://u:${S}@zoom.us/\n    auth: {account_id: a, client_id: b, client_secret: ${S}, client_secret_file: secret.txt}\n",
		"warehouse: {duckdb: \"${D}\", lake: [x]}\nsources: {a: 1}\n---\n- x\n",
	} {
		f.Add([]byte(seed))
	}
	env := func(string) (string, bool) { return envSecret, true }
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, path, env)
		if err != nil {
			if cfg != nil {
				t.Fatal("Parse returned both a config and an error")
			}
			message := err.Error()
			for _, secret := range []string{envSecret, fileSecret} {
				if strings.Contains(message, secret) && !strings.Contains(string(data), secret) {
					t.Fatalf("error contains secret %q:\n%s", secret, message)
				}
			}
			for line := range strings.SplitSeq(message, "\n") {
				if !strings.HasPrefix(line, path+":") {
					t.Fatalf("error line %q does not start with %s:", line, path)
				}
			}
			return
		}
		if len(cfg.Sources) == 0 || len(cfg.Hash) != 64 {
			t.Fatalf("valid config with %d sources and hash %q", len(cfg.Sources), cfg.Hash)
		}
		for _, s := range cfg.Sources {
			if !namePattern.MatchString(s.Name) || s.Line <= 0 && !strings.Contains(string(data), "*") {
				t.Fatalf("accepted source %+v", s)
			}
		}
	})
}
