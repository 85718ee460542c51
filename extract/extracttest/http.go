package extracttest

import "net/http"

// StatusRecorder is an http.ResponseWriter that remembers the status its handler
// wrote (Status starts as whatever the caller sets, usually 200).
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

// WriteHeader implements http.ResponseWriter.
func (r *StatusRecorder) WriteHeader(status int) {
	r.Status = status
	r.ResponseWriter.WriteHeader(status)
}
