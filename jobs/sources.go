package jobs

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/close"
	"github.com/roster-etl/roster/extract/uis"
	"github.com/roster-etl/roster/extract/worksection"
	"github.com/roster-etl/roster/extract/zoomcc"
	"github.com/roster-etl/roster/jobs/config"
)

// SourceFactory builds the extractor of one configured source.
type SourceFactory func(src config.Source, env SourceEnv) (extract.Source, error)

// SourceEnv is what an extractor gets from the run besides its configuration.
type SourceEnv struct {
	// Transport sends its requests; nil means the default transport.
	Transport http.RoundTripper
	// SpoolDir is where it writes replies too large to hold in memory (a whole directory
	// in one reply); "" means the system's temporary directory. A sync passes the
	// source's staging directory.
	SpoolDir string
}

// NewSource is the production SourceFactory: one extractor per provider.
func NewSource(src config.Source, env SourceEnv) (extract.Source, error) {
	hc := extract.ClientConfig{
		Source:     src.Name,
		Timeout:    src.Timeout.Duration,
		MaxBackoff: src.MaxBackoff.Duration,
		MaxRPS:     src.MaxRPS,
		Transport:  env.Transport,
		SpoolDir:   env.SpoolDir,
		UserAgent:  "roster/" + Version,
	}
	if src.MaxBodyMB > 0 {
		hc.MaxBodyBytes = int64(src.MaxBodyMB) << 20
	}
	if src.MaxRetries != nil {
		hc.MaxRetries = *src.MaxRetries
		if hc.MaxRetries == 0 {
			hc.MaxRetries = -1 // configured "no retries"
		}
	}
	switch src.Provider {
	case config.ProviderClose:
		return close.New(close.Config{Name: src.Name, BaseURL: src.BaseURL, APIKey: src.Auth.APIKey, PageSize: src.PageSize, HTTP: hc})
	case config.ProviderWorksection:
		return worksection.New(worksection.Config{Name: src.Name, BaseURL: src.BaseURL, APIKey: src.Auth.APIKey, HTTP: hc})
	case config.ProviderZoomContactCenter:
		return zoomcc.New(zoomcc.Config{Name: src.Name, BaseURL: src.BaseURL, TokenURL: src.TokenURL,
			AccountID: src.Auth.AccountID, ClientID: src.Auth.ClientID, ClientSecret: src.Auth.ClientSecret,
			PageSize: src.PageSize, HTTP: hc})
	case config.ProviderUIS:
		return uis.New(uis.Config{Name: src.Name, BaseURL: src.BaseURL, AccessToken: src.Auth.AccessToken,
			Login: src.Auth.Login, Password: src.Auth.Password, PageSize: src.PageSize, HTTP: hc})
	default:
		return nil, fmt.Errorf("provider %q is not supported by this roster yet (supported: %s)", src.Provider, strings.Join(Supported(), ", "))
	}
}

// Supported lists the providers this roster can sync.
func Supported() []string {
	return []string{config.ProviderClose, config.ProviderWorksection, config.ProviderZoomContactCenter, config.ProviderUIS}
}
