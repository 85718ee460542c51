package bench

import (
	"net/http"
	"time"

	closefake "github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/extract/synth"
	uisfake "github.com/roster-etl/roster/extract/uis/fake"
	wsfake "github.com/roster-etl/roster/extract/worksection/fake"
	zoomfake "github.com/roster-etl/roster/extract/zoomcc/fake"
	"github.com/roster-etl/roster/jobs"
)

// MaxUIS is the most employees a UIS account can list: get.employees pages by offset,
// and the API serves offsets up to 100,000 (providers/uis.md §3).
const MaxUIS = 100_000

// Split divides a directory of users among the providers: a quarter each, except that
// UIS gets at most MaxUIS and the others share the rest.
func Split(users int) map[string]int {
	out := map[string]int{}
	uis := min(users/len(Providers), MaxUIS)
	rest := users - uis
	for i, p := range Providers[:3] {
		out[p] = rest / 3
		if i == 0 {
			out[p] += rest % 3
		}
	}
	out["uis"] = uis
	return out
}

// fakeOptions tunes the fakes of a benchmark run.
type fakeOptions struct {
	rps     int           // requests per second per source (0: unlimited)
	latency time.Duration // before every reply
}

// startFakes serves the four fakes, each over its own population of Split(users).
func startFakes(seed int64, users int, o fakeOptions) (*jobs.Fakes, *servers, error) {
	sizes := Split(users)
	pop := func(p string) *synth.Population { return synth.New(synth.Config{Seed: seed, Size: max(sizes[p], 1)}) }
	closePop := pop("close")
	// UIS budgets points per minute, not requests per second; without a limit its budget
	// is made large enough never to bind (the documented default of 60 a minute would
	// make a 100,000-employee listing, 101 requests, wait over a minute for the provider).
	uisMinute, uisDay := 60*o.rps, 0
	if o.rps <= 0 {
		uisMinute, uisDay = 1<<30, 1<<30
	}
	f := &jobs.Fakes{
		Population:  closePop,
		Close:       closefake.New(closePop, closefake.Options{APIKey: jobs.DemoKey, RateLimit: o.rps}),
		Worksection: wsfake.New(pop("worksection"), wsfake.Options{APIKey: jobs.DemoKey, RateLimit: o.rps}),
		Zoom:        zoomfake.New(pop("zoom_contact_center"), zoomfake.Options{QPS: o.rps}),
		UIS:         uisfake.New(pop("uis"), uisfake.Options{MinutePoints: uisMinute, DayPoints: uisDay}),
	}
	wrap := func(h http.Handler) http.Handler {
		if o.latency <= 0 {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(o.latency)
			h.ServeHTTP(w, r)
		})
	}
	srv, err := serve(map[string]http.Handler{
		"close": wrap(f.Close), "worksection": wrap(f.Worksection), "zoom_contact_center": wrap(f.Zoom), "uis": wrap(f.UIS),
	})
	if err != nil {
		return nil, nil, err
	}
	f.Addrs = srv.addrs
	return f, srv, nil
}
