package api_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// TestOpenAPIMatchesRouter fails when a registered API route is missing
// from openapi.yaml, or a documented route is not registered.
func TestOpenAPIMatchesRouter(t *testing.T) {
	a := newAPI(t)
	registered := map[string]bool{}
	for _, r := range a.engine.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") && r.Path != "/healthz" && r.Path != "/readyz" {
			continue // web pages are not part of the JSON API
		}
		registered[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range a.doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var missing, stale []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			stale = append(stale, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(stale)
	if len(missing) > 0 {
		t.Errorf("routes registered but not in api/openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("routes in api/openapi.yaml but not registered:\n  %s", strings.Join(stale, "\n  "))
	}
	if len(registered) < 7 {
		t.Errorf("only %d API routes found; is the router wired?", len(registered))
	}
}

// TestOpenAPIOperationsAreDescribed keeps the document useful: every
// operation has an id and a summary, and documents its error answers with
// the shared error body.
func TestOpenAPIOperationsAreDescribed(t *testing.T) {
	a := newAPI(t)
	for path, item := range a.doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s lacks an operationId or summary", method, path)
			}
			for status, resp := range op.Responses.Map() {
				if status[0] >= '4' && resp.Ref != "#/components/responses/Error" {
					t.Errorf("%s %s %s does not use the shared error response", method, path, status)
				}
			}
		}
	}
}
