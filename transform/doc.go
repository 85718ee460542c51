// Package transform gives provider records their meaning: it declares the canonical
// tables once (columns, Arrow schemas, DuckDB types), maps each provider's raw records
// to canonical rows per the normalization contract (roles, statuses, groups, phones,
// emails, names, times), and builds Arrow record batches of those rows.
//
// transform imports extract's provider-neutral records only; it must not import
// net/http, any extract/<provider> package, load/ or jobs/.
package transform
