# ipamsim build, test and benchmark targets.
GO      ?= go
BIN     ?= bin/ipamsim

.PHONY: build test vet unit probe fuzz oracle oracle-check determinism visual-check bench clean

build:
	$(GO) build -o $(BIN) ./cmd/ipamsim

# test: vet, the race-enabled unit tests (the oracle cases among them), the
# hostile-input probe, the oracle cases again on their own, and a
# byte-for-byte determinism check of the default scenario's outputs.
test: vet unit probe oracle determinism

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

# probe: a few hundred hostile command lines (issue 12), each in a child
# process with a time and memory limit, and the progress line at a terminal
# (issue 15), without the race detector (whose overhead their limits do not
# allow for; under -race both skip themselves).
probe:
	$(GO) test -count=1 -run '^(TestHostileProbe|TestProgressOnATerminal)$$' ./cmd/ipamsim/

# fuzz: every fuzz target of the module (func FuzzX in a _test.go file, found
# by ci/fuzz.sh) for FUZZTIME each (default 6s; 25 targets, about 4 minutes with their builds).
FUZZTIME ?= 6s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) bash ci/fuzz.sh

# oracle: the oracle cases (scenarios/replay/testdata/oracle: what the real
# ipamd did) replayed in first-fit order (exact), go-map order (band), and
# go-map over seeds 1..10 (at most 3 % of runs may leave the strict band).
oracle:
	$(GO) test -count=1 -run 'Oracle' -v ./scenarios/replay/

# oracle-check ORACLE=DIR: an external oracle, DIR/check and DIR/cases (e.g.
# one that holds cases back): its checker run on the binary in both orders,
# then the Go oracle tests on its cases. Optional: nothing else needs it.
oracle-check:
	@test -n "$(ORACLE)" || { echo "usage: make oracle-check ORACLE=/path/to/oracle (a directory with check and cases/)"; exit 2; }
	@$(MAKE) --no-print-directory build
	$(ORACLE)/check --ipamsim $(BIN) --order first-fit $(ORACLE)/cases/*/
	$(ORACLE)/check --ipamsim $(BIN) --order go-map $(ORACLE)/cases/*/
	$(GO) test -count=1 -run 'TestOracle(FirstFit|GoMap)$$' ./scenarios/replay/ -args -oracle.cases=$(abspath $(ORACLE))/cases

determinism: build
	@d=$$(mktemp -d); for i in 1 2; do \
		$(BIN) run --seed 7 --timeline $$d/tl$$i.csv --metrics-file $$d/m$$i.prom -o json > $$d/out$$i.json || exit 1; \
	done; \
	cmp $$d/tl1.csv $$d/tl2.csv && cmp $$d/m1.prom $$d/m2.prom && cmp $$d/out1.json $$d/out2.json && \
	echo "determinism: default scenario outputs byte-identical across runs"; rc=$$?; rm -rf $$d; exit $$rc

# visual-check: promtool lint of the metrics (aws-node's names excepted, see
# ci/promlint-exceptions.txt), a promtool backfill of --openmetrics-file, a real
# Prometheus scraping a live --metrics-addr run, and the --report page rendered
# by headless Chromium (screenshot in artifacts/). Tools that are missing are
# skipped, unless CI=true.
visual-check: build
	IPAMSIM=$(BIN) bash ci/visual-check.sh

# bench: every benchmark of the module (see docs for the figures):
#   - the engine (sim) and its floor (BenchmarkEngineFloor: the hold model on a
#     typed 4-ary heap, internal/floor), trace parsing and the churn generator
#     at 100,000 live pods (scenarios), the node model's helpers (ipam/...);
#   - end-to-end one-node replay with parsing (BenchmarkReplayChurn: trace
#     events/s, allocs per trace event and the ratio to the floor measured in
#     the same run);
#   - every scenarios subpackage once (the 1,000-point sweep on 1 and 2
#     workers, BenchmarkSweepSpeedup);
#   - cluster days at 500, 1,000, 2,500 and 5,000 nodes with the same load per
#     node (BenchmarkClusterDay: CPU seconds per day and the ratio to 500).
# About 6 minutes on the 2-core machine, half of it the 5,000-node day.
BENCH_SUBPACKAGES = $(shell $(GO) list ./scenarios/... | grep -v -e '/scenarios$$' -e '/scenarios/replay$$')
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./sim/ ./internal/... ./ipam/... ./scenarios/
	$(GO) test -run '^$$' -bench 'ReplayChurn' -benchmem -benchtime 3x ./scenarios/replay/
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x $(BENCH_SUBPACKAGES)
	$(GO) test -run '^$$' -bench 'ClusterDay' -benchmem -benchtime 1x -timeout 60m ./scenarios/replay/

clean:
	rm -rf bin

# image: ipamsim's container image (ghcr.io/ipamsim/ipamsim:v0.1.0, linux/$(IMAGE_ARCH))
# as bin/ipamsim-image.tar, built without a Docker daemon by deploy/mkimage
# (the layout .ko.yaml and the Dockerfile describe). Load it with
# `docker load -i bin/ipamsim-image.tar`, or push it with `crane push`; to
# build and push amd64+arm64: `go run ./deploy/mkimage --push` (docs/sweep.md).
.PHONY: image
IMAGE_ARCH ?= amd64
image:
	@mkdir -p $(dir $(BIN))
	$(GO) run ./deploy/mkimage --arch $(IMAGE_ARCH) --out $(dir $(BIN))ipamsim-image.tar
