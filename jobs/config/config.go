// Package config loads and validates roster.yaml: where the warehouse lives and which
// provider accounts a run syncs.
//
// Loading is strict, because a nightly job should fail at startup rather than halfway
// through: unknown keys, values of the wrong type, bad names, regions, time zones and URLs,
// and missing or conflicting credentials are all reported before any source runs, each as
// one line of the form "file:line: key.path: message". ${VAR} references are expanded from
// the environment after the YAML is parsed, and the *_file keys read a secret from a file.
// No secret value (from the file, the environment or a secret file) ever appears in an
// error, and none contributes to Config.Hash.
//
// config describes sources by provider id only. It must not import extract, transform or
// load (nor anything under them): provider defaults such as base URLs, page sizes and retry
// policy belong to the provider packages, and jobs wires the two together.
package config

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Provider ids a source may name in its provider key.
const (
	// ProviderClose is Close CRM (REST, API key).
	ProviderClose = "close"
	// ProviderWorksection is the Worksection admin API (API key signs each request).
	ProviderWorksection = "worksection"
	// ProviderZoomContactCenter is Zoom Contact Center (Server-to-Server OAuth).
	ProviderZoomContactCenter = "zoom_contact_center"
	// ProviderUIS is the UIS / CoMagic Data API (access token or login and password).
	ProviderUIS = "uis"
)

// Defaults applied by Load and Parse to keys the file leaves out.
const (
	// DefaultDuckDB is the warehouse database path, relative to the config file.
	DefaultDuckDB = "./roster.duckdb"
	// DefaultMemoryMB is the memory budget of a sync when warehouse.memory_mb is not set:
	// enough for 1,000,000 users (measured on first nights with make bench: peak RSS
	// 0.92-0.97 GiB). A larger directory needs a larger budget: a query DuckDB cannot
	// spill fails with "Out of Memory Error", and the sync's error names memory_mb.
	DefaultMemoryMB = 1024
	// MinMemoryMB is the smallest memory budget accepted.
	MinMemoryMB = 256
	// DefaultRegion is the phone parsing region for numbers without a country code.
	DefaultRegion = "US"
	// DefaultTimezone is the zone for provider timestamps that carry no offset.
	DefaultTimezone = "UTC"
	// MaxRetriesLimit is the largest max_retries a source may set.
	MaxRetriesLimit = 20
)

// Providers returns the provider ids a source may name, in the order the design lists them.
func Providers() []string {
	return []string{ProviderClose, ProviderWorksection, ProviderZoomContactCenter, ProviderUIS}
}

// Config is a loaded, validated roster.yaml. Secrets named by *_file keys have been read
// into their plain counterparts (Auth.APIKey and so on), and relative paths have been
// resolved against the directory of the file.
type Config struct {
	// Path is the file the configuration was read from, as given to Load or Parse.
	Path string
	// Warehouse says where the DuckDB database and the Parquet lake live.
	Warehouse Warehouse
	// Sources are the configured provider accounts, in file order; names are unique.
	Sources []Source
	// Hash is the hex SHA-256 of the effective configuration (after ${VAR} expansion and
	// defaults, before paths are resolved) with every secret replaced by "<redacted>". The
	// run ledger records it to tell whether the configuration changed between runs; it does
	// not change when a secret is rotated or when the file is only reformatted or commented.
	Hash string
}

// Warehouse is the warehouse section of roster.yaml.
type Warehouse struct {
	// DuckDB is the path of the DuckDB database file; DefaultDuckDB when not set. The
	// special name ":memory:" is kept as is.
	DuckDB string `yaml:"duckdb"`
	// Lake is the root directory of the Parquet lake; empty disables the lake.
	Lake string `yaml:"lake"`
	// MemoryMB is the memory budget of a sync in MiB; DefaultMemoryMB when not set.
	// DuckDB gets 40% of it as its memory_limit (DuckDBMemory: spilling to disk beyond; a
	// query that cannot spill fails), the Go heap a soft limit of 35% (GoMemory, unless
	// GOMEMLIMIT is set).
	MemoryMB int `yaml:"memory_mb"`
}

// Source is one provider account to sync: one entry of the sources list.
type Source struct {
	// Name identifies the source in keys, partition paths and --source; it matches
	// ^[a-z0-9_-]{1,64}$ and is unique in the file.
	Name string `yaml:"name"`
	// Provider is one of the Provider* ids.
	Provider string `yaml:"provider"`
	// BaseURL overrides the provider's default API root (for fakes and proxies); when set
	// it is an absolute http(s) URL without credentials.
	BaseURL string `yaml:"base_url"`
	// TokenURL overrides the OAuth token endpoint; zoom_contact_center only.
	TokenURL string `yaml:"token_url"`
	// Auth holds the credentials; which keys a provider needs is checked by Load.
	Auth Auth `yaml:"auth"`
	// DefaultRegion is the ISO 3166-1 alpha-2 region (upper case) used to parse phone
	// numbers that carry no country code; DefaultRegion when not set.
	DefaultRegion string `yaml:"default_region"`
	// Timezone is the IANA zone in which provider timestamps without an offset are read;
	// DefaultTimezone when not set.
	Timezone string `yaml:"timezone"`
	// MaxRPS is an optional ceiling on requests per second below the provider's own limit;
	// 0 means no extra ceiling.
	MaxRPS float64 `yaml:"max_rps"`
	// PageSize overrides the provider's page size; 0 means the provider default.
	PageSize int `yaml:"page_size"`
	// Timeout bounds one request attempt; 0 means the default.
	Timeout Duration `yaml:"timeout"`
	// MaxRetries is how often a failed request is retried, 0 to MaxRetriesLimit; nil means
	// the default.
	MaxRetries *int `yaml:"max_retries"`
	// MaxBackoff caps the wait between retries; 0 means the default.
	MaxBackoff Duration `yaml:"max_backoff"`
	// MaxBodyMB bounds one reply body in MiB (a larger reply fails the source); 0 means
	// the default, 32. Worksection lists every user in one reply: a very large account
	// may need more.
	MaxBodyMB int `yaml:"max_body_mb"`
	// Line is the line of this source's entry in the file, for later error messages.
	Line int `yaml:"-"`
}

// Auth is the auth section of a source. Each secret key X has an X_file variant that
// reads the secret from a file instead; after loading, the secret is in X either way.
type Auth struct {
	// APIKey is the close or worksection API key (secret).
	APIKey string `yaml:"api_key"`
	// APIKeyFile names a file holding APIKey.
	APIKeyFile string `yaml:"api_key_file"`
	// AccountID is the Zoom account id for Server-to-Server OAuth.
	AccountID string `yaml:"account_id"`
	// ClientID is the Zoom OAuth client id.
	ClientID string `yaml:"client_id"`
	// ClientSecret is the Zoom OAuth client secret (secret).
	ClientSecret string `yaml:"client_secret"`
	// ClientSecretFile names a file holding ClientSecret.
	ClientSecretFile string `yaml:"client_secret_file"`
	// AccessToken is the UIS Data API access token (secret).
	AccessToken string `yaml:"access_token"`
	// AccessTokenFile names a file holding AccessToken.
	AccessTokenFile string `yaml:"access_token_file"`
	// Login is the UIS user for a login.user session, used instead of AccessToken.
	Login string `yaml:"login"`
	// Password is the UIS password that goes with Login (secret).
	Password string `yaml:"password"`
	// PasswordFile names a file holding Password.
	PasswordFile string `yaml:"password_file"`
}

// Secrets returns every non-empty secret value in a, for callers that redact logs and
// errors. After Load, values read from *_file keys are included.
func (a Auth) Secrets() []string {
	var secrets []string
	for _, s := range []string{a.APIKey, a.ClientSecret, a.AccessToken, a.Password} {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	return secrets
}

// redacted returns a with every secret value replaced by a fixed marker, so that the
// presence of a secret, but not its value, counts toward Config.Hash.
func (a Auth) redacted() Auth {
	for _, s := range []*string{&a.APIKey, &a.ClientSecret, &a.AccessToken, &a.Password} {
		if *s != "" {
			*s = "<redacted>"
		}
	}
	return a
}

// Duration is a time.Duration written in roster.yaml as a Go duration string such as
// "30s" or "1m30s"; a bare 0 is also accepted.
type Duration struct{ time.Duration }

// UnmarshalYAML implements yaml.NodeUnmarshaler. It takes the node rather than a decoded
// value so that a bad duration is reported at its own line and column.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	for {
		tag, ok := node.(*ast.TagNode)
		if !ok {
			break
		}
		node = tag.Value
	}
	switch n := node.(type) {
	case *ast.NullNode:
		d.Duration = 0
		return nil
	case *ast.IntegerNode:
		if fmt.Sprint(n.Value) == "0" {
			d.Duration = 0
			return nil
		}
		return &nodeError{token: n.GetToken(), quoteValue: true, message: "is not a duration: it needs a unit (e.g. 30s, 1m30s)"}
	case *ast.StringNode:
		parsed, err := time.ParseDuration(n.Value)
		if err != nil {
			// ParseDuration's own message repeats the value, which may come from the
			// environment; nodeError quotes the value as written instead.
			return &nodeError{token: n.GetToken(), quoteValue: true, message: "is not a duration (e.g. 30s, 1m30s)"}
		}
		d.Duration = parsed
		return nil
	case *ast.AliasNode:
		return &nodeError{token: n.GetToken(), message: "expected a duration such as 30s; aliases are not supported here"}
	}
	return &nodeError{token: node.GetToken(), message: "expected a duration such as 30s"}
}

// nodeError is a decoding error that knows where it happened. Its message never contains
// the value: the loader adds the value as written in the file when quoteValue is set.
type nodeError struct {
	token      *token.Token
	quoteValue bool
	message    string
}

func (e *nodeError) Error() string { return e.message }

// Load reads and validates the configuration file at path. env looks up environment
// variables for ${VAR} expansion (os.LookupEnv in production; nil means none are set).
// A configuration that is not valid yields an *Error listing every problem found.
func Load(path string, env func(string) (string, bool)) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path, env)
}

// Parse validates the configuration in data as if it had been read from path: path names
// the file in messages, and relative paths in it (warehouse paths, *_file keys) are
// resolved against its directory. env is as for Load.
func Parse(data []byte, path string, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	return newLoader(path, env).load(data)
}

// Select returns the sources named in names (the --source filter) in file order, each
// once; no names selects every source. A name that is not configured is an error that
// lists the configured names.
func (c *Config) Select(names []string) ([]Source, error) {
	if len(names) == 0 {
		return slices.Clone(c.Sources), nil
	}
	wanted := make(map[string]bool, len(names))
	for _, name := range names {
		wanted[name] = true
	}
	var selected []Source
	for _, s := range c.Sources {
		if wanted[s.Name] {
			selected = append(selected, s)
			delete(wanted, s.Name)
		}
	}
	if len(wanted) == 0 {
		return selected, nil
	}
	var unknown []string
	for _, name := range names {
		if wanted[name] {
			unknown = append(unknown, strconv.Quote(name))
			delete(wanted, name)
		}
	}
	configured := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		configured[i] = s.Name
	}
	noun := "source"
	if len(unknown) > 1 {
		noun = "sources"
	}
	return nil, fmt.Errorf("unknown %s %s in %s (configured: %s)",
		noun, strings.Join(unknown, ", "), c.Path, strings.Join(configured, ", "))
}

// DuckDBMemory is the memory_limit DuckDB gets out of a budget of mb MiB: 40% of it. With
// the Go heap's 35% (GoMemory) that leaves 25% for what neither limit binds: DuckDB's
// allocator caches and Parquet writers, the Go runtime (at 1,000,000 users DuckDB's share
// of RSS ran 170-270 MB past its memory_limit, whatever the limit). Measured on a 1M
// first night at 1024, one merge at a time: 50% peaked at 1.03-1.06 GiB, 40% at
// 0.94-0.97 GiB in no more time (two runs each). Below that, a query that cannot spill
// (a lake file's row group, a list aggregate) is the first to fail.
func DuckDBMemory(mb int) int64 { return int64(mb) << 20 * 40 / 100 }

// GoMemory is the Go heap's soft limit out of a budget of mb MiB: 35% of it (measured on
// a 1M first night at 1024: 40% peaked at 1.04 GiB, 35% at 0.99 GiB in the same time, 30%
// at 0.98 GiB but 20% slower, the collector running more).
func GoMemory(mb int) int64 { return int64(mb) << 20 * 35 / 100 }
