# Haven. `make run` starts it on the embedded SQLite database; `make test`
# runs every test (against PostgreSQL too when TEST_DATABASE_URL is set).
GO ?= go
PKGS := ./...

# Release builds: static, no local paths, stamped with the last commit.
# SOURCE_DATE_EPOCH (the commit time) makes the build date and the image
# reproducible: the same commit gives the same binary and the same image.
# -tags nomsgpack leaves out gin's MessagePack binding, which Haven does not
# use (6 MB of the binary).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
BUILD_DATE := $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(BUILD_DATE)
RELEASE_BUILD := CGO_ENABLED=0 $(GO) build -trimpath -tags nomsgpack -ldflags "$(LDFLAGS)"
IMAGE ?= localhost/haven
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt

.PHONY: run demo build image test test-short bench bench-load lint fuzz e2e-deps

run:
	$(GO) run ./cmd/haven serve

# Look around as anyone (README): a made-up organisation in a throwaway
# SQLite database, data/demo (emptied first, so each run has new
# passwords), then the site on it. DATABASE_URL is cleared: this never
# touches a configured PostgreSQL database. The sign-ins are printed and
# kept in data/demo/sign-ins.txt (readable by you only).
demo:
	rm -rf data/demo
	mkdir -p -m 700 data/demo
	umask 077; DATABASE_URL= DATABASE_URL_FILE= HAVEN_DATA_DIR=data/demo $(GO) run ./cmd/haven demo > data/demo/sign-ins.txt
	cat data/demo/sign-ins.txt
	DATABASE_URL= DATABASE_URL_FILE= HAVEN_DATA_DIR=data/demo $(GO) run ./cmd/haven serve

build:
	$(RELEASE_BUILD) -o bin/haven ./cmd/haven

# The container image (Containerfile): the binary and a few files in
# build/image/, FROM scratch, built with podman; nothing is pulled.
image:
	rm -rf build/image
	mkdir -p build/image/root/etc/ssl/certs build/image/root/usr/local/bin build/image/owned/data
	$(RELEASE_BUILD) -o build/image/root/usr/local/bin/haven ./cmd/haven
	cp deploy/image/etc/passwd deploy/image/etc/group build/image/root/etc/
	cp $(CA_BUNDLE) build/image/root/etc/ssl/certs/ca-certificates.crt
	chmod -R u=rwX,go=rX build/image/root
	chmod 0755 build/image/root/usr/local/bin/haven
	chmod 0700 build/image/owned/data
	podman build --format docker --layers=false --timestamp $(SOURCE_DATE_EPOCH) \
		--build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg CREATED=$(BUILD_DATE) \
		-f Containerfile -t $(IMAGE):$(VERSION) -t $(IMAGE):latest build/image

# Outside CI, the browser tests skip without Chromium or their npm
# packages (in CI they fail instead): say so in one line, since `go test`
# shows a passing package's output only with -v.
E2E_CHROMIUM = $(or $(HAVEN_CHROMIUM),/usr/bin/chromium)
test:
	@if [ -z "$$CI" ] && { [ ! -x "$(E2E_CHROMIUM)" ] || [ ! -f frontend/e2e/node_modules/axe-core/axe.min.js ]; }; then \
		echo "e2e: browser tests SKIPPED (no Chromium at $(E2E_CHROMIUM), or no npm packages in frontend/e2e): run 'make e2e-deps', then 'make test'"; fi
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

# The load harness (docs/BENCHMARKS.md): builds Haven as released, the
# baseline (bench/baseline) and the generator (cmd/havenbench), starts
# Haven on PostgreSQL and on SQLite and the baseline on free ports with
# fresh databases (BENCH_HAVEN_DB and BENCH_BASE_DB on BENCH_PG, dropped
# and created), sets up and measures for about eight minutes, stops them and prints the
# tables; the figures also go to bench-load.json. Not part of `make test`.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
BENCH_HAVEN_DB ?= haven_bench
BENCH_BASE_DB ?= haven_bench_base
BENCH_ARGS ?=
bench-load:
	mkdir -p bin/bench
	$(RELEASE_BUILD) -o bin/bench/haven ./cmd/haven
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/bench/baseline ./bench/baseline
	$(GO) build -o bin/bench/havenbench ./cmd/havenbench
	bin/bench/havenbench -haven bin/bench/haven -baseline bin/bench/baseline -pg '$(BENCH_PG)' \
		-haven-db $(BENCH_HAVEN_DB) -baseline-db $(BENCH_BASE_DB) -out bench-load.json $(BENCH_ARGS)

# What the browser tests (frontend/e2e) need: their npm packages (axe-core,
# pinned in package-lock.json) and Chromium, which comes from the system's
# packages (apt-get install chromium) or HAVEN_CHROMIUM.
e2e-deps:
	npm ci --prefix frontend/e2e --no-audit --no-fund
	@if [ -x "$(E2E_CHROMIUM)" ]; then echo "Chromium: $(E2E_CHROMIUM)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else echo "Chromium not found at $(E2E_CHROMIUM): install it (Debian/Ubuntu: sudo apt-get install chromium) or set HAVEN_CHROMIUM=/path/to/chromium"; fi

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSubmit -fuzztime 60s ./api/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@# go.mod and go.sum must be what `go mod tidy` would write.
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result"; exit 1; }
	@# The OpenAPI document, as written and as served, with Redocly's
	@# recommended rules (needs `npm ci --prefix api/lint`; required in CI).
	@GO="$(GO)" api/lint/lint.sh
	$(GO) test -count=1 -run '^TestArchitecture$$' ./cmd/haven/
