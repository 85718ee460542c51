package extract

import "context"

// Checker is implemented by sources that can check their configuration against the
// provider without extracting anything; `roster check` discovers it with a type
// assertion on a Source.
//
// Check reaches the provider and authenticates with the least costly call the provider
// offers (one that proves the credentials work, such as "who am I" or a one-item page),
// and reads no directory: it neither lists users nor calls a Sink. It returns nil when
// the provider accepted the credentials, or an error as Extract would: a *SourceError
// naming the source and the request that failed, matching ErrAuth when the provider
// rejected the credentials, and carrying the transport's cause (ErrTimeout, a refused
// connection, ...) when the provider could not be reached. The shared Client's retries,
// backoff and timeouts apply, so the caller bounds a check with ctx. Secrets (keys,
// passwords, tokens, signatures) never appear in the error.
//
// Check counts its requests in Stats but no pages.
type Checker interface {
	Check(ctx context.Context) error
}
