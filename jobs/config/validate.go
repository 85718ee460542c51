package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// namePattern is the source name rule: names become lake partition values and keys.
var namePattern = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// maxSecretFileSize bounds a *_file read, so that a path such as /dev/zero fails clearly
// instead of exhausting memory.
const maxSecretFileSize = 64 << 10

// defaults fills in the values the file leaves out and normalizes case.
func (l *loader) defaults(doc *document) {
	if doc.Warehouse.DuckDB == "" {
		doc.Warehouse.DuckDB = DefaultDuckDB
	}
	if doc.Warehouse.MemoryMB == 0 {
		doc.Warehouse.MemoryMB = DefaultMemoryMB
	}
	for i := range doc.Sources {
		s := &doc.Sources[i]
		s.Line = l.pathPosition(fmt.Sprintf("sources[%d]", i)).line
		if s.DefaultRegion == "" {
			s.DefaultRegion = DefaultRegion
		}
		if s.Timezone == "" {
			s.Timezone = DefaultTimezone
		}
	}
}

// credential is a secret key and its *_file variant.
type credential struct {
	key         string
	value, file *string
}

// authKey is one key of the auth section, for the check that a provider uses it.
type authKey struct {
	key   string
	value *string
}

// providerAuth lists the auth keys each provider reads.
var providerAuth = map[string][]string{
	ProviderClose:             {"api_key", "api_key_file"},
	ProviderWorksection:       {"api_key", "api_key_file"},
	ProviderZoomContactCenter: {"account_id", "client_id", "client_secret", "client_secret_file"},
	ProviderUIS:               {"access_token", "access_token_file", "login", "password", "password_file"},
}

func credentials(a *Auth) []credential {
	return []credential{
		{"api_key", &a.APIKey, &a.APIKeyFile},
		{"client_secret", &a.ClientSecret, &a.ClientSecretFile},
		{"access_token", &a.AccessToken, &a.AccessTokenFile},
		{"password", &a.Password, &a.PasswordFile},
	}
}

func authKeys(a *Auth) []authKey {
	return []authKey{
		{"api_key", &a.APIKey}, {"api_key_file", &a.APIKeyFile},
		{"account_id", &a.AccountID}, {"client_id", &a.ClientID},
		{"client_secret", &a.ClientSecret}, {"client_secret_file", &a.ClientSecretFile},
		{"access_token", &a.AccessToken}, {"access_token_file", &a.AccessTokenFile},
		{"login", &a.Login}, {"password", &a.Password}, {"password_file", &a.PasswordFile},
	}
}

// validateSource checks source i; earlier holds the sources before it, for uniqueness.
func (l *loader) validateSource(i int, s *Source, earlier []Source) {
	base := fmt.Sprintf("sources[%d]", i)
	at := func(key string) string { return base + "." + key }

	switch {
	case s.Name == "":
		l.add(at("name"), "required")
	case !namePattern.MatchString(s.Name):
		l.add(at("name"), "%s must match [a-z0-9_-]{1,64}", l.quote(s.Name))
	default:
		for j, other := range earlier {
			if other.Name == s.Name {
				l.add(at("name"), "duplicate name %s (also sources[%d], line %d)", l.quote(s.Name), j, other.Line)
				break
			}
		}
	}

	providerKnown := false
	switch {
	case s.Provider == "":
		l.add(at("provider"), "required (one of %s)", strings.Join(Providers(), ", "))
	case !slices.Contains(Providers(), s.Provider):
		l.add(at("provider"), "unknown provider %s (known: %s)", l.quote(s.Provider), strings.Join(Providers(), ", "))
	default:
		providerKnown = true
	}

	if s.BaseURL != "" {
		if problem := checkURL(s.BaseURL); problem != "" {
			l.add(at("base_url"), "%s", problem)
		}
	}
	if providerKnown && s.Provider == ProviderWorksection && s.BaseURL == "" {
		l.add(at("base_url"), "provider %s needs base_url, the account's admin API (e.g. https://acme.worksection.com/api/admin/v2/)", s.Provider)
	}
	if s.TokenURL != "" {
		if providerKnown && s.Provider != ProviderZoomContactCenter {
			l.add(at("token_url"), "only provider %s uses token_url", ProviderZoomContactCenter)
		} else if problem := checkURL(s.TokenURL); problem != "" {
			l.add(at("token_url"), "%s", problem)
		}
	}

	region := strings.ToUpper(s.DefaultRegion)
	if !isRegion(region) {
		message := "%s is not an ISO 3166-1 alpha-2 region code (e.g. US, GB, DE)"
		if region == "UK" {
			message += "; the United Kingdom is GB"
		}
		l.add(at("default_region"), message, l.quote(s.DefaultRegion))
	}
	s.DefaultRegion = region

	// "Local" would make a night's results depend on the machine it ran on.
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "Local" {
		l.add(at("timezone"), "%s is not an IANA time zone name (e.g. UTC, Europe/Berlin)", l.quote(s.Timezone))
	}

	if s.MaxRPS < 0 || math.IsNaN(s.MaxRPS) || math.IsInf(s.MaxRPS, 0) {
		l.add(at("max_rps"), "must be a finite number >= 0")
	}
	if s.PageSize < 0 {
		l.add(at("page_size"), "must be >= 0 (0 means the provider default)")
	}
	if s.Timeout.Duration < 0 {
		l.add(at("timeout"), "must not be negative")
	}
	if s.MaxBackoff.Duration < 0 {
		l.add(at("max_backoff"), "must not be negative")
	}
	if s.MaxBodyMB < 0 || s.MaxBodyMB > 4096 {
		l.add(at("max_body_mb"), "must be between 0 and 4096 (0 means 32)")
	}
	if s.MaxRetries != nil && (*s.MaxRetries < 0 || *s.MaxRetries > MaxRetriesLimit) {
		l.add(at("max_retries"), "must be between 0 and %d", MaxRetriesLimit)
	}

	if providerKnown {
		l.validateAuth(base+".auth", s.Provider, &s.Auth)
	}
}

// validateAuth checks that auth holds what provider needs and nothing it does not use.
func (l *loader) validateAuth(path, provider string, a *Auth) {
	at := func(key string) string { return path + "." + key }
	used := providerAuth[provider]
	for _, k := range authKeys(a) {
		if l.present(at(k.key), *k.value) && !slices.Contains(used, k.key) {
			l.add(at(k.key), "not used by provider %s (it reads %s)", provider, strings.Join(used, ", "))
		}
	}
	for _, c := range credentials(a) {
		if *c.value != "" && *c.file != "" {
			l.add(at(c.key+"_file"), "set %s or %s_file, not both", c.key, c.key)
		}
	}

	// need reports a missing key, or one written in the file whose value expanded to "".
	need := func(key string, value *string, alternative *string) {
		if *value != "" || (alternative != nil && *alternative != "") {
			return
		}
		switch {
		case l.present(at(key), ""):
			l.add(at(key), "is empty")
		case alternative != nil && l.present(at(key+"_file"), ""):
			l.add(at(key+"_file"), "is empty")
		case alternative != nil:
			l.add(path, "provider %s needs %s or %s_file", provider, key, key)
		default:
			l.add(path, "provider %s needs %s", provider, key)
		}
	}
	switch provider {
	case ProviderClose, ProviderWorksection:
		need("api_key", &a.APIKey, &a.APIKeyFile)
	case ProviderZoomContactCenter:
		need("account_id", &a.AccountID, nil)
		need("client_id", &a.ClientID, nil)
		need("client_secret", &a.ClientSecret, &a.ClientSecretFile)
	case ProviderUIS:
		token := a.AccessToken != "" || a.AccessTokenFile != ""
		password := a.Password != "" || a.PasswordFile != ""
		switch {
		case token && (a.Login != "" || password):
			l.add(path, "provider %s takes access_token or login with password, not both", provider)
		case token:
		case a.Login != "" || password:
			need("login", &a.Login, nil)
			need("password", &a.Password, &a.PasswordFile)
		case l.present(at("access_token"), "") || l.present(at("access_token_file"), ""):
			need("access_token", &a.AccessToken, &a.AccessTokenFile)
		default:
			l.add(path, "provider %s needs access_token (or access_token_file), or login with password (or password_file)", provider)
		}
	}
}

// present reports whether a key has a value or is written in the file.
func (l *loader) present(path, value string) bool {
	if value != "" {
		return true
	}
	_, ok := l.positions[path]
	return ok
}

// readSecretFiles replaces each *_file key of source i with the secret it names.
func (l *loader) readSecretFiles(i int, s *Source) {
	for _, c := range credentials(&s.Auth) {
		if *c.file == "" {
			continue
		}
		path := fmt.Sprintf("sources[%d].auth.%s_file", i, c.key)
		secret, problem := l.readSecretFile(*c.file)
		if problem != "" {
			l.add(path, "%s", problem)
			continue
		}
		*c.value = secret
		*c.file = l.resolve(*c.file)
	}
}

// readSecretFile returns the secret in the file named by name, without trailing line
// breaks, or a problem that names the file but never repeats its content.
func (l *loader) readSecretFile(name string) (secret, problem string) {
	shown := l.quote(name)
	if _, expanded := l.rawByValue[name]; !expanded {
		shown = strconv.Quote(l.resolve(name))
	}
	f, err := os.Open(l.resolve(name))
	if err != nil {
		return "", fmt.Sprintf("cannot read %s: %s", shown, reason(err))
	}
	defer f.Close()
	// Anything but a regular file (a FIFO, a terminal) could block the run forever.
	if info, err := f.Stat(); err != nil {
		return "", fmt.Sprintf("cannot read %s: %s", shown, reason(err))
	} else if !info.Mode().IsRegular() {
		return "", fmt.Sprintf("cannot read %s: not a regular file", shown)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileSize+1))
	if err != nil {
		return "", fmt.Sprintf("cannot read %s: %s", shown, reason(err))
	}
	if len(data) > maxSecretFileSize {
		return "", fmt.Sprintf("%s is larger than %d KiB; it should hold one secret", shown, maxSecretFileSize>>10)
	}
	secret = strings.TrimRight(string(data), "\r\n")
	if secret == "" {
		return "", fmt.Sprintf("%s is empty", shown)
	}
	return secret, ""
}

// reason is an I/O error without the path, which the caller already shows.
func reason(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}

// checkURL returns what is wrong with an API URL, or "". It never repeats the URL, which
// could carry credentials.
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a valid URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an absolute http:// or https:// URL"
	case u.Host == "":
		return "has no host"
	case u.User != nil:
		return "must not contain credentials; put them under auth"
	}
	return ""
}

// isRegion reports whether code is an ISO 3166-1 alpha-2 code. Besides the assigned codes
// it accepts the three that libphonenumber also has metadata for: XK (Kosovo, user
// assigned) and the exceptionally reserved AC (Ascension) and TA (Tristan da Cunha).
func isRegion(code string) bool {
	return regions[code]
}

var regions = func() map[string]bool {
	set := map[string]bool{}
	for _, code := range strings.Fields(regionCodes) {
		set[code] = true
	}
	return set
}()

// regionCodes are the officially assigned ISO 3166-1 alpha-2 codes, plus AC, TA and XK.
const regionCodes = "" +
	"AC AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TA TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"XK " +
	"YE YT " +
	"ZA ZM ZW "
