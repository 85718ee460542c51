// Package fake is a fake UIS / CoMagic Data API (JSON-RPC 2.0, providers/uis.md, "What a
// faithful fake server must do"): one http.Handler that renders one day of an
// extract/synth population as a UIS account's employee directory, with switches for the
// failures a nightly sync must survive. Tests, `roster fakes`, `roster demo` and the
// benchmarks use it; it never touches the network beyond the listener it is given.
//
// It must not import the UIS client (extract/uis) or any roster package but
// extract/synth: the two share only providers/uis.md, so the fake cannot inherit the
// client's mistakes.
//
// # Options
//
// The zero Options is a well-behaved account: API key DefaultToken (permanent), login
// DefaultLogin / DefaultPassword, sessions living DefaultSessionTTL (1 h), any IP, point
// buckets of 60 a minute and 3000 a day (the docs' example tariff), limit at most 10 000.
//
//	Tokens        API keys and their TokenKind (replaces the default key when set):
//	              Permanent ok; Expired -32001 access_token_expired ("Access token has
//	              been expired"); Blocked -32001 access_token_blocked; Invalid and any
//	              unknown string -32001 access_token_invalid
//	Login, Password  the login.user credentials
//	SessionTTL    lifetime of a session key, on Now
//	Now           clock of sessions and point buckets
//	AllowedIPs    IPs or CIDRs; empty = any; else -32003 ip_not_whitelisted "Your IP
//	              127.0.0.1 is not whitelisted"
//	MinutePoints, DayPoints  point budgets (a huge number is effectively unlimited)
//	MaxLimit      largest accepted limit (the doc's 10 000 by default)
//	ClampPaging   clamp limit into 1..MaxLimit and offset into 0..100 000 instead of
//	              -32602 invalid_parameter_value (the doc leaves this open)
//
// SetDay selects the synth day served; Inject queues faults; ExpireSessions expires
// every session key; IssueSession mints one without login.user; Requests counts requests
// per JSON-RPC method ("" when the body has no readable method), faults and errors
// included; UserID / PersonID map synth person IDs to employee ids and back; AppID is the
// account's app_id.
//
// # Transport and envelope
//
// POST at RootPath ("/") or APIPath ("/v2.0"); another path is HTTP 404, another method
// 405 (plain text, invented). The fake serves one host: the doc's rule that a UIS
// credential fails on the CoMagic host is not modelled. Every JSON-RPC reply, error or
// not, is HTTP 200, "application/json; charset=UTF-8", compact JSON with keys in a fixed
// order. Checks, in this order (the order is the fake's):
//
//	body not JSON                 -32700 parse_error, id null
//	a JSON array                  -32099 batch_opreations_not_supported (the doc's typo)
//	not an object                 -32600 invalid_request
//	id neither string nor number  -32600 invalid_request (field "id")
//	jsonrpc not "2.0"             -32600 invalid_request (field "jsonrpc")
//	no id                         -32099 notifications_not_supported
//	method missing / not a string -32600 invalid_request (field "method")
//	params neither object nor absent/null  -32600 invalid_request (field "params")
//	IP not in AllowedIPs          -32003 ip_not_whitelisted
//	unknown method                -32601 method_not_found
//	access_token missing / not a string / bad   -32602 required_parameter_missed /
//	                              data_type_error / -32001 (see Tokens); login.user
//	                              needs none
//	point bucket empty            -32029 limit_exceeded (see Point buckets)
//	method parameters             -32602 (see get methods)
//
// The id is echoed as sent (null when unreadable). Unknown top-level envelope keys are
// ignored. The error object is {"code","message","data":{"mnemonic", "field" and
// "value" when relevant, "params" ({} unless the error has template values),
// "metadata":{"limits":{…}}}}; extended_helper is never sent.
//
// # Sessions
//
// login.user {login, password} answers {"data":{"access_token","expire_at","app_id"},
// "metadata":{…}}: expire_at is Unix seconds on Now (the doc's field table; its example's
// "expire" is not sent). A wrong pair is -32001 auth_error. A session key is accepted
// until Now reaches expire_at or ExpireSessions, then -32001 access_token_expired (the doc
// does not say which -32001 mnemonic expired sessions get; this is the fake's choice).
// logout.user deletes the session (then access_token_invalid) and answers {"data":{}};
// with an API key it is a no-op. Session keys are 26 base-36 characters from the seed
// and a counter.
//
// # Point buckets
//
// One account, one pair of buckets shared by every key and session: the minute bucket
// refills at each clock minute of Now (09:00:00 to 09:00:59.999), the day bucket at
// midnight Moscow time (UTC+3, AccountTimezone). Every method costs 1 point (the doc: all
// methods currently cost 1), login.user and logout.user included; only successful calls
// consume points (a failed call's points are given back). Every JSON-RPC reply carries
// metadata.limits {day_limit, day_remaining, day_reset, minute_limit, minute_remaining,
// minute_reset} (resets in whole seconds, rounded up): in result.metadata on success, in
// error.data.metadata on errors (the doc promises it for get methods; the fake sends it
// everywhere). The day bucket is checked first. An empty bucket answers -32029
// limit_exceeded, "Limit per minute has been exceeded. Value of current limit per minute
// is 60" (or "day"), with data.params {limit_type: "minute"|"day", limit_max_value,
// limit_reset} — limit_reset (seconds until that bucket refills) is the fake's addition;
// the same number is in metadata.limits.*_reset.
//
// # get methods
//
// Paged methods (get.employees, get.group_employees, get.statuses,
// get.employee_positions) accept access_token, user_id (a number; ignored: no agent mode),
// limit (default 1000, 1..MaxLimit), offset (default 0, 0..100 000), filter, sort, fields,
// plus is_deleted for get.statuses; anything else is -32602 unexpected_parameters (field =
// the parameter). A non-integer limit/offset/user_id is data_type_error; out of range is
// invalid_parameter_value with params {min, max} (or clamped, ClampPaging). Replies are
// {"data":[…],"metadata":{"total_items":<exact count after the filter>,"limits":{…}}}; an
// offset at or past the end gives "data":[]. fields projects (unknown names:
// unexpected_parameters); keys keep the canonical order.
//
// filter is a simple {field, operator, value} or a tree {filters:[…], condition:
// "and"|"or" (default and)}, nested freely. Fields not in the method's table are
// unexpected_parameters, fields not flagged filterable in the doc filter_prohibited.
// Operators: =, !=, <, >, <=, >= and in / not_in on scalars (= null / != null test for
// null); like, ilike, not_like, not_ilike (% and _) and regexp (POSIX) on strings;
// overlap / not_overlap on string arrays; is_null / is_not_null everywhere (an empty {}
// or [] counts as null). jsquery and any other combination are invalid_parameter_value
// (field "filter.operator"); a value of the wrong JSON type is data_type_error. Comparisons
// on null follow SQL (false). sort is [{field, order asc|desc}]; a field not flagged
// sortable is sort_prohibited; nulls sort last ascending and first descending
// (PostgreSQL); ties keep the default order. Without filter and sort only the page is
// rendered (cheap for large populations); with either, every row is.
//
// # get.employees
//
// Lists the synth snapshot's active people by ascending employee id (the default order
// is the fake's). Deactivated people are omitted: UIS has no state field, and the
// normalization contract reads uis users as active while listed. An employee id is
// 1 000 000 + the synth person ID (UserID, PersonID). Every key is always present:
// scalars null when empty, arrays [], objects {}.
//
//	id, login             employee id; login "employee<person ID>" (invented)
//	first_name, last_name, patronymic  synth FirstName, LastName, MiddleName (Cyrillic
//	                      names and patronymics for the Russian ~20%; quirks kept)
//	full_name             "Last First Patronymic", empty parts skipped
//	status, status_id     synth Status: available -> available 1; busy -> auto_out_call
//	                      6; dnd -> do_not_disturb 3; offline -> not_at_work 5; away ->
//	                      by SubStatus: Meal, Break -> break 2; Training -> custom 101
//	                      "Обучение" and Meeting -> custom 102 "Совещание" (status null,
//	                      as the doc says for custom statuses); Coaching or none ->
//	                      not_at_workplace 4
//	calls_available       true; allowed_in/out_call_types ["internal","external"]; the
//	                      four *_allowed_call_directions ["in","out"]
//	email                 synth Email as is (quirks kept), null when empty
//	call_recording        per person: all 60%, off 20%, in 10%, out 10%
//	schedule_id, _name    per person: 1 "Пн-Пт 9:00-18:00", 2 "Сменный 2/2", 3
//	                      "Круглосуточно", null/null for 10%
//	coach                 15% of people (never the owner): the owner as coach
//	                      {coach_id, coach_full_name, coach_always_enabled}; else {}
//	groups                synth Groups in synth order: [{group_id: 501 + index in
//	                      synth.GroupNames(), group_name: the synth name}]
//	phone_numbers         synth Phones in priority (synth) order, at most 10:
//	                      {phone_id: employee id*10 + index, phone_number, channels_count
//	                      1-2, dial_time 60 (30 for 25%), status active (inactive for a
//	                      third of home phones)}
//	extension             synth Extension: {extension_phone_number,
//	                      extension_voice_mail_enabled, extension_queue_enabled}, else {}
//	operator              30% of people: chat operator settings (login "op<person ID>",
//	                      display name the first name, a position of
//	                      get.employee_positions, one site: the synth domain); else {}
//
// phone_number is UIS's digits-only form with the country code and no "+": a typed
// number is stripped to digits, "(0)" dropped, and a national number gets its country's
// code by the synth Region (RU 8XXXXXXXXXX -> 7XXXXXXXXXX, a leading trunk 0 replaced by
// 44/49/33/61, US 10 digits prefixed with 1): "8 (495) 123-45-67" -> "74951234567". An
// extension suffix ("x123", "ext. 12") becomes "...123", and an office phone of a person
// with a synth Extension gets "...<Extension>" ("74955140578...2345"). Junk without digits
// ("n/a") is dropped; short digit junk ("12") is kept, so normalizers meet invalid
// numbers.
//
// Every value that is not a synth field derives from the seed and the person ID alone,
// and status/status_id only from Status and SubStatus: the same population and day give
// byte-identical replies (on the same clock, since metadata.limits moves), an unchanged
// person renders identically on every day, and a StatusOnly change touches only status
// and status_id. Names never change in synth, so a coach's name is stable.
//
// # Other methods
//
// get.group_employees: every synth group (empty ones too) in synth order: id, name,
// members [{employee_id, employee_full_name}] by ascending employee id, phone_numbers
// [{employee_phone_number, employee_phone_number_id, employee_full_name, employee_id,
// available}] (each member's first phone; available = it is active), group_phone_number
// "700"+index, queue_enabled, channels_count (invented values).
// get.statuses: the seven standard statuses (ids 1-7, Russian names, mnemonic set) and
// custom 101 "Обучение", 102 "Совещание" (mnemonic null); custom 103 "Обед (старый)" is
// deleted and listed only with is_deleted: true. Colours, descriptions and call
// directions are invented. get.employee_positions: 1 Оператор, 2 Старший оператор,
// 3 Супервайзер. get.account (access_token and user_id only): {"data":{"app_id","name":
// the synth Company,"timezone":"Europe/Moscow"}} — data is an object, not a list.
//
// # Faults
//
// Inject queues a Fault; each request whose method equals Fault.Method ("" = any,
// unparsable bodies included) counts against it: the first After pass, the next Times
// (default 1, negative = forever) are affected. Faults act before everything else and
// consume no points:
//
//	Status5xx               HTTP Fault.Status (503 by default) with an nginx-style HTML page
//	Slow                    waits Fault.Delay, then serves (ends with the client's context)
//	Truncate                declares the full Content-Length, sends half, closes
//	NonJSON                 HTTP 200 text/html maintenance page (Russian)
//	RPCError                JSON-RPC error Fault.Code / Mnemonic / Message (default -32603
//	                        internal_error "Internal error, contact the support service")
//	ExpireSessionBefore     ExpireSessions, then serves: a session key gets -32001
//	                        access_token_expired
//	LimitExceeded           -32029 for Fault.LimitType ("minute" default, or "day"), that
//	                        bucket's remaining shown 0 and its reset Fault.Reset seconds
//	                        (the real reset when 0)
//	ChangeDataBetweenPages  inserts Fault.N (default 1) synth Extra people with employee
//	                        ids below every population id (1 000 000 - 1 - k), so they
//	                        sort first and the next offset page repeats rows; with
//	                        Fault.Delete removes the N lowest-id employees (never the owner)
//	                        so the next page skips rows. total_items changes accordingly;
//	                        the change lasts until SetDay.
package fake
