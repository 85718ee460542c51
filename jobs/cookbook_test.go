package jobs_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/text/unicode/norm"

	"github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/extract/synth"
	uisfake "github.com/roster-etl/roster/extract/uis/fake"
	wsfake "github.com/roster-etl/roster/extract/worksection/fake"
	zoomfake "github.com/roster-etl/roster/extract/zoomcc/fake"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
	"github.com/roster-etl/roster/transform"
)

// The cookbook's synthetic world: one population served by all four fakes and synced
// nightly at 02:00 UTC for cookbookDays days (2026-01-05 .. 2026-01-14). Seed 2363 is
// chosen for its data: a shared mailbox used by an active and a deactivated person,
// people deactivated long before day 0, role changes inside and outside the last seven
// days, and On-Call membership that changes after 2026-01-11.
const (
	cookbookSeed = 2363
	cookbookSize = 120
	cookbookDays = 10
	cookbookDoc  = "../docs/cookbook.md"
)

// cookbookSection is one "## " section of docs/cookbook.md.
type cookbookSection struct {
	title     string
	prose     string // the text outside code blocks
	sql       string
	sqlBlocks int
}

// parseCookbook splits the cookbook into its "## " sections and collects each one's
// ```sql blocks (headings inside code blocks do not count).
func parseCookbook(t *testing.T, path string) []cookbookSection {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []cookbookSection
	var cur *cookbookSection
	var block []string
	inFence, inSQL := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case inFence && trimmed == "```":
			if inSQL && cur != nil {
				cur.sqlBlocks++
				cur.sql = strings.Join(block, "\n")
			}
			inFence, inSQL, block = false, false, nil
		case inFence:
			block = append(block, line)
		case strings.HasPrefix(trimmed, "```"):
			inFence = true
			inSQL = strings.TrimSpace(strings.TrimPrefix(trimmed, "```")) == "sql"
		case strings.HasPrefix(line, "## "):
			out = append(out, cookbookSection{title: strings.TrimSpace(strings.TrimPrefix(line, "## "))})
			cur = &out[len(out)-1]
		case cur != nil:
			cur.prose += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if inFence {
		t.Fatalf("%s: unterminated code block", path)
	}
	return out
}

// cbSource is one synced source and what its provider shows of a synth person.
type cbSource struct {
	name, provider string
	// activeOnly: the provider lists active people only (Worksection, UIS).
	activeOnly bool
	userID     func(personID int) string
}

func (s cbSource) lists(p synth.Person) bool { return p.Active || !s.activeOnly }

// role is the canonical role and role_raw the provider's rendering of p maps to, from
// each fake's documented role rendering and the mapping contract (transform.MapRole).
// A Worksection manager is "team admin" or "department admin" (fixed per person, not
// derivable here): raw then lists both, separated by "|". UIS has no roles: every
// employee is a member with a NULL role_raw ("").
func (s cbSource) role(p synth.Person) (role, raw string) {
	switch s.provider {
	case "close":
		if p.CustomRole != "" {
			return "unknown", p.CustomRole
		}
		switch p.Role {
		case "owner", "admin":
			return "admin", "admin"
		case "manager":
			return "manager", "superuser"
		case "member":
			return "member", "user"
		}
		return "guest", "restricteduser" // guest and readonly
	case "zoom_contact_center":
		if p.CustomRole != "" {
			return "unknown", p.CustomRole
		}
		switch p.Role {
		case "owner", "admin":
			return "admin", "Admin"
		case "manager":
			return "manager", "Supervisor"
		case "member":
			return "member", "Agent"
		case "guest":
			return "unknown", "Guest Agent"
		}
		return "unknown", "Read-Only Viewer"
	case "worksection":
		switch p.Role {
		case "owner":
			return "owner", "owner"
		case "admin":
			return "admin", "account admin"
		case "manager":
			return "manager", "team admin|department admin"
		case "member":
			return "member", "user"
		case "guest":
			return "guest", "guest"
		}
		return "readonly", "reader"
	}
	return "member", ""
}

// cbRawIs reports whether got is the expected role_raw (one of want's "|" alternatives).
func cbRawIs(want, got string) bool { return slices.Contains(strings.Split(want, "|"), got) }

// cbNormEmail is email_normalized as the mapping contract defines it.
func cbNormEmail(e string) string { return strings.ToLower(strings.TrimSpace(norm.NFC.String(e))) }

type cookbookWorld struct {
	pop   *synth.Population
	snaps []*synth.Snapshot // day 0 .. cookbookDays-1
	srcs  []cbSource
	db    *sql.DB
}

// last is the index of the latest synced day.
func (w *cookbookWorld) last() int { return len(w.snaps) - 1 }

// at is the simulated time of day d's sync.
func (w *cookbookWorld) at(d int) time.Time { return w.snaps[d].Date.Add(2 * time.Hour) }

// dayOf is the day whose sync ran at ts.
func (w *cookbookWorld) dayOf(t *testing.T, ts time.Time) int {
	t.Helper()
	for d := range w.snaps {
		if w.at(d).Equal(ts) {
			return d
		}
	}
	t.Fatalf("%s is no sync time", ts)
	return -1
}

func (w *cookbookWorld) source(name string) cbSource {
	for _, s := range w.srcs {
		if s.name == name {
			return s
		}
	}
	panic("no source " + name)
}

// buildCookbookWorld serves the four fakes of one population on loopback and syncs
// cookbookDays simulated days into a fresh warehouse, as `roster demo` does.
func buildCookbookWorld(t *testing.T) *cookbookWorld {
	t.Helper()
	pop := synth.New(synth.Config{Seed: cookbookSeed, Size: cookbookSize})
	closeFake := fake.New(pop, fake.Options{APIKey: testKey})
	wsFake := wsfake.New(pop, wsfake.Options{APIKey: testKey})
	zoomFake := zoomfake.New(pop, zoomfake.Options{})
	// Ten syncs within a real minute would exceed UIS's 60 points a minute.
	uisFake := uisfake.New(pop, uisfake.Options{MinutePoints: 1 << 30, DayPoints: 1 << 30})
	serve := func(h http.Handler) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closeURL, wsURL, zoomURL, uisURL := serve(closeFake), serve(wsFake), serve(zoomFake), serve(uisFake)
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`warehouse: { duckdb: %s }
sources:
  - name: close
    provider: close
    base_url: %s/api/v1
    auth: { api_key: %q }
    default_region: US
  - name: worksection
    provider: worksection
    base_url: %s/api/admin/v2/
    auth: { api_key: %q }
    default_region: US
    timezone: %s
  - name: zoom-cc
    provider: zoom_contact_center
    base_url: %s/v2
    token_url: %s/oauth/token
    auth: { account_id: %q, client_id: %q, client_secret: %q }
  - name: uis
    provider: uis
    base_url: %s/v2.0
    auth: { access_token: %q }
    default_region: RU
    timezone: Europe/Moscow
`, filepath.Join(dir, "roster.duckdb"), closeURL, testKey, wsURL, testKey, wsFake.Location(),
		zoomURL, zoomURL, zoomFake.AccountID(), zoomFake.ClientID(), zoomFake.ClientSecret(),
		uisURL, uisfake.DefaultToken)), "roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &cookbookWorld{pop: pop, srcs: []cbSource{
		{name: "close", provider: "close", userID: closeFake.UserID},
		{name: "worksection", provider: "worksection", activeOnly: true, userID: wsFake.UserID},
		{name: "zoom-cc", provider: "zoom_contact_center", userID: zoomFake.UserID},
		{name: "uis", provider: "uis", activeOnly: true, userID: uisFake.UserID},
	}}
	for d := 0; d < cookbookDays; d++ {
		closeFake.SetDay(d)
		wsFake.SetDay(d)
		zoomFake.SetDay(d)
		uisFake.SetDay(d)
		w.snaps = append(w.snaps, pop.Day(d))
		at := w.at(d)
		res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop(),
			Now: func() time.Time { return at }})
		if err != nil {
			t.Fatalf("sync day %d: %v", d, err)
		}
		if res.Failed() {
			t.Fatalf("sync day %d: %+v", d, res.Sources)
		}
	}
	w.db = (&harness{cfg: cfg}).db(t)
	return w
}

// cbRow is one result row by column name: strings, int64, float64, bool, time.Time,
// []any or nil.
type cbRow map[string]any

func (r cbRow) str(col string) string {
	switch v := r[col].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func (r cbRow) int(t *testing.T, col string) int64 {
	t.Helper()
	v, ok := r[col].(int64)
	if !ok {
		t.Fatalf("column %s is %T %v, not BIGINT", col, r[col], r[col])
	}
	return v
}

func (r cbRow) time(t *testing.T, col string) time.Time {
	t.Helper()
	v, ok := r[col].(time.Time)
	if !ok {
		t.Fatalf("column %s is %T %v, not a time", col, r[col], r[col])
	}
	return v
}

// strings reads a LIST column of text.
func (r cbRow) strings(t *testing.T, col string) []string {
	t.Helper()
	list, ok := r[col].([]any)
	if !ok {
		t.Fatalf("column %s is %T %v, not a list", col, r[col], r[col])
	}
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = fmt.Sprint(v)
	}
	return out
}

var (
	cbSQLLiteral     = regexp.MustCompile(`'(?:[^']|'')*'`)
	cbSQLPlaceholder = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*)`)
)

// cbPlaceholders lists the $name parameters of a statement (outside string literals).
func cbPlaceholders(q string) []string {
	var out []string
	for _, m := range cbSQLPlaceholder.FindAllStringSubmatch(cbSQLLiteral.ReplaceAllString(q, "''"), -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

// query runs a section's statement with exactly the parameters it names, bound as text
// as `roster sql --param name=value` binds them; the section's text must give each
// value as name=value.
func (w *cookbookWorld) query(t *testing.T, sec cookbookSection, params map[string]string) []cbRow {
	t.Helper()
	q := sec.sql
	var names []string
	var args []any
	for k, v := range params {
		names = append(names, k)
		args = append(args, sql.Named(k, v))
		if !strings.Contains(sec.prose, k+"="+v) {
			t.Errorf("the section's text does not give the value the test binds, %s=%s", k, v)
		}
	}
	sort.Strings(names)
	if want := cbPlaceholders(q); !slices.Equal(want, names) {
		t.Fatalf("the SQL names parameters %v, the test binds %v", want, names)
	}
	rows, err := w.db.Query(q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []cbRow
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := cbRow{}
		for i, c := range cols {
			r[c] = vals[i]
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// cbSameSet compares two string sets, reporting what is missing and what is extra.
func cbSameSet(t *testing.T, what string, want, got []string) {
	t.Helper()
	count := func(list []string) map[string]int {
		m := map[string]int{}
		for _, s := range list {
			m[s]++
		}
		return m
	}
	w, g := count(want), count(got)
	var missing, extra []string
	for k, n := range w {
		if g[k] < n {
			missing = append(missing, k)
		}
	}
	for k, n := range g {
		if w[k] < n {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("%s: %d expected, %d returned\nmissing: %q\nunexpected: %q", what, len(want), len(got), missing, extra)
	}
}

// cookbookCheck asserts one section's answer; run executes the section's SQL.
type cookbookCheck func(t *testing.T, w *cookbookWorld, run func(params map[string]string) []cbRow)

func TestCookbook(t *testing.T) {
	t.Parallel()
	sections := parseCookbook(t, cookbookDoc)
	if len(sections) < 10 {
		t.Fatalf("%s has %d sections, want at least 10", cookbookDoc, len(sections))
	}
	w := buildCookbookWorld(t)
	checks := cookbookChecks()
	used := map[string]bool{}
	for _, s := range sections {
		used[s.title] = true
		t.Run(s.title, func(t *testing.T) {
			if s.sqlBlocks != 1 {
				t.Fatalf("section has %d sql blocks, want exactly one", s.sqlBlocks)
			}
			check, ok := checks[s.title]
			if !ok {
				t.Fatal("no assertion for this section: add one to cookbookChecks")
			}
			ran := false
			check(t, w, func(params map[string]string) []cbRow {
				ran = true
				return w.query(t, s, params)
			})
			if !ran {
				t.Error("the section's SQL was never run")
			}
		})
	}
	for title := range checks {
		if !used[title] {
			t.Errorf("assertion %q matches no section of %s", title, cookbookDoc)
		}
	}
}

func cookbookChecks() map[string]cookbookCheck {
	return map[string]cookbookCheck{
		"Headcount by provider and role today":                            cbCheckHeadcount,
		"Who changed role in the last 7 days":                             cbCheckRoleChanges,
		"People in one provider but missing from another (licence audit)": cbCheckLicenceAudit,
		"Hires and departures per week":                                   cbCheckWeeklyMovements,
		"Users with invalid or missing phone numbers":                     cbCheckPhones,
		"Members of a group as of a past date":                            cbCheckGroupAsOf,
		"Share of agents available at each sync":                          cbCheckAvailability,
		"Full change history of one person across all providers":          cbCheckPersonHistory,
		"Users inactive for 30 days or more":                              cbCheckLongInactive,
		"Duplicate emails within a provider":                              cbCheckDuplicateEmails,
	}
}

// cbCheckHeadcount: per provider and canonical role, the people of the last day each
// provider lists (everyone for Close and Zoom, active people for Worksection and UIS).
func cbCheckHeadcount(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	var want, got []string
	for _, s := range w.srcs {
		users, active := map[string]int{}, map[string]int{}
		for _, p := range w.snaps[w.last()].People {
			if s.lists(p) {
				role, _ := s.role(p)
				users[role]++
				if p.Active {
					active[role]++
				}
			}
		}
		for role, n := range users {
			want = append(want, fmt.Sprintf("%s/%s users=%d active=%d", s.provider, role, n, active[role]))
		}
	}
	for _, r := range run(nil) {
		got = append(got, fmt.Sprintf("%s/%s users=%d active=%d", r.str("provider"), r.str("role"), r.int(t, "users"), r.int(t, "active")))
	}
	cbSameSet(t, "headcount", want, got)
}

// cbRoleEvent is a role change a source shows: the person's role_raw differs from the one
// of the last day the source listed them.
type cbRoleEvent struct {
	source, userID   string
	day              int
	oldRole, newRole string
	oldRaw, newRaw   string
}

func (w *cookbookWorld) roleEvents() []cbRoleEvent {
	var out []cbRoleEvent
	for _, s := range w.srcs {
		type seen struct{ role, raw string }
		lastSeen := map[int]seen{}
		for d, snap := range w.snaps {
			for _, p := range snap.People {
				if !s.lists(p) {
					continue
				}
				role, raw := s.role(p)
				prev, ok := lastSeen[p.ID]
				lastSeen[p.ID] = seen{role, raw}
				if !ok {
					continue
				}
				// A Worksection manager's raw is fixed per person, so for Worksection a raw
				// change is a role change.
				changed := prev.raw != raw
				if s.provider == "worksection" {
					changed = prev.role != role
				}
				if changed {
					out = append(out, cbRoleEvent{source: s.name, userID: s.userID(p.ID), day: d,
						oldRole: prev.role, newRole: role, oldRaw: prev.raw, newRaw: raw})
				}
			}
		}
	}
	return out
}

// cbCheckRoleChanges: the role changes every provider shows on the syncs of the last
// seven days (days L-6 .. L; the window (latest-7d, latest] excludes day L-7's sync),
// derived from the day-by-day snapshots; every synth RoleChange of those days must be
// among them for Close, which sees every role change.
func cbCheckRoleChanges(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	from := w.last() - 6
	var want []string
	wantRaw := map[string][2]string{}
	outside := 0
	for _, e := range w.roleEvents() {
		if e.day < from {
			outside++
			continue
		}
		k := fmt.Sprintf("%s %s day %d %s->%s", e.source, e.userID, e.day, e.oldRole, e.newRole)
		want = append(want, k)
		wantRaw[k] = [2]string{e.oldRaw, e.newRaw}
	}
	if len(want) == 0 || outside == 0 {
		t.Fatalf("the synthetic history should hold role changes inside (%d) and before (%d) the window", len(want), outside)
	}
	for d := from; d <= w.last(); d++ {
		for _, c := range w.snaps[d].Changes {
			if c.Kind != synth.RoleChange {
				continue
			}
			uid := w.source("close").userID(c.PersonID)
			if !slices.ContainsFunc(want, func(k string) bool { return strings.HasPrefix(k, fmt.Sprintf("close %s day %d ", uid, d)) }) {
				t.Errorf("day %d synth %s of person %d (%s %q -> %q) is not a Close role change", d, c.Kind, c.PersonID, c.Field, c.Old, c.New)
			}
		}
	}
	var got []string
	for _, r := range run(nil) {
		d := w.dayOf(t, r.time(t, "changed_at"))
		k := fmt.Sprintf("%s %s day %d %s->%s", r.str("source"), r.str("user_id"), d, r.str("old_role"), r.str("new_role"))
		got = append(got, k)
		if raw, ok := wantRaw[k]; ok && (!cbRawIs(raw[0], r.str("old_role_raw")) || !cbRawIs(raw[1], r.str("new_role_raw"))) {
			t.Errorf("%s: role_raw %q -> %q, want %q -> %q", k, r.str("old_role_raw"), r.str("new_role_raw"), raw[0], raw[1])
		}
	}
	cbSameSet(t, "role changes", want, got)
}

// personKeys are the people (normalized emails, or user keys without one) a source
// lists on day d.
func (w *cookbookWorld) personKeys(s cbSource, d int) map[string]bool {
	out := map[string]bool{}
	for _, p := range w.snaps[d].People {
		if !s.lists(p) {
			continue
		}
		if e := cbNormEmail(p.Email); e != "" {
			out[e] = true
		} else {
			out[s.name+":"+s.userID(p.ID)] = true
		}
	}
	return out
}

// cbCheckLicenceAudit: Zoom lists deactivated people, Worksection does not, so the people
// with a Zoom seat and no Worksection account are the deactivated ones whose email no
// active person shares; Close lists everyone Worksection lists.
func cbCheckLicenceAudit(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	for _, pair := range [][2]string{{"zoom-cc", "worksection"}, {"worksection", "close"}} {
		has, lacks := w.source(pair[0]), w.source(pair[1])
		in, out := w.personKeys(has, w.last()), w.personKeys(lacks, w.last())
		want := []string{}
		for k := range in {
			if !out[k] {
				want = append(want, k)
			}
		}
		rows := run(map[string]string{"has": has.provider, "lacks": lacks.provider})
		var got []string
		for _, r := range rows {
			got = append(got, r.str("person_key"))
			providers := r.strings(t, "providers")
			if !slices.Contains(providers, has.provider) || slices.Contains(providers, lacks.provider) {
				t.Errorf("%s: providers %v", r.str("person_key"), providers)
			}
		}
		cbSameSet(t, has.provider+" without "+lacks.provider, want, got)
		if pair[0] == "zoom-cc" && len(want) == 0 {
			t.Error("the synthetic history should have deactivated people holding a Zoom seat")
		}
	}
}

// listedBefore reports whether a person is in the directory on some day before d.
func (w *cookbookWorld) listedBefore(personID, d int) bool {
	for e := 0; e < d; e++ {
		if _, ok := w.snaps[e].Person(personID); ok {
			return true
		}
	}
	return false
}

// cbWeek is the UTC ISO week (its Monday) of ts.
func cbWeek(ts time.Time) string {
	ts = ts.UTC()
	return ts.AddDate(0, 0, -((int(ts.Weekday()) + 6) % 7)).Format("2006-01-02")
}

// cbCheckWeeklyMovements: per week and provider, from the snapshots: a person a source
// starts listing is a hire the first time and a return afterwards; one it stops listing
// is a departure. Close, which lists everyone, must match synth's Hire, Return and
// Depart changes exactly.
func cbCheckWeeklyMovements(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	type counts struct{ hires, returns, departures int }
	want := map[string]*counts{}
	add := func(week, provider string) *counts {
		k := week + " " + provider
		if want[k] == nil {
			want[k] = &counts{}
		}
		return want[k]
	}
	for _, s := range w.srcs {
		ever := map[int]bool{}
		for _, p := range w.snaps[0].People {
			if s.lists(p) {
				ever[p.ID] = true
			}
		}
		for d := 1; d <= w.last(); d++ {
			week := cbWeek(w.at(d))
			before := map[int]bool{}
			for _, p := range w.snaps[d-1].People {
				if s.lists(p) {
					before[p.ID] = true
				}
			}
			now := map[int]bool{}
			for _, p := range w.snaps[d].People {
				if !s.lists(p) {
					continue
				}
				now[p.ID] = true
				switch {
				case before[p.ID]:
				case ever[p.ID]:
					add(week, s.provider).returns++
				default:
					add(week, s.provider).hires++
				}
				ever[p.ID] = true
			}
			for id := range before {
				if !now[id] {
					add(week, s.provider).departures++
				}
			}
		}
	}
	// Close against synth's own account of the days (a Return of someone the warehouse
	// never saw is a hire to it).
	closeWant := map[string]*counts{}
	for d := 1; d <= w.last(); d++ {
		week := cbWeek(w.at(d))
		if closeWant[week] == nil {
			closeWant[week] = &counts{}
		}
		for _, c := range w.snaps[d].Changes {
			switch c.Kind {
			case synth.Hire:
				closeWant[week].hires++
			case synth.Return:
				// A person who left before day 0 is new to the warehouse: a hire.
				if w.listedBefore(c.PersonID, d) {
					closeWant[week].returns++
				} else {
					closeWant[week].hires++
				}
			case synth.Depart:
				closeWant[week].departures++
			}
		}
	}
	for week, c := range closeWant {
		if got := want[week+" close"]; got == nil || *got != *c {
			t.Errorf("week %s: snapshots give Close %+v, synth changes %+v", week, got, c)
		}
	}
	if len(closeWant) < 2 {
		t.Errorf("the synthetic history spans %d weeks, want at least 2", len(closeWant))
	}
	var wantRows, got []string
	for k, c := range want {
		wantRows = append(wantRows, fmt.Sprintf("%s hires=%d returns=%d departures=%d", k, c.hires, c.returns, c.departures))
	}
	for _, r := range run(nil) {
		got = append(got, fmt.Sprintf("%s %s hires=%d returns=%d departures=%d", r.time(t, "week").Format("2006-01-02"),
			r.str("provider"), r.int(t, "hires"), r.int(t, "returns"), r.int(t, "departures")))
	}
	cbSameSet(t, "weekly movements", wantRows, got)
}

// cbWSPhoneKinds are Worksection's four phone fields: the first synth phone of each kind.
var cbWSPhoneKinds = []string{"main", "office", "mobile", "home"}

// cbCheckPhones: Close and Zoom carry no numbers, so all their users are missing. For
// Worksection the numbers are the first synth phone of each of its four kinds, and
// validity is the normalization contract's (transform.NormalizePhone, region US). For
// UIS, missing means no typed phone with a digit and no extension; its invalid numbers
// are checked against the sync's own data-quality report, as are Worksection's.
func cbCheckPhones(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	var want []string
	for _, s := range w.srcs {
		for _, p := range w.snaps[w.last()].People {
			if !s.lists(p) {
				continue
			}
			uid := s.userID(p.ID)
			switch s.provider {
			case "close", "zoom_contact_center":
				want = append(want, s.name+" "+uid+" missing ")
			case "worksection":
				n := 0
				for _, kind := range cbWSPhoneKinds {
					i := slices.IndexFunc(p.Phones, func(ph synth.Phone) bool { return ph.Kind == kind })
					if i < 0 || strings.TrimSpace(p.Phones[i].Raw) == "" {
						continue
					}
					n++
					if ph, _ := transform.NormalizePhone(p.Phones[i].Raw, kind, "US"); !ph.Valid {
						want = append(want, s.name+" "+uid+" invalid "+p.Phones[i].Raw)
					}
				}
				if n == 0 {
					want = append(want, s.name+" "+uid+" missing ")
				}
			case "uis":
				if p.Extension == "" && !slices.ContainsFunc(p.Phones, func(ph synth.Phone) bool { return strings.ContainsAny(ph.Raw, "0123456789") }) {
					want = append(want, s.name+" "+uid+" missing ")
				}
			}
		}
	}
	invalidUsers := map[string]map[string]bool{}
	var got []string
	for _, r := range run(nil) {
		k := r.str("source") + " " + r.str("user_id") + " " + r.str("problem") + " " + r.str("phone_raw")
		if r.str("problem") == "invalid" {
			if invalidUsers[r.str("source")] == nil {
				invalidUsers[r.str("source")] = map[string]bool{}
			}
			invalidUsers[r.str("source")][r.str("user_id")] = true
			if r.str("source") == "uis" {
				continue // checked against data_quality below
			}
		}
		got = append(got, k)
	}
	cbSameSet(t, "phone problems", want, got)
	if !slices.ContainsFunc(want, func(k string) bool { return strings.Contains(k, " invalid ") }) {
		t.Error("the synthetic history should hold invalid Worksection numbers")
	}
	for _, s := range w.srcs {
		var failing int64
		var samples []any
		if err := w.db.QueryRow(`SELECT failing_rows, sample_user_ids FROM data_quality_latest WHERE source = $1 AND check_name = 'invalid_phone'`,
			s.name).Scan(&failing, &samples); err != nil {
			t.Fatal(err)
		}
		if int(failing) != len(invalidUsers[s.name]) {
			t.Errorf("%s: %d users with invalid numbers, the data-quality report counts %d", s.name, len(invalidUsers[s.name]), failing)
		}
		for _, id := range samples {
			if !invalidUsers[s.name][fmt.Sprint(id)] {
				t.Errorf("%s: data-quality sample %v is not among the users with invalid numbers", s.name, id)
			}
		}
	}
	if len(invalidUsers["uis"]) == 0 {
		t.Error("the synthetic history should hold invalid UIS numbers")
	}
}

// cbCheckGroupAsOf: Close (active members of its groups) and UIS (active employees) carry
// synth's groups; Worksection and Zoom have teams, regions and queues, never "On-Call".
// The members as of day 6 noon are the active people of day 6 in the group, which is
// not today's membership.
func cbCheckGroupAsOf(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	const group, day = "On-Call", 6
	asOf := w.snaps[day].Date.Add(12 * time.Hour)
	if want := time.Date(2026, 1, 11, 12, 0, 0, 0, time.UTC); !asOf.Equal(want) {
		t.Fatalf("day %d noon is %s; the cookbook text says %s", day, asOf, want)
	}
	members := func(d int) []string {
		var out []string
		for _, s := range w.srcs {
			if s.provider != "close" && s.provider != "uis" {
				continue
			}
			for _, p := range w.snaps[d].People {
				if p.Active && slices.Contains(p.Groups, group) {
					out = append(out, s.name+" "+s.userID(p.ID)+" group")
				}
			}
		}
		sort.Strings(out)
		return out
	}
	want := members(day)
	if len(want) == 0 || slices.Equal(want, members(w.last())) {
		t.Fatalf("%s should have members on day %d and a different membership today", group, day)
	}
	var got []string
	for _, r := range run(map[string]string{"group": group, "as_of": asOf.Format(time.RFC3339)}) {
		got = append(got, r.str("source")+" "+r.str("user_id")+" "+r.str("group_kind"))
	}
	cbSameSet(t, group+" as of "+asOf.String(), want, got)
}

// cbCheckAvailability: per sync and source, from each day's snapshot: Close reports the
// availability of active users, Zoom the status of every listed user (deactivated ones
// are offline), UIS of its (active) employees; Worksection has no presence.
func cbCheckAvailability(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	var want []string
	for d := range w.snaps {
		for _, s := range w.srcs {
			if s.provider == "worksection" {
				continue
			}
			observed, available := 0, 0
			for _, p := range w.snaps[d].People {
				if !s.lists(p) || (s.provider == "close" && !p.Active) {
					continue
				}
				observed++
				if p.Status == "available" {
					available++
				}
			}
			want = append(want, fmt.Sprintf("day %d %s observed=%d available=%d share=%.4f", d, s.name, observed, available,
				math.Round(float64(available)/float64(observed)*1e4)/1e4))
		}
	}
	var got []string
	for _, r := range run(nil) {
		share, ok := r["share_available"].(float64)
		if !ok {
			t.Fatalf("share_available is %T", r["share_available"])
		}
		got = append(got, fmt.Sprintf("day %d %s observed=%d available=%d share=%.4f", w.dayOf(t, r.time(t, "started_at")),
			r.str("source"), r.int(t, "observed"), r.int(t, "available"), share))
	}
	cbSameSet(t, "availability", want, got)
}

// cbCheckPersonHistory: person 41 has a padded email (" olivia.nguyen41@wonka.example "),
// a title change on day 3 and joins "Managers" on day 4, and only status changes
// otherwise. Which columns change where follows from each provider's rendering: a title
// only in Worksection, synth groups only in Close and UIS, and every non-status change
// moves Close's date_updated and Zoom's last_modified_time (source_updated_at).
func cbCheckPersonHistory(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	const personID, email = 41, "olivia.nguyen41@wonka.example"
	for d, snap := range w.snaps {
		for _, p := range snap.People {
			if (cbNormEmail(p.Email) == email) != (p.ID == personID) {
				t.Fatalf("day %d: person %d has email %q; the test wants %s to be person %d's alone", d, p.ID, p.Email, email, personID)
			}
		}
	}
	type change struct{ old, new string }
	want := map[string]change{} // "day source field"
	for d := 1; d <= w.last(); d++ {
		p, ok := w.snaps[d].Person(personID)
		prev, wasOK := w.snaps[d-1].Person(personID)
		if !ok || !wasOK || !p.Active || !prev.Active {
			t.Fatalf("day %d: person %d should be listed and active", d, personID)
		}
		for _, c := range w.snaps[d].Changes {
			if c.PersonID != personID {
				continue
			}
			switch c.Kind {
			case synth.StatusOnly:
				continue
			case synth.TitleChange:
				want[fmt.Sprintf("%d worksection title", d)] = change{c.Old, c.New}
			case synth.GroupChange:
				want[fmt.Sprintf("%d close groups", d)] = change{c.Old, c.New}
				want[fmt.Sprintf("%d uis groups", d)] = change{c.Old, c.New}
			default:
				t.Fatalf("day %d: person %d has a %s change, which this test does not model", d, personID, c.Kind)
			}
			want[fmt.Sprintf("%d close source_updated_at", d)] = change{}
			want[fmt.Sprintf("%d zoom-cc source_updated_at", d)] = change{}
		}
	}
	if len(want) == 0 {
		t.Fatal("person has no change")
	}
	var wantKeys, got []string
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	// Synth's group names of a GroupChange side ("a,b") against the kind "group" groups
	// of a groups value (JSON).
	groupNames := func(js string) string {
		var groups []struct{ Name, Kind string }
		if js != "" {
			if err := json.Unmarshal([]byte(js), &groups); err != nil {
				t.Fatalf("groups %q: %v", js, err)
			}
		}
		var names []string
		for _, g := range groups {
			if g.Kind == "group" {
				names = append(names, g.Name)
			}
		}
		sort.Strings(names)
		return strings.Join(names, ",")
	}
	sortedList := func(s string) string {
		if s == "" {
			return ""
		}
		l := strings.Split(s, ",")
		sort.Strings(l)
		return strings.Join(l, ",")
	}
	for _, r := range run(map[string]string{"email": email}) {
		d := w.dayOf(t, r.time(t, "changed_at"))
		k := fmt.Sprintf("%d %s %s", d, r.str("source"), r.str("field"))
		got = append(got, k)
		if uid := w.source(r.str("source")).userID(personID); r.str("user_id") != uid {
			t.Errorf("%s: user %s, want %s", k, r.str("user_id"), uid)
		}
		c, ok := want[k]
		switch {
		case !ok:
		case r.str("field") == "title":
			if r.str("old_value") != c.old || r.str("new_value") != c.new {
				t.Errorf("%s: %q -> %q, want %q -> %q", k, r.str("old_value"), r.str("new_value"), c.old, c.new)
			}
		case r.str("field") == "groups":
			if o, n := groupNames(r.str("old_value")), groupNames(r.str("new_value")); o != sortedList(c.old) || n != sortedList(c.new) {
				t.Errorf("%s: groups %q -> %q, want %q -> %q", k, o, n, sortedList(c.old), sortedList(c.new))
			}
		case r.str("field") == "source_updated_at":
			if r.str("old_value") >= r.str("new_value") {
				t.Errorf("%s: %q -> %q does not move forward", k, r.str("old_value"), r.str("new_value"))
			}
		}
	}
	cbSameSet(t, "changes of person 41", wantKeys, got)
}

// cbCheckLongInactive: the deactivated people Close and Zoom list on the last day, with
// the time they are known to have been inactive since: the first sync after the last one
// that saw them active, or for people inactive on every sync, the earlier of the first
// sync and the provider's last update (Close: microseconds, Zoom: seconds).
func cbCheckLongInactive(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	latest := w.at(w.last())
	var want []string
	recent := 0
	for _, s := range w.srcs {
		if s.activeOnly {
			continue
		}
		for _, p := range w.snaps[w.last()].People {
			if p.Active {
				continue
			}
			lastActive, firstSeen := -1, -1
			var updated time.Time
			for d, snap := range w.snaps {
				q, ok := snap.Person(p.ID)
				if !ok {
					continue
				}
				if firstSeen < 0 {
					firstSeen, updated = d, q.UpdatedAt
				}
				if q.Active {
					lastActive = d
				}
			}
			var since time.Time
			if lastActive < 0 {
				since = w.at(firstSeen)
				if s.provider == "zoom_contact_center" {
					updated = updated.Truncate(time.Second)
				}
				if updated.Before(since) {
					since = updated
				}
			} else {
				d := lastActive + 1
				for ; d <= w.last(); d++ {
					if _, ok := w.snaps[d].Person(p.ID); ok {
						break
					}
				}
				since = w.at(d)
			}
			if latest.Sub(since) < 30*24*time.Hour {
				recent++
				continue
			}
			want = append(want, fmt.Sprintf("%s %s since %s days %d", s.name, s.userID(p.ID), since.UTC().Format(time.RFC3339Nano),
				int64(latest.Sub(since)/(24*time.Hour))))
		}
	}
	if len(want) == 0 || recent == 0 {
		t.Fatalf("the synthetic history should hold people inactive for 30 days or more (%d) and for less (%d)", len(want), recent)
	}
	var got []string
	for _, r := range run(nil) {
		got = append(got, fmt.Sprintf("%s %s since %s days %d", r.str("source"), r.str("user_id"),
			r.time(t, "inactive_since").UTC().Format(time.RFC3339Nano), r.int(t, "full_days_inactive")))
	}
	cbSameSet(t, "inactive for 30 days or more", want, got)
}

// cbCheckDuplicateEmails: per source, the normalized emails more than one listed person of
// the last day has; the sync's data-quality report must count the same users.
func cbCheckDuplicateEmails(t *testing.T, w *cookbookWorld, run func(map[string]string) []cbRow) {
	var want []string
	dupUsers := map[string]int{}
	for _, s := range w.srcs {
		type acct struct {
			id     string
			active bool
		}
		byEmail := map[string][]acct{}
		for _, p := range w.snaps[w.last()].People {
			if e := cbNormEmail(p.Email); s.lists(p) && e != "" {
				byEmail[e] = append(byEmail[e], acct{s.userID(p.ID), p.Active})
			}
		}
		for e, accts := range byEmail {
			if len(accts) < 2 {
				continue
			}
			slices.SortFunc(accts, func(a, b acct) int { return strings.Compare(a.id, b.id) })
			var ids, active []string
			for _, a := range accts {
				ids = append(ids, a.id)
				active = append(active, fmt.Sprint(a.active))
			}
			dupUsers[s.name] += len(accts)
			want = append(want, fmt.Sprintf("%s %s users=%d ids=%v active=%v", s.name, e, len(accts), ids, active))
		}
	}
	if len(want) == 0 {
		t.Fatal("the synthetic history should hold a shared mailbox")
	}
	var got []string
	for _, r := range run(nil) {
		got = append(got, fmt.Sprintf("%s %s users=%d ids=%v active=%v", r.str("source"), r.str("email_normalized"),
			r.int(t, "users"), r.strings(t, "user_ids"), r.strings(t, "active")))
	}
	cbSameSet(t, "duplicate emails", want, got)
	for _, s := range w.srcs {
		if n := queryInt(t, w.db, `SELECT failing_rows FROM data_quality_latest WHERE source = $1 AND check_name = 'duplicate_email'`, s.name); n != int64(dupUsers[s.name]) {
			t.Errorf("%s: %d users share an email, the data-quality report counts %d", s.name, dupUsers[s.name], n)
		}
	}
}
