// Package load is roster's storage: the DuckDB warehouse (migrations, on-disk staging,
// the SCD2 merge in one transaction with its run ledger row) and the Parquet lake
// (written to temporary names, renamed, and published idempotently).
//
// load runs the SQL embedded in sql/; it must not import extract/<provider> packages
// or jobs/.
package load
