// Package fake is a faithful fake of the Worksection admin API
// (providers/worksection.md, "What a faithful fake server must do"): an http.Handler that
// renders one day of an extract/synth population as a Worksection account would, with
// switches for the failures a nightly sync must survive. Tests, `roster fakes`,
// `roster demo` and the benchmarks use it; it never touches the network beyond the
// listener it is given.
//
// It must not import the Worksection client (extract/worksection) or any other roster
// package but extract/synth: the two share only the contract in providers/worksection.md
// and the synth population, so the fake cannot inherit the client's mistakes.
//
// # Options
//
// The zero Options is a well-behaved account whose admin key is DefaultAPIKey (the key
// of Worksection's documented example, so the documented hashes hold). Fields: APIKey;
// Host (rendered in urls; "<first label of Population.Domain>.worksection.com" when
// empty, e.g. "northwind.worksection.com"); Location (the account's time zone for
// date_added; the owner's synth Timezone when nil, see Server.Location); RateLimit and
// RetryAfterHeader (see Rate limits); HashErrorStatus, LegacyHash and AdminHeaderAuth
// (see Authentication); MaxUsers (cap get_users, like the ~10,000-record cap a third
// party reports; 0 = none); UnescapedJSON (see Data); ListAllTeams (see Teams); Now (the
// clock of the rate limiter and of AdminHeaderAuth). SetDay selects the synth day served
// (day 0 at first); Inject queues faults (see Faults).
//
// # Routes
//
// One endpoint, Path ("/api/admin/v2/"), also without its trailing slash (the official
// PHP SDK omits it). The method is the action parameter:
//
//	action=get_users        every user of the account in one reply (no pagination)
//	action=get_user_groups  the account's teams
//
// GET (parameters in the query) and POST (parameters in the query, or in a URL-encoded
// form body) are served; any other method is HTTP 405 with "Allow: GET, POST" and the
// error envelope status_code 4. Any other path is HTTP 404 with nginx's HTML page
// (fake-only: a wrong base URL reaches Worksection's web site, not the API).
//
// Order of checks: faults, path, rate limit, method, hash, action. A missing action is
// status_code 1 "Action is missed"; any action but the two above (real ones such as
// get_tasks included) is status_code 3 "Action is invalid" with message_details
// "action: <name>". Extra parameters are ignored (but signed).
//
// # Replies
//
// Success is HTTP 200 {"status":"ok","data":[...]}. Errors are the documented envelope
// {"status":"error","status_code":N,"message":"...","message_details":"..."} (details
// only when there are any), HTTP 200 unless said otherwise. Only status_code 2 and its
// message are documented; codes 1, 3, 4 and 10 and their messages are fake-only.
// Content-Type is "application/json; charset=utf-8".
//
// # Authentication
//
// The admin hash is md5(<parameter string> + APIKey) in lower-case hex, where the
// parameter string is exactly the bytes received without the "hash=..." segment: order
// and encoding matter ("name=a+b" and "name=a%20b" sign differently), and the segment
// may stand anywhere ("action=get_users&hash=H" signs "action=get_users"). The parameter
// string is the raw query when it carries a hash, else a POST form body that carries
// one (application/x-www-form-urlencoded, or no Content-Type); parameters are read from
// that same string. No hash, two hashes, upper-case hex or a mismatch get
//
//	{"status":"error","status_code":2,"message":"Action hash is missed or invalid"}
//
// with HTTP 200, or Options.HashErrorStatus. Test vectors (key
// 7776461cd931e7b1c8e9632ff8e979ce): "action=get_tasks&id_project=26" ->
// ec3ab2c28f21b4a07424f8ed688d6644 (documented), "action=get_users" ->
// 82d6b87d8d0b3ca3a91506adfc42751d.
//
// Options.LegacyHash also accepts the older documented rule md5(page + action + key)
// (decoded values; page is usually absent, so md5("get_users" + key)).
// Options.AdminHeaderAuth also accepts the official Python client's header
// "Authorization: Admin <unix_ts>_<hex HMAC-SHA256(key, "<action>:<unix_ts>")>" with the
// action in the query and no hash (a JSON body is ignored); the timestamp must be within
// AdminHeaderWindow (5 minutes, fake-only) of Options.Now. With that switch an Admin
// header decides alone; a bad one gets the status_code 2 envelope. OAuth (/api/oauth2
// and the global /oauth2/ token endpoints) is not implemented: roster authenticates
// with the admin key.
//
// # Data
//
// get_users lists the active people of the synth snapshot, by ascending person ID (with
// Options.MaxUsers, the first MaxUsers of them). Worksection has no active flag and
// roster treats a listed user as active, so a deactivated synth person is not listed at
// all: to the client a Deactivate looks like a departure and a Reactivate like a return
// (the doc leaves open whether the real service lists removed users).
//
// Each user has, in the seed's key order:
//
//	id           numeric string: person ID + a seed-derived offset in [100000, 1000000)
//	             (Server.UserID, Server.PersonID)
//	first_name, last_name  synth's, quirks included (padding, NFD accents, Cyrillic);
//	             synth's MiddleName (patronymic) has no field and is not rendered
//	name         first_name + " " + last_name
//	title        synth's Title
//	url          "https://<Host>/account/user/<id>/" (fake-only shape)
//	services     {"chats":{...},"socials":{...}}: WhatsApp and Viber (the mobile phone,
//	             when there is one), Telegram "@h", Skype "live:h"; LinkedIn and Facebook
//	             URLs, Instagram "@h" (h from the email's local part); an empty group is
//	             PHP's empty array [] rather than {} (inferred: json_encode cannot tell
//	             them apart)
//	contacts     about a fifth of people: "Skype: h", "ext. <synth Extension>" or a
//	             two-line text; the key is absent when empty (documented)
//	date_added   synth's CreatedAt as "YYYY-MM-DD HH:MM" in the account's time zone,
//	             without an offset (admin key only, documented; always rendered here)
//	rate         about 40%: 15 to 100, some with .5 (number); absent when not set
//	avatar       "https://<Host>/download/avatar/<id>/<8 hex>.jpg" for three in four,
//	             else "https://<Host>/images/avatar/default.png" (fake-only shapes)
//	group        synth's Team (a team name, not an id)
//	department   synth's Department
//	role         owner -> "owner", admin -> "account admin", manager -> "team admin" or
//	             "department admin" (half each, fixed per person), member -> "user",
//	             guest -> "guest", readonly -> "reader"; synth's CustomRole is ignored
//	             (Worksection has no custom roles)
//	email        synth's Email, quirks included (case, padding, shared, invalid)
//	phone, phone2, phone3, phone4  the raw number of the person's first main, office,
//	             mobile and home phone; "other" phones and further phones of a kind have
//	             no field and are not rendered
//	address, address2  about 35% have an address in their country (Cyrillic in Russia),
//	             a third of them a second line (fake-only values)
//
// An unset phone, address or address2 is absent for some people and "" for others, per
// field and fixed per person (the doc says "if specified" without saying which).
// Everything that is not a synth field is derived from the seed and the person ID only,
// so a person renders byte-identically on every day none of its synth fields changes,
// and the same population and day always give byte-identical replies.
//
// Strings are escaped like PHP's json_encode with default flags: "/" as "\/" and every
// non-ASCII character as a lower-case \uXXXX escape (surrogate pairs above U+FFFF)
// (inferred: Worksection runs PHP). Options.UnescapedJSON sends UTF-8 and "/" as they are.
//
// # Teams
//
// get_user_groups lists {"id":"<7 digits>","title":...,"type":"company","client":0} for
// every distinct Team of the day's snapshot (deactivated people included: a team outlives
// its members' status), plus two external client teams with "client":1 that no user
// belongs to (chosen by seed from a fixed list of company names), by ascending id. A
// team's id is a seed-keyed hash of its title (Server.GroupID), stable across days. One
// team that users reference is left out on purpose, so that a client joining users'
// group names to team ids meets a name without an id (the doc asks for "some user group
// names match and one does not"): of the teams of day 0, the one with the smallest
// seed-keyed hash, fixed for the Server's life (Server.UnlistedTeam; none when day 0 has
// fewer than two teams). Options.ListAllTeams lists it too.
//
// # Rate limits
//
// Worksection documents none. With Options.RateLimit = N > 0 the Server admits N
// requests per one-second window (opened by the first request, on the Options.Now
// clock), counted after the path check and before the method and hash checks (a limiter
// at the edge). An excess request is HTTP 429 with nginx's HTML page, and with
// Options.RetryAfterHeader "Retry-After: <seconds until the window ends, rounded up>".
//
// # Faults
//
// Inject queues a Fault; each matching request (Fault.Action exact, "" any) counts
// against it: the first Fault.After pass unharmed, the next Fault.Times (default 1,
// negative = forever) are affected. Faults act before routing and authentication, like a
// load balancer or a failing backend:
//
//	Status5xx      Fault.Status (default 503): 500 with an empty text/html body (a PHP
//	               fatal error), 502/503/504 with nginx's HTML page
//	RateLimited    429 as above; Retry-After: Fault.RetryAfter when > 0, "0" when < 0,
//	               and when 0 "1" only with Options.RetryAfterHeader
//	Slow           waits Fault.Delay, then serves normally
//	Truncate       serves normally but declares the full Content-Length, sends half the
//	               body and closes the connection (the client reads an unexpected EOF)
//	NonJSON        200 text/html maintenance page
//	ErrorEnvelope  HTTP Fault.Status (default 200) with the error envelope: Fault.Code,
//	               Fault.Message, Fault.Details (defaults DefaultErrorCode 10 and
//	               DefaultErrorMessage, fake-only; Code 2 imitates a rejected hash)
//	NoData         {"status":"ok"} without data (documented: nothing to return)
//	EmptyData      {"status":"ok","data":[]}
//
// Requests counts every request per action ("" when there is none), faults and errors
// included. The HTML pages, the 500 body and the 429 body are invented: Worksection
// documents none of them.
package fake
