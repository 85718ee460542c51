package extract

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors, matched with errors.Is through the typed errors below.
var (
	// ErrAuth means the provider rejected the credentials (HTTP 401/403 or a provider's
	// own authentication error). Retrying does not help.
	ErrAuth = errors.New("authentication failed")
	// ErrRateLimited means the provider throttled the request.
	ErrRateLimited = errors.New("rate limited")
	// ErrMalformed means a reply could not be decoded as the provider documents it.
	ErrMalformed = errors.New("malformed reply")
	// ErrTooLarge means a reply exceeded the client's response size bound.
	ErrTooLarge = errors.New("reply too large")
	// ErrIncomplete means a listing ended without the provider's end signal, or its
	// counts did not add up.
	ErrIncomplete = errors.New("incomplete listing")
	// ErrTimeout means a request attempt did not complete within the client's timeout.
	ErrTimeout = errors.New("request timed out")
)

// APIError is an error reply from a provider.
type APIError struct {
	// Status is the HTTP status code (200 for providers that report errors in the body).
	Status int
	// Code is the provider's own error code or mnemonic, if any.
	Code string
	// Message is the provider's error message, trimmed to a readable length.
	Message string
	// Retryable tells the HTTP layer to try the request again.
	Retryable bool
	// Kind is a sentinel (ErrAuth, ErrMalformed, ...) the error also matches, or nil.
	Kind error
}

// Error implements error.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("HTTP %d", e.Status)
	if e.Kind != nil {
		msg = e.Kind.Error() + " (" + msg + ")"
	}
	if e.Code != "" {
		msg += " code " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unwrap lets errors.Is match the sentinel Kind.
func (e *APIError) Unwrap() error { return e.Kind }

// RateLimitError is a throttling reply. RetryAfter is the provider's hint (zero when it
// gave none); the HTTP layer caps it and never waits less than its minimum backoff.
type RateLimitError struct {
	Status     int
	RetryAfter time.Duration
	Message    string
}

// Error implements error.
func (e *RateLimitError) Error() string {
	msg := fmt.Sprintf("rate limited (HTTP %d)", e.Status)
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unwrap lets errors.Is(err, ErrRateLimited) match.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// SourceError attributes an error to a source and, where known, to the request that
// failed. Its message is the one line a user sees: "close-main: GET /user/: cause".
type SourceError struct {
	Source string
	// Op is the request ("GET /api/v1/user/?_skip=100") or the step that failed; secrets
	// are never part of it.
	Op  string
	Err error
}

// Error implements error.
func (e *SourceError) Error() string {
	if e.Op == "" {
		return e.Source + ": " + e.Err.Error()
	}
	return e.Source + ": " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *SourceError) Unwrap() error { return e.Err }

// TransportError is a failure to get a whole reply: the connection failed or dropped, an
// attempt timed out, or the body was cut short. Its message never carries the URL.
type TransportError struct {
	Err error
	// Retryable tells the HTTP layer to try the request again.
	Retryable bool
}

// Error implements error.
func (e *TransportError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }
