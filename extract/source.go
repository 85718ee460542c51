// Package extract is roster's transport layer: the Source interface every provider
// implements, the provider-neutral raw records a Source emits, and the one HTTP client
// (timeouts, retries with backoff and jitter, rate limiting, throttle hints, response
// size bounds, counters) that every provider shares.
//
// extract knows nothing of Arrow, DuckDB or the canonical model: it must not import
// transform/, load/ or jobs/. Provider packages live in extract/<provider>/ and their
// fake servers in extract/<provider>/fake/.
package extract

import (
	"context"
	"encoding/json"
)

// Source extracts the user directory of one configured provider account.
type Source interface {
	// Name is the configured source name (e.g. "close-main").
	Name() string
	// Provider is the provider id (e.g. "close").
	Provider() string
	// Extract pages through the provider and hands every page of users and statuses to
	// sink. It returns nil only when the listing was complete: every page was read and
	// the provider signalled the end. Any error means the listing is partial, and the
	// caller must not infer deletions from it.
	Extract(ctx context.Context, sink Sink) error
	// Stats reports the transport counters accumulated so far.
	Stats() Stats
}

// Sink receives what a Source extracts, one page at a time. A Sink must not retain the
// slices it is given after the call returns.
type Sink interface {
	// Users receives one page of users.
	Users(ctx context.Context, users []User) error
	// Statuses receives a batch of presence statuses.
	Statuses(ctx context.Context, statuses []Status) error
}

// User is one provider user as the provider described it, in provider-neutral form:
// values are the provider's own text (not yet normalized), so that transform/ can apply
// the normalization contract without ever seeing a provider's wire structs.
type User struct {
	// ID is the provider's user id, unique within the source.
	ID string
	// AccountID is the provider account (organization, tenant) the user was read from.
	AccountID string
	Email     string
	FirstName string
	LastName  string
	// MiddleName holds a middle name or patronymic.
	MiddleName string
	// DisplayName is the provider's full or display name, if it has one.
	DisplayName string
	Title       string
	// Role is the provider's role value (an id or a name) that the role table maps.
	Role string
	// RoleName is a human name for Role when the provider has one (Close custom roles).
	RoleName string
	// Active is the provider's own notion of an active account; nil when it has none.
	Active     *bool
	Department string
	Groups     []Group
	Phones     []Phone
	// Timezone is an IANA zone name the provider reports for the user.
	Timezone string
	// Country is an ISO 3166 country code or name as the provider reports it.
	Country string
	// CreatedAt and UpdatedAt are the provider's timestamps as text.
	CreatedAt string
	UpdatedAt string
	// Extra keeps every provider field that has no column, by its provider name.
	Extra map[string]json.RawMessage
	// Fields lists the field names the provider returned for this user (schema drift).
	Fields []string
	// Fingerprint, when not zero, is the provider's RawFingerprinter sum of the user's
	// raw object and context; the sink keeps it instead of hashing the decoded fields.
	Fingerprint [16]byte
	// Unchanged means the sink recognized Fingerprint (see Recognizer): only ID, Fields
	// and Fingerprint are set, and the user is not mapped again.
	Unchanged bool
}

// Group is a membership of a user in a provider group-like entity.
type Group struct {
	ID   string
	Name string
	// Kind is one of team, department, group, organization, region, queue.
	Kind string
}

// Phone is one phone number as the provider wrote it.
type Phone struct {
	Raw string
	// Kind is one of main, office, mobile, home, extension, sip, other.
	Kind string
}

// Status is one user's presence as observed during extraction.
type Status struct {
	UserID    string
	Status    string
	SubStatus string
	OnCall    *bool
	Channels  json.RawMessage
}

// Stats are a source's transport counters.
type Stats struct {
	// Pages counts list pages read (successful list responses).
	Pages int64
	// Requests counts HTTP requests sent, retries included.
	Requests int64
	// Retries counts requests sent again after a retryable failure.
	Retries int64
	// ThrottledMS is the time spent waiting because of rate limits: 429 hints, provider
	// pacing signals and the local max_rps token bucket.
	ThrottledMS int64
}

// FieldCatalog is implemented by sources that know which user fields their provider
// documents. The data-quality report uses it to tell schema drift: fields a provider
// returns that the mapping does not know, and known fields that stop arriving.
type FieldCatalog interface {
	// KnownFields lists the provider's user field names the mapping knows, whether
	// they have a column or are kept in User.Extra on purpose.
	KnownFields() []string
}
