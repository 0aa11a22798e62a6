# ipamsim build, test and benchmark targets.
GO      ?= go
BIN     ?= bin/ipamsim
SHARED  ?= ../shared
ORACLE  := $(SHARED)/oracle

.PHONY: build test vet unit oracle determinism bench clean

build:
	$(GO) build -o $(BIN) ./cmd/ipamsim

# test: vet, the race-enabled unit tests, the oracle cases in both orders and a
# byte-for-byte determinism check of the default scenario's outputs.
test: vet unit oracle determinism

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

oracle: build
	@if [ -x $(ORACLE)/check ]; then \
		$(ORACLE)/check --ipamsim $(BIN) --order first-fit $(ORACLE)/cases/*/ && \
		$(ORACLE)/check --ipamsim $(BIN) --order random $(ORACLE)/cases/*/; \
	else echo "oracle: $(ORACLE)/check not found; skipped"; fi

determinism: build
	@d=$$(mktemp -d); for i in 1 2; do \
		$(BIN) run --seed 7 --timeline $$d/tl$$i.csv --metrics-file $$d/m$$i.prom -o json > $$d/out$$i.json || exit 1; \
	done; \
	cmp $$d/tl1.csv $$d/tl2.csv && cmp $$d/m1.prom $$d/m2.prom && cmp $$d/out1.json $$d/out2.json && \
	echo "determinism: default scenario outputs byte-identical across runs"; rc=$$?; rm -rf $$d; exit $$rc

# bench: engine events/s, trace parsing and end-to-end replay events/s.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./sim/ ./scenarios/... ./ipam/...

clean:
	rm -rf bin
