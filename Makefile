# roster — build, test, demo, bench, lint. Only Go and a C compiler are needed: DuckDB
# comes prebuilt with its Go bindings, everything else from the Go module proxy.
GO          ?= go
TAGS        := duckdb_arrow
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
export CGO_ENABLED := 1

.PHONY: build test demo bench gobench lint fmt docs crash clean

build:
	$(GO) build -tags $(TAGS) -o bin/roster ./cmd/roster

# The second line tests the load package as `go install` builds it, without DuckDB's
# Arrow interface (fingerprints read row by row, staging copied to Parquet for the merge).
test:
	$(GO) test -tags $(TAGS) -race -count=1 ./...
	$(GO) test -count=1 ./load

demo: build
	./bin/roster demo --dir ./demo

# The kill harness at full strength: 50 SIGKILL points (make test runs 8).
crash:
	$(GO) test -tags $(TAGS) ./jobs -run TestSyncSurvivesSIGKILLAnywhere -count=1 -v -kill-points=50

# The benchmark program: 1,000,000 users replayed on loopback against DuckDB's own
# JSON reader, every target printed as PASS or FAIL. BENCH_FLAGS passes options, e.g.
# BENCH_FLAGS="--users 200000 --cpu-profile cpu.pprof" (see go run ./cmd/roster-bench --help).
bench: build
	$(GO) run -tags $(TAGS) ./cmd/roster-bench --roster ./bin/roster $(BENCH_FLAGS)

# The Go micro-benchmarks of the packages.
gobench:
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	@if $(GO) run $(STATICCHECK) -version >/dev/null 2>&1; then \
	  $(GO) run $(STATICCHECK) -tags $(TAGS) ./...; \
	else echo "staticcheck could not be installed from the module proxy; skipped"; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

# docs/warehouse.md is generated from the schema; a test fails when it is out of date.
docs:
	$(GO) test -tags $(TAGS) ./load -run TestWarehouseDocIsCurrent -count=1 -update

clean:
	rm -rf bin demo
