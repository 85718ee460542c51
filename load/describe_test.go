package load_test

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/warehouse.md")

// TestWarehouseDocIsCurrent keeps docs/warehouse.md equal to what the schema says;
// `make docs` (go test ./load -run TestWarehouseDocIsCurrent -update) rewrites it.
func TestWarehouseDocIsCurrent(t *testing.T) {
	w := openWarehouse(t)
	got, err := w.Markdown(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const path = "../docs/warehouse.md"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run make docs)", err)
	}
	if string(want) != got {
		t.Errorf("docs/warehouse.md is out of date with the schema: run make docs")
	}
	for _, name := range []string{"users_history", "user_groups", "user_phones", "people", "data_quality_latest", "headcount_daily"} {
		if !strings.Contains(got, "## "+name+" (") {
			t.Errorf("docs lack %s", name)
		}
	}
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "| `") && strings.HasSuffix(line, "|  |") {
			t.Errorf("an undocumented column: %s", line)
		}
	}
}
