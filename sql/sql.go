// Package sql holds roster's SQL as embedded .sql files: numbered schema migrations
// (tables, views), the staging -> users_history SCD2 merge, and the lake export
// queries. Set-based logic lives here; load/ only orchestrates it.
//
// sql imports nothing of roster; it must not import extract/, transform/ or jobs/.
package sql

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql merge/*.sql
var files embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the schema migrations in version order. A file is named
// NNNN_name.sql; versions are unique and start at 1.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(files, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		body, err := files.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration versions must be 1..n without gaps; found %d at position %d", m.Version, i+1)
		}
	}
	return out, nil
}

// Merge returns the named merge statement (merge/NAME.sql). A statement that reads
// staging has {{files}} where the staging files' relation goes (load fills it in); it
// names the relation once, as the relation may be a stream that can be read only once.
func Merge(name string) (string, error) {
	b, err := files.ReadFile("merge/" + name + ".sql")
	if err != nil {
		return "", fmt.Errorf("sql: no merge statement %q", name)
	}
	return string(b), nil
}
