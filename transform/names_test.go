package transform_test

import (
	"testing"
	"time"

	"github.com/roster-etl/roster/transform"
)

func TestCleanTextTrimsFoldsSpaceAndComposesUnicode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"  Ann  ", "Ann"},
		{"Mary\u00a0 Ann", "Mary Ann"},             // no-break space folded
		{"He\u0301le\u0300ne", "H\u00e9l\u00e8ne"}, // NFD accents composed
		{"Ё\u0308", "Ё\u0308"},                     // already composed Ё keeps an extra mark only if there is one
		{"\tВладимир\n", "Владимир"},
		{"", ""},
		{" \u200b ", "\u200b"}, // zero-width space is not white space: kept, visible to analysts
	}
	for _, tt := range tests {
		if got := transform.CleanText(tt.in); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDisplayNameIsDerivedWhenAbsent(t *testing.T) {
	t.Parallel()
	tests := []struct{ display, first, middle, last, want string }{
		{"", "Ann", "", "Lee", "Ann Lee"},
		{"", "Владимир", "Сергеевич", "Михайлов", "Владимир Сергеевич Михайлов"},
		{"  ", " Ann ", "", "", "Ann"},
		{"The Boss", "Ann", "", "Lee", "The Boss"},
		{"", "", "", "", ""},
	}
	for _, tt := range tests {
		if got := transform.DisplayName(tt.display, tt.first, tt.middle, tt.last); got != tt.want {
			t.Errorf("DisplayName(%q, %q, %q, %q) = %q, want %q", tt.display, tt.first, tt.middle, tt.last, got, tt.want)
		}
	}
}

func TestNormalizeEmailLowersTrimsAndJudges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		valid    bool
	}{
		{"Ann.Lee@Example.COM", "ann.lee@example.com", true},
		{"  ann@example.com\t", "ann@example.com", true},
		{"ann+sales@example.co.uk", "ann+sales@example.co.uk", true},
		{"not an email", "not an email", false},
		{"ann@@example.com", "ann@@example.com", false},
		{"Ann Lee <ann@example.com>", "ann lee <ann@example.com>", false}, // a name part is not an address
		{"", "", false},
		{"   ", "", false},
	}
	for _, tt := range tests {
		got, valid := transform.NormalizeEmail(tt.in)
		if got != tt.want || valid != tt.valid {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tt.in, got, valid, tt.want, tt.valid)
		}
	}
}

func TestParseTimeStoresMicrosecondsInUTC(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		in   string
		loc  *time.Location
		want string
	}{
		{"2024-06-01T12:00:00.123456789+02:00", time.UTC, "2024-06-01T10:00:00.123456Z"}, // nanoseconds truncated
		{"2024-06-01T12:00:00+0200", time.UTC, "2024-06-01T10:00:00Z"},
		{"2024-06-01 12:00:00+02:00", time.UTC, "2024-06-01T10:00:00Z"},
		{"2024-06-01", berlin, "2024-05-31T22:00:00Z"},
		{"2024-01-01T00:30:00", berlin, "2023-12-31T23:30:00Z"},
		{"2024-03-31 02:30:00", berlin, "2024-03-31T01:30:00Z"},  // gap: read as 03:30 CEST
		{"2024-10-27 02:30:00", berlin, "2024-10-27T00:30:00Z"},  // overlap: the earlier (CEST) instant
		{"2024-06-01T12:00:00Z", berlin, "2024-06-01T12:00:00Z"}, // an offset wins over the source zone
	}
	for _, tt := range tests {
		got, ok := transform.ParseTime(tt.in, tt.loc)
		if !ok || got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("ParseTime(%q, %s) = %s, %v; want %s", tt.in, tt.loc, got.Format(time.RFC3339Nano), ok, tt.want)
		}
	}
}
