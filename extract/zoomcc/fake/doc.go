// Package fake is a faithful fake of Zoom's Server-to-Server OAuth token endpoint and
// Contact Center directory API (providers/zoom_contact_center.md, "What a faithful fake
// server must do"): one http.Handler that renders one day of an extract/synth population
// as a Zoom account would, with switches for the failures a nightly sync must survive.
// Tests, `roster fakes`, `roster demo` and the benchmarks use it; it never touches the
// network beyond the listener it is given.
//
// It must not import the Zoom client (extract/zoomcc) or any other roster package but
// extract/synth: the two share only the contract in providers/zoom_contact_center.md and
// the synth population, so the fake cannot inherit the client's mistakes.
//
// # Options
//
// The zero Options is a well-behaved account: credentials DefaultAccountID,
// DefaultClientID and DefaultClientSecret, tokens living DefaultTokenTTL (3599 s), page
// tokens DefaultPageTokenTTL (15 min), no rate limit, every scope granted. Fields:
//
//	AccountID, ClientID, ClientSecret  the accepted credentials
//	TokenTTL                access-token lifetime (expires_in is it in whole seconds, rounded up)
//	Now                     the clock of token expiry, page-token expiry and rate limits
//	PageTokenTTL            next_page_token lifetime
//	QPS, DailyLimit         rate limits (see Rate limits); 0 = unlimited
//	NoRateHeaders           no X-RateLimit-* and no Retry-After, on any reply
//	NewTokenInvalidatesOld  minting a token invalidates every earlier one (Zoom's 2022
//	                        behaviour): the old one then gets 401 code 124 "Invalid access
//	                        token."; by default tokens coexist until they expire
//	ClampPageSize           page_size outside 1..max is clamped instead of 400 code 300
//	MemberPageMax           the page_size cap of team and queue member lists (0 = 300)
//	Scopes                  the granted scopes (nil = DefaultScopes())
//	MalformedScopeError     the missing-scope error's scope list in unescaped quotes
//	EmptySubStatus          "sub_status_id":"" and "sub_status_name":"" outside Not Ready,
//	                        instead of leaving the keys out
//	APIURL                  the token reply's api_url (see Token endpoint)
//
// SetDay selects the synth day served (day 0 at first); Inject queues faults;
// ExpireTokens and ExpirePageTokens void every token issued so far; IssueToken mints a
// token without the endpoint; Requests counts requests per URL path, faults and errors
// included. UserID/PersonID, TeamID, RegionID, QueueID and RoleID give the ids the fake
// renders.
//
// # Token endpoint
//
// POST TokenPath (/oauth/token; the real one is on zoom.us, the fake serves it on the
// same handler as the API). Checks, in this order (the order is the fake's):
//
//	method not POST                    405 {"reason":"Method Not Allowed","error":"invalid_request"}
//	any query string                   400 {"reason":"Bad Request: parameters must be sent in
//	                                   the request body","error":"invalid_request"}
//	Basic client_id:secret missing or wrong (client id or secret)
//	                                   401 {"reason":"Invalid client_id or client_secret","error":"invalid_client"}
//	grant_type not account_credentials, or a body that is not
//	application/x-www-form-urlencoded  400 {"reason":"Unsupported grant type","error":"unsupported_grant_type"}
//	account_id missing / not ours      400 {"reason":"Missing account_id" / "Invalid account_id",
//	                                   "error":"invalid_request"}
//
// Only the invalid_client body is documented; the other reasons, the statuses of the
// account_id errors and the 405 are invented (Zoom's 47xx codes are not in the body:
// their JSON keys are unknown). Success is 200
// {"access_token":…,"token_type":"bearer","expires_in":3599,"scope":"<DefaultScopes
// joined by spaces>","api_url":…}. The access token looks like Zoom's: an HS512 JWT
// whose claims carry the account (aid), the client (iss "zm:cid:<client id>"), iat, nbf
// and exp; its signature is a keyed hash, so tokens are unique and unforgeable. api_url
// is Options.APIURL, or by default "http(s)://<Host of the token request>" rather than
// Zoom's "https://api.zoom.us" (DefaultAPIURL): a client that honours api_url then stays
// on the fake instead of reaching the real service. The token endpoint is not rate
// limited. Issued tokens are kept for the Server's life (a few bytes each).
//
// # API authentication
//
// Under APIPrefix (/v2/contact_center/), GET only. Order of checks: faults, route (an
// unknown path is 404 {"code":404,"message":"Not Found"}, another method 405
// {"code":405,"message":"Method Not Allowed"} with "Allow: GET"; both invented), the
// token, the rate limits, the scope, then the endpoint:
//
//	access_token in the query (even empty, even with a header)
//	           401 {"code":124,"message":"Invalid access token, this access token is not
//	           supported as query parameter string."}
//	no "Authorization: Bearer <token>" (any other scheme, a bare token), an unknown or,
//	with NewTokenInvalidatesOld, superseded token
//	           401 {"code":124,"message":"Invalid access token."}
//	expired (Options.Now >= issue + TokenTTL, or ExpireTokens)
//	           401 {"code":124,"message":"Access token is expired."}
//	scope missing from Options.Scopes
//	           400 {"code":4711,"message":"Invalid access token, does not contain
//	           scopes:[<scope>]."} (status and code are one of the documented variants)
//
// With MalformedScopeError the last one reads scopes:["<scope>"] with the quotes
// unescaped: invalid JSON, the quirk ZoomNet repairs. Scopes (classic names; only the
// users one is from the seed, the others follow its pattern): ScopeUser for users/...,
// ScopeRole roles/..., ScopeTeam teams/..., ScopeRegion regions/..., ScopeQueue
// queues/..., ScopePreference system_statuses.
//
// # Endpoints
//
// Replies are compact JSON, "Content-Type: application/json;charset=UTF-8", keys in the
// order of Zoom's samples, strings in UTF-8 (Jackson's style: only quotes, backslashes and
// control characters escaped). Date-times are "2006-01-02T15:04:05Z". Lists are paged
// (see Pagination); the reply key and the page_size default/maximum of each:
//
//	users                        users      30/300  filters search_key, region_id, user_access
//	users/{userId}               a user, plus client_integration_name
//	users/{userId}/queues        queues     10/100  queue_id, queue_name, cc_queue_id, channel,
//	                                                user_assignment_type (agent|supervisor),
//	                                                queue_description, caller_ids
//	roles                        roles      10/100  role_id, role_name, role_description,
//	                                                total_users, modified_by, last_modified_time
//	roles/{roleId}/users         users      30/300  user_id, display_name, user_email
//	teams                        teams      10/100  team_id, team_name, team_description,
//	                                                parent_team_id/_name (child teams only),
//	                                                created_time, modify_time
//	teams/{teamId}               a team
//	teams/{teamId}/agents        agents     30/300  user_id, user_display_name, user_email
//	teams/{teamId}/supervisors   supervisors 30/300 same shape
//	teams/{teamId}/children      teams      10/100
//	teams/{teamId}/parents       teams      10/100
//	regions                      regions    10/100  region_id, region_name, is_main_region,
//	                                                sip_zone_id, sip_zone_name, users_count,
//	                                                last_modified_time
//	regions/{regionId}/users     users      10/100  user_id, display_name, user_email,
//	                                                role_id, role_name; filter role_id
//	queues                       queues     10/100  queue_id, cc_queue_id, queue_name,
//	                                                queue_description, agents_count,
//	                                                supervisors_count, channel, channel_types,
//	                                                modified_by, last_modified_time; filter channel
//	queues/{queueId}             a queue
//	queues/{queueId}/agents      agents     30/300  user_id, display_name, user_email, role_id,
//	                                                role_name, status_id, status_name,
//	                                                user_access, opt_in_out_status (ZoomNet's sample)
//	queues/{queueId}/supervisors supervisors 30/300 same shape
//	system_statuses              statuses   10/100  status_id, status_name, status_type
//	                                                (default|custom), status_category
//	                                                (agent_status|not_ready_reason), enable,
//	                                                status_assigned_queues ([])
//
// Documented ranges: users 30/300, roles/{id}/users 30/300, regions/{id}/users 10/100.
// The others are invented: member lists 30/300 (team and queue member lists: up to
// MemberPageMax) and catalogues 10/100, so a generic paginator meets two caps. An unknown or malformed {id} is 404
// {"code":1001,"message":"<User|Team|Queue|Role|Region> does not exist: <id>."} (the
// user one is the doc's best guess; the others reuse it).
//
// # Pagination
//
// page_size absent: the default. Not an integer: 400 {"code":300,"message":"Validation
// Failed.","errors":[{"field":"page_size","message":"Invalid field."}]}; outside 1..max:
// the same with "The page_size must be between 1 and <max>.", or with ClampPageSize the
// nearest bound (a non-integer stays an error). The reply echoes the effective page_size:
// {"next_page_token":"…","page_size":n,"total_records":<filtered total>,<key>:[…]}.
// next_page_token is "" on the last page, also when the last page is exactly full (no
// empty page follows); an empty result is {"next_page_token":"","page_size":30,
// "total_records":0,"users":[]}.
//
// A next_page_token is 44 letters and digits (Zoom's are alphanumeric too): an offset,
// the issue time, a hash of the endpoint path and its filter values, each masked, and a
// keyed check value over them and the Server's page-token epoch. It is valid for
// PageTokenTTL after issue on the Options.Now clock, for the same path and the same
// filters (their order in the query does not matter; page_size may change between
// pages), until ExpirePageTokens. Anything else — expired, voided, another endpoint's,
// replayed with other filters, tampered, garbage — is 400 {"code":300,"message":"The next
// page token is invalid or expired."} (the doc's guess at the text). Because the token
// carries an offset, a listing that spans SetDay, InsertUsers or DeleteUsers drifts like
// offset paging over a changing directory (repeats or skips); an offset past the end is
// an empty last page.
//
// # Data
//
// users lists the synth snapshot's people, active and deactivated, in hire order
// (ascending person ID), users inserted by faults first. A user:
//
//	user_id             22 base64url characters, like Zoom's: the person ID under a keyed
//	                    Feistel permutation plus a keyed check value (UserID, PersonID)
//	display_name        synth FirstName + " " + LastName, quirks included (no middle name)
//	user_email          synth Email, quirks included (case, padding, shared, invalid)
//	role_id, role_name  synth Role: owner and admin -> "Admin", manager -> "Supervisor",
//	                    member -> "Agent", guest -> custom "Guest Agent", readonly ->
//	                    custom "Read-Only Viewer"; a synth CustomRole overrides with its own
//	                    name. Ids: Admin a version-1 UUID (as in Zoom's sample), Supervisor
//	                    and Agent 22-character base64url, custom roles version-4 UUIDs
//	client_integration  per person: 70% "Default", 12% "Salesforce", 8%
//	                    "Microsoft_Dynamics_365", 6% "Zendesk", 4% "ServiceNow";
//	                    client_integration_name ("<Company> Salesforce", ...) only on
//	                    users/{userId} and not for Default
//	status_id, status_name  synth Status: available -> "1" Ready, busy -> "3" Occupied,
//	                    away -> "2" Not Ready, dnd -> "4" "Do Not Disturb" (a custom
//	                    status), offline (and deactivated people) -> "0" Offline
//	sub_status_id, sub_status_name  only when Not Ready with a synth SubStatus: Break 20,
//	                    Meal 21, Training 22, Meeting 23 (Zoom's defaults; End Shift 24 and
//	                    Forced 25 exist in system_statuses but synth never uses them),
//	                    Coaching "100" (a custom reason); otherwise both keys are absent
//	                    (EmptySubStatus: "")
//	user_access         synth Active: "active" / "inactive"
//	modified_by         the owner's user_id, for everyone (and in roles and queues)
//	last_modified_time  synth UpdatedAt, to the second, "Z"
//	country_iso_code    synth Country
//	region_id, region_name  synth Region ("North America", "Europe", "Russia", "APAC")
//	channel_settings    per person: multi_channel_engagements {enable (60% true),
//	                    max_agent_load 25|50|75|100, email_max_agent_load 25|50|100},
//	                    concurrent_message_capacity 1-6, concurrent_email_capacity 1-4
//	package_name        per person: essentials 50%, premium 35%, elite 15%
//	add_ons_plan        per person: [] mostly, ["ai_expert_assist"] 20%,
//	                    ["ai_expert_assist","workforce_management"] 8%,
//	                    ["quality_management"] 5%
//
// Zoom's Contact Center user has no phone, extension, title, department or time zone
// (providers doc section 6), so synth's Phones, Extension, Title, Department (except as
// parent teams) and Timezone are not rendered. Every value that is not a synth field is
// derived from the seed and the person ID alone and the status fields only from Status
// and SubStatus: the same population and day give byte-identical replies, an unchanged
// person renders byte-identically on every day, and a status-only change touches only
// the status fields (last_modified_time does not move, as synth's UpdatedAt does not).
//
// search_key matches a case-insensitive substring of the trimmed email or of the display
// name (Zoom says "email address or username"; the matching rule is the fake's).
// region_id must be a region's exact id (an unknown one matches nobody); user_access must
// be active or inactive (anything else: 400 code 300 "Validation Failed." with field
// user_access). Empty values are no filter.
//
// Teams: every synth Team with at least one listed person, a child of a parent team
// named after its synth Department (the department has no members of its own), all
// ordered by name; ids are 22-character base64url hashes of the name (TeamID), stable
// across days. A team's synth managers are its supervisors, everyone else (owner and
// admins included) its agents, deactivated people included. created_time and
// modify_time are fixed instants before day 0. Queues: synth's eight QueueNames, always
// listed, in synth's order, with invented channels (voice; Renewals and Billing email;
// Support L1 chat with channel_types chat and sms; VIP video), a "ZWQ…" cc_queue_id and,
// for voice queues, one caller id in the US fictional range +1 415 555-01xx. A person
// serves each of their synth Queues, as supervisor when a manager, else as agent; about
// 5% of assignments are opted out (opt_in_out_status 1). Regions: synth's regions of the
// day; the owner's is the main region and comes first, the rest by name; SIP zones are
// invented (US West, EU Central, AP Southeast). Roles: Admin, Supervisor, Agent, Guest
// Agent, Read-Only Viewer and synth's CustomRoleNames, always listed, with the day's
// total_users. Related endpoints follow SetDay like users.
//
// # Rate limits
//
// Zoom limits per account. Every endpoint here is in the Medium category and all share
// one bucket (the fake's simplification). With QPS = N > 0 the Server admits N API
// requests per clock second (09:00:00.000 to 09:00:00.999 on Options.Now); with
// DailyLimit = N > 0 it admits N per UTC day. Requests are counted after authentication
// (401s and the token endpoint are free) and only when admitted. An excess request gets
//
//	429 {"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}
//	    X-RateLimit-Category: Medium, X-RateLimit-Type: QPS, X-RateLimit-Limit: N, X-RateLimit-Remaining: 0
//
// or, for the daily limit, {"code":429,"message":"You have exceeded the daily rate limit
// (N) of Medium APIs permitted for your account. You may resume these requests at GMT
// 00:00:00."} (the wording of Zoom's daily message adapted) with X-RateLimit-Type:
// Daily-limit and Retry-After: the next midnight UTC as "2026-01-06T00:00:00Z" (an
// absolute date-time, not seconds). The daily limit is checked first. Admitted replies
// carry X-RateLimit-Category: Medium and, when a limit is set, X-RateLimit-Limit and
// X-RateLimit-Remaining of the per-second bucket (else of the daily one); never
// X-RateLimit-Type. NoRateHeaders drops all of these headers, on 429s too.
//
// # Faults
//
// Inject queues a Fault; each matching request (Fault.Path exact, "" any, "prefix*") counts
// against it: the first Fault.After pass unharmed, the next Fault.Times (default 1,
// negative = forever) are affected. Faults act before everything else, on the token
// endpoint too:
//
//	Status5xx              Fault.Status (default 503): 500 {"code":500,"message":"Internal
//	                       Error"}, 502/503/504 a load balancer's HTML page
//	RateLimitedQPS         the per-second 429 above (X-RateLimit-Limit: QPS or NominalQPS 20)
//	RateLimitedDaily       the daily 429 above (limit DailyLimit or NominalDailyLimit 30000;
//	                       Retry-After the next midnight UTC on Options.Now)
//	Slow                   waits Fault.Delay, then serves normally (ends with the client)
//	Truncate               serves normally but declares the full Content-Length, sends half
//	                       the body and closes the connection (the client reads an
//	                       unexpected EOF)
//	NonJSON                200 text/html maintenance page
//	ErrorBody              HTTP 200 {"code":Fault.Code,"message":Fault.Message} (defaults 300,
//	                       "Request failed."), Zoom's 200-with-error quirk
//	ExpireTokenBefore      ExpireTokens, then serves: the request (with any token issued so
//	                       far) gets 401 code 124 "Access token is expired."
//	ExpirePageTokenBefore  ExpirePageTokens, then serves: a continued listing gets 400 code 300
//	InsertUsers            first inserts Fault.N (default 1) new active users (synth Extra
//	                       people) at the front of the user ordering: the next page
//	                       repeats users
//	DeleteUsers            first removes Fault.N (default 1) users from the front (inserted
//	                       ones first, never the owner): the next page skips users
//
// Inserted and deleted users stay that way until SetDay. The HTML pages, the 500 body
// and the ErrorBody defaults are invented; Zoom documents none of them.
package fake
