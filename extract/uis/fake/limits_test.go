package fake

import (
	"testing"
	"time"
)

func TestPointBuckets(t *testing.T) {
	t.Parallel()
	t.Run("every reply carries limits and only successes cost", func(t *testing.T) {
		t.Parallel()
		e := setup(t, 20, Options{MinutePoints: 5, DayPoints: 100})
		l := limitsOf(e.call("get.account", nil))
		if l["minute_remaining"] != 4.0 || l["day_remaining"] != 99.0 || l["minute_limit"] != 5.0 || l["day_limit"] != 100.0 {
			t.Fatalf("limits %v", l)
		}
		// 09:00:00 UTC is 12:00 MSK: the minute resets in 60 s, the day in 12 h.
		if l["minute_reset"] != 60.0 || l["day_reset"] != 43200.0 {
			t.Fatalf("resets %v", l)
		}
		l = limitsOf(e.call("get.employees", map[string]any{"limit": -1}))
		if l["minute_remaining"] != 4.0 {
			t.Fatalf("failed call consumed points: %v", l)
		}
	})
	t.Run("minute bucket", func(t *testing.T) {
		t.Parallel()
		e := setup(t, 20, Options{MinutePoints: 3, DayPoints: 100})
		for range 3 {
			mustOK(t, e.call("get.account", nil))
		}
		e.clock.advance(20 * time.Second)
		m := e.call("get.employees", nil)
		code, mn := rpcErr(m)
		if code != -32029 || mn != "limit_exceeded" {
			t.Fatalf("got %d %s", code, mn)
		}
		er := m["error"].(map[string]any)
		params := er["data"].(map[string]any)["params"].(map[string]any)
		if er["message"] != "Limit per minute has been exceeded. Value of current limit per minute is 3" ||
			params["limit_type"] != "minute" || params["limit_reset"] != 40.0 || limitsOf(m)["minute_reset"] != 40.0 {
			t.Fatalf("error %v", er)
		}
		e.clock.advance(40 * time.Second)
		mustOK(t, e.call("get.employees", nil))
	})
	t.Run("day bucket", func(t *testing.T) {
		t.Parallel()
		e := setup(t, 20, Options{MinutePoints: 100, DayPoints: 2})
		mustOK(t, e.call("get.account", nil))
		mustOK(t, e.call("get.account", nil))
		m := e.call("get.account", nil)
		if code, _ := rpcErr(m); code != -32029 {
			t.Fatalf("got %d", code)
		}
		params := m["error"].(map[string]any)["data"].(map[string]any)["params"].(map[string]any)
		if params["limit_type"] != "day" || params["limit_max_value"] != 2.0 {
			t.Fatalf("params %v", params)
		}
		e.clock.advance(12 * time.Hour) // midnight in Moscow
		mustOK(t, e.call("get.account", nil))
	})
}
