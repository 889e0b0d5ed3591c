# Haven. `make run` starts it on the embedded SQLite database; `make test`
# runs every test (against PostgreSQL too when TEST_DATABASE_URL is set).
GO ?= go
PKGS := ./...

.PHONY: run build test test-short bench lint fuzz e2e-deps

run:
	$(GO) run ./cmd/haven serve

build:
	$(GO) build -trimpath -o bin/haven ./cmd/haven

test:
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

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
