package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/extract/synth"
	uisfake "github.com/roster-etl/roster/extract/uis/fake"
	wsfake "github.com/roster-etl/roster/extract/worksection/fake"
	zoomfake "github.com/roster-etl/roster/extract/zoomcc/fake"
)

// DemoKey is the API key the demo's fakes accept; it is not a secret.
const DemoKey = "demo-close-api-key"

// Fakes are all fake providers serving one synthetic population on loopback.
type Fakes struct {
	Population  *synth.Population
	Close       *fake.Server
	Worksection *wsfake.Server
	Zoom        *zoomfake.Server
	UIS         *uisfake.Server
	// Addrs are the host:port of each fake, by provider id.
	Addrs map[string]string
	stops []func()
}

// StartFakes serves every fake provider on its own loopback port.
func StartFakes(pop *synth.Population) (*Fakes, error) {
	f := &Fakes{
		Population:  pop,
		Close:       fake.New(pop, fake.Options{APIKey: DemoKey}),
		Worksection: wsfake.New(pop, wsfake.Options{APIKey: DemoKey}),
		Zoom:        zoomfake.New(pop, zoomfake.Options{}),
		UIS:         uisfake.New(pop, uisfake.Options{}),
		Addrs:       map[string]string{},
	}
	for provider, h := range map[string]http.Handler{"close": f.Close, "worksection": f.Worksection, "zoom_contact_center": f.Zoom, "uis": f.UIS} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			f.Stop()
			return nil, fmt.Errorf("fakes: %w", err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		f.Addrs[provider] = ln.Addr().String()
		f.stops = append(f.stops, func() { srv.Close() })
	}
	return f, nil
}

// SetDay makes every fake serve day d of the population.
func (f *Fakes) SetDay(d int) {
	f.Close.SetDay(d)
	f.Worksection.SetDay(d)
	f.Zoom.SetDay(d)
	f.UIS.SetDay(d)
}

// Stop shuts every fake down.
func (f *Fakes) Stop() {
	for _, stop := range f.stops {
		stop()
	}
}

// ConfigYAML is a roster.yaml whose sources are the fakes (suffixed -demo) and whose
// warehouse is duckdb and lake. The keys are the fakes', not secrets.
func (f *Fakes) ConfigYAML(header, duckdb, lake string) string {
	return fmt.Sprintf(`%swarehouse:
  duckdb: %q
  lake: %q
sources:
  - name: close-demo
    provider: close
    base_url: http://%s/api/v1
    auth: { api_key: %q }
    default_region: US
  - name: worksection-demo
    provider: worksection
    base_url: http://%s/api/admin/v2/
    auth: { api_key: %q }
    default_region: US
    timezone: %s
  - name: zoom-cc-demo
    provider: zoom_contact_center
    base_url: http://%s/v2
    token_url: http://%s/oauth/token
    auth: { account_id: %q, client_id: %q, client_secret: %q }
  - name: uis-demo
    provider: uis
    base_url: http://%s/v2.0
    auth: { login: %q, password: %q }
    default_region: RU
    timezone: Europe/Moscow
`, header, duckdb, lake, f.Addrs["close"], DemoKey, f.Addrs["worksection"], DemoKey, f.Worksection.Location(),
		f.Addrs["zoom_contact_center"], f.Addrs["zoom_contact_center"], f.Zoom.AccountID(), f.Zoom.ClientID(), f.Zoom.ClientSecret(),
		f.Addrs["uis"], uisfake.DefaultLogin, uisfake.DefaultPassword)
}

// FakesOptions configures `roster fakes`.
type FakesOptions struct {
	Seed int64
	Size int
	Day  int
	Out  io.Writer
}

// ServeFakes serves all fake providers on loopback, prints a matching roster.yaml, and
// serves until ctx is done (Ctrl-C).
func ServeFakes(ctx context.Context, opts FakesOptions) error {
	if opts.Size <= 0 {
		return errors.New("fakes: --size must be positive")
	}
	f, err := StartFakes(synth.New(synth.Config{Seed: opts.Seed, Size: opts.Size}))
	if err != nil {
		return err
	}
	defer f.Stop()
	f.SetDay(opts.Day)
	fmt.Fprint(opts.Out, f.ConfigYAML(fmt.Sprintf("# roster fakes: seed %d, %d people, day %d. Save as roster.yaml and run roster sync.\n", opts.Seed, opts.Size, opts.Day),
		"roster.duckdb", "lake"))
	<-ctx.Done()
	return nil
}
