// Package fake is a faithful fake of the Close CRM user-directory API
// (providers/close.md, "What a faithful fake server must do"): an http.Handler that
// renders one day of an extract/synth population as Close would, with switches for the
// failures a nightly sync must survive. Tests, `roster fakes`, `roster demo` and the
// benchmarks use it; it never touches the network beyond the listener it is given.
//
// It must not import the Close client (extract/close): the two share only the contract
// in providers/close.md and the synth population, so the fake cannot inherit the client's
// mistakes.
//
// # Options
//
// The zero Options is a well-behaved Close: key DefaultAPIKey, organization id and name
// derived from the seed (Population.Company), _limit up to 1000, no rate limit. Fields:
// APIKey and ExtraAPIKeys (accepted keys, one organization), OrgID and OrgName, MaxLimit
// and MaxSkip (see Pagination), RateLimit, RateResetAsString, RetryAfterHeader and
// LegacyHeaders (see Rate limits), Now (the rate limiter's clock, for tests). SetDay
// selects the synth day served (day 0 at first); Inject queues faults (see Faults).
//
// # Routes
//
// GET only (other methods: 405 with "Allow: GET"), all under /api/v1/ and all ending in
// a slash:
//
//	me/                      the caller: the population's owner, with email_accounts and
//	                         its own membership (organization_id, role_id, ...)
//	user/                    users, paginated (see Pagination), _order_by, _fields
//	user/{id}/               one user; unknown or malformed id: 404
//	                         {"error": "Empty query: User matching query does not exist."}
//	user/availability/       every active user's three channels (mobile, native, web),
//	                         unpaginated; organization_id other than ours: 404
//	organization/{id}/       the organization with memberships (active users) and
//	                         inactive_memberships (deactivated users), user data flattened
//	                         with a user_ prefix, or nested under "user" with
//	                         _expand=memberships__user,inactive_memberships__user; _fields
//	role/, role/{id}/        predefined roles (admin, superuser, user, restricteduser) and
//	                         the custom roles (role_... ids), paginated like users
//	group/, group/{id}/      synth's groups; members ([{"user_id": ...}], active users
//	                         only) only on group/{id}/
//
// A path without its trailing slash, or any other path, is 404 {"error": "Not found. ..."}:
// the real service historically redirected or 404ed, and the client must always send the
// slash, so the fake takes the strict reading.
//
// # Data
//
// Ids are Close-shaped and deterministic for a seed: user_, orga_, memb_, role_, acti_,
// lead_, stat_, emailacct_ followed by 43 base62 characters, group_ by 22. A user id
// encodes its synth person ID (UserID and PersonID convert). Timestamps are
// "2013-05-08T01:57:15.204000+00:00". A user object has date_created, date_updated,
// email, email_verified_at (null for invalid emails and about 5% of people),
// first_name, id, image (gravatar of the trimmed, lower-cased email), last_name,
// last_used_timezone (synth's Timezone, null for about 3%) and organizations ([] once
// deactivated: the user is still listed, its membership moves to inactive_memberships).
// Keys are sorted and separated like Python's json.dumps (", " and ": "), as in Close's
// recorded replies. Users have no phone, title or department fields (Close keeps those
// elsewhere); a membership's user_phone carries the digits of the first usable phone.
//
// Membership role_id: owner and admin -> "admin", manager -> "superuser", member ->
// "user", guest and readonly -> "restricteduser"; a person with a CustomRole gets that
// custom role's "role_..." id, whose name /role/ lists.
//
// Availability: available -> one channel online (sometimes two), no calls; busy -> native
// or mobile online with one active call (method "regular", an acti_ id and a lead);
// away, dnd and offline -> all three channels offline.
//
// The default user ordering is by synth person ID (hire order). _order_by accepts only
// "last_name,first_name" and "first_name,last_name" (stable, ties by ID); anything else
// is 400 {"errors": [], "field-errors": {"_order_by": "..."}}.
//
// # Pagination
//
// _limit defaults to 100 and _skip to 0. The reply is {"data": [...], "has_more": bool}
// where has_more is exactly "another item exists after this page": a last page that is
// full reports false. A _skip past the end is an empty page with has_more false. Errors,
// all 400: a non-integer _limit or _skip, _limit < 1 or _skip < 0 -> {"errors": [],
// "field-errors": {"_limit": "Enter a whole number."}} style; _limit > MaxLimit or
// _skip > MaxSkip -> {"error": "The maximum value for _limit on this endpoint is 1000."}.
// _fields keeps only the named fields of each object (unknown names are ignored; empty
// means all) on me/, user/, user/{id}/, organization/{id}/, role/ and group/.
//
// # Authentication
//
// "Authorization: Basic base64(key:)" (the password is ignored) or "Authorization: Bearer
// key", for Options.APIKey or one of Options.ExtraAPIKeys (all keys belong to the one
// organization). Anything else is 401 with Close's recorded body, verbatim:
// {"error": "The server could not verify that you are authorized to access the URL
// requested.  You either supplied the wrong credentials (e.g. a bad password), or your
// browser doesn't understand how to supply the credentials required."}
// and "WWW-Authenticate: Basic". Unknown paths are 404 before authentication.
//
// # Rate limits
//
// Every response carries "RateLimit: limit=N, remaining=N, reset=S" (S whole seconds,
// rounded up) describing the limit closest to being hit; with Options.LegacyHeaders also
// X-Rate-Limit-Limit, X-Rate-Limit-Remaining and X-Rate-Limit-Reset (fractional seconds).
// With Options.RateLimit = N > 0 each key may make N requests, and the organization 3N,
// per endpoint group (user, organization, role, group) per one-second window (opened by
// the first request, on the Options.Now clock). An excess request is not served:
//
//	429 {"error": {"message": "API call count exceeded for this 1 second window",
//	     "rate_reset": 0.870663, "rate_limit": N, "rate_window": 1,
//	     "rate_limit_type": "key" or "org", "rate_endpoint_group": "<32 hex>"}}
//
// with "RateLimit: ..., remaining=0, ...". Options.RateResetAsString sends rate_reset as
// "0.870663"; Options.RetryAfterHeader adds "Retry-After: <seconds rounded up>". With
// RateLimit 0 nothing is throttled and the headers report a nominal limit of 10000.
//
// # Faults
//
// Inject queues a Fault; each matching request (Fault.Path exact, "" any, "prefix*")
// counts against it: the first Fault.After pass unharmed, the next Fault.Times (default
// 1, negative = forever) are affected. Faults act before routing and authentication, like
// a load balancer or a failing backend:
//
//	Status5xx         Fault.Status (default 503): 500 JSON {"error": ...}; 502/503/504 the
//	                  load balancer's HTML page
//	RateLimited       429 as above with rate_reset = Fault.RateReset (default 1 s;
//	                  negative sends 0), honouring RateResetAsString and RetryAfterHeader
//	Slow              waits Fault.Delay, then serves normally
//	Truncate          serves normally but declares the full Content-Length, sends half the
//	                  body and closes the connection (the client reads an unexpected EOF)
//	NonJSON           200 text/html maintenance page
//	Unauthorized      Close's 401 even with a valid key
//	Forbidden         403 {"error": "You don't have permission to access this resource."}
//	PaymentRequired   402 {"error": "Your organization's plan does not include API access. ..."}
//	InsertUsers       first inserts Fault.N (default 1) new users (synth.Population.Extra)
//	                  at the front of every ordering: the next offset page repeats users
//	DeleteUsers       first removes Fault.N (default 1) users from the front of the default
//	                  ordering (inserted ones first, never the owner): the next page skips
//	                  users
//	EmptyPageHasMore  a list endpoint answers {"data": [], "has_more": true} once
//
// Inserted and deleted users stay that way until SetDay, which serves a fresh snapshot.
// Requests counts every request per path, faults and errors included.
//
// The 402/403/500 messages and the HTML pages are invented (Close documents the status
// codes, not these bodies); everything else follows providers/close.md.
package fake
