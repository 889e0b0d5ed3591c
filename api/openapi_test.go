package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/haven-mh/haven/selftest"
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
	checkSecurityMatchesGuards(t, a)
}

// checkSecurityMatchesGuards compares each documented operation's security
// with the guard its route really has, found by asking the route:
//   - it requires a user when a request without a token gets 401
//     unauthenticated; the document must then require the bearer scheme;
//   - it reads a token it does not require when a request without a token
//     passes and one with a malformed token gets the guard's 401 (with
//     WWW-Authenticate: Bearer error="invalid_token"); the document must
//     then make the bearer scheme optional ([{}, {bearer: []}]);
//   - otherwise it is public and ignores tokens: `security: []`.
//
// An operation without its own security inherits the document's.
func checkSecurityMatchesGuards(t *testing.T, a *testAPI) {
	t.Helper()
	for _, path := range a.doc.Paths.InMatchingOrder() {
		item := a.doc.Paths.Value(path)
		for _, method := range sortedKeys(item.Operations()) {
			op := item.Operations()[method]
			target := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x")
			var body any
			if method == "POST" || method == "PUT" || method == "PATCH" {
				body = map[string]any{}
			}
			anonymous := a.do(method, target, body)
			badToken := a.do(method, target, body, "Authorization", "Bearer not-a-token")
			requiresUser := anonymous.Code == 401 && anonymous.errorCode() == "unauthenticated"
			// Only the token guard answers a bad token with this challenge;
			// the sign-in routes' own 401s (a spent refresh token, a wrong
			// code) do not, and do not depend on the header.
			readsToken := badToken.Code == 401 && anonymous.Code != 401 &&
				strings.Contains(badToken.Header().Get("WWW-Authenticate"), `error="invalid_token"`)

			security := a.doc.Security
			if op.Security != nil {
				security = *op.Security
			}
			var anonymousAllowed, bearerAllowed bool
			for _, req := range security {
				if len(req) == 0 {
					anonymousAllowed = true
				}
				if _, ok := req["bearer"]; ok {
					bearerAllowed = true
				}
			}
			var want string
			switch {
			case requiresUser && (anonymousAllowed || !bearerAllowed):
				want = "security: [{bearer: []}] (the route requires a signed-in user)"
			case !requiresUser && readsToken && (!anonymousAllowed || !bearerAllowed):
				want = "security: [{}, {bearer: []}] (the route reads a token but does not require one)"
			case !requiresUser && !readsToken && (security == nil || len(security) > 0):
				want = "security: [] (the route is public and ignores tokens)"
			}
			if want != "" {
				says := "declares no security"
				if security != nil {
					b, _ := json.Marshal(security)
					says = "says security: " + string(b)
				}
				t.Errorf("%s %s: the document %s; want %s", method, path, says, want)
			}
		}
	}
}

// TestOpenAPIOperationsAreDescribed keeps the document useful: every
// operation has an id and a summary, documents its error answers with the
// shared error body (a 503 with the shared Unavailable response, which adds
// Retry-After), and, when it takes a JSON body, the answers to a bad one.
func TestOpenAPIOperationsAreDescribed(t *testing.T) {
	a := newAPI(t)
	for path, item := range a.doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s lacks an operationId or summary", method, path)
			}
			for status, resp := range op.Responses.Map() {
				if status == "503" {
					if resp.Ref != "#/components/responses/Unavailable" {
						t.Errorf("%s %s 503 does not use the shared Unavailable response (error shape and Retry-After)", method, path)
					}
					continue
				}
				if status[0] >= '4' && resp.Ref != "#/components/responses/Error" {
					t.Errorf("%s %s %s does not use the shared error response", method, path, status)
				}
			}
			// A JSON body can be malformed (400), too large (413) or not
			// declared as JSON (415): decodeJSON answers all three.
			if op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/json") != nil {
				for _, status := range []string{"400", "413", "415"} {
					if op.Responses.Value(status) == nil {
						t.Errorf("%s %s takes a JSON body but does not document %s", method, path, status)
					}
				}
			}
		}
	}
}

// TestOpenAPIEnumsMatchTypes fails when an enum value, default or example
// in the document has another JSON type than its schema declares — as when
// YAML reads an unquoted 18_24 as the number 1824 in a string enum. It walks
// every schema: components, parameters, request bodies, responses and
// their headers, recursively through properties, items, additional
// properties and allOf/oneOf/anyOf/not.
func TestOpenAPIEnumsMatchTypes(t *testing.T) {
	doc := loadSpec(t)
	for _, p := range schemaValueProblems(doc) {
		t.Error(p)
	}
}

// TestSchemaValueProblemsFindsMistypedEnums shows the walk above can fail:
// it finds a number in a string enum nested in an inline schema of a
// response, a string in an integer enum of a parameter, and a fraction in
// an integer default.
func TestSchemaValueProblemsFindsMistypedEnums(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      parameters:
        - {name: n, in: query, schema: {type: integer, enum: [1, "2"]}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  list:
                    type: array
                    items:
                      allOf:
                        - type: object
                          properties:
                            band: {type: string, enum: [under_18, 18_24]}
                            count: {type: integer, default: 1.5}
                            fine: {type: string, enum: ["yes"], nullable: true, example: "no"}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(schemaValueProblems(doc), "\n")
	for _, want := range []string{
		`band: enum value 1824 (number) is not of type string`,
		`parameter n: enum value "2" (string) is not of type integer`,
		`count: default 1.5 (number) is not of type integer`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "fine") {
		t.Errorf("a well-typed enum was reported:\n%s", got)
	}
}

// schemaValueProblems walks every schema of doc and describes each enum
// value, default and example whose JSON type the schema does not allow.
func schemaValueProblems(doc *openapi3.T) []string {
	w := &schemaWalker{seen: map[*openapi3.Schema]bool{}}
	c := doc.Components
	if c != nil {
		for _, name := range sortedKeys(c.Schemas) {
			w.schema("components.schemas."+name, c.Schemas[name])
		}
		for _, name := range sortedKeys(c.Parameters) {
			w.parameter("components.parameters."+name, c.Parameters[name])
		}
		for _, name := range sortedKeys(c.RequestBodies) {
			if rb := c.RequestBodies[name]; rb != nil && rb.Value != nil {
				w.content("components.requestBodies."+name, rb.Value.Content)
			}
		}
		for _, name := range sortedKeys(c.Responses) {
			w.response("components.responses."+name, c.Responses[name])
		}
		for _, name := range sortedKeys(c.Headers) {
			if h := c.Headers[name]; h != nil && h.Value != nil {
				w.parameterValue("components.headers."+name, &h.Value.Parameter)
			}
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, p := range item.Parameters {
			w.parameter(path, p)
		}
		for _, method := range sortedKeys(item.Operations()) {
			op := item.Operations()[method]
			at := method + " " + path
			for _, p := range op.Parameters {
				w.parameter(at, p)
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				w.content(at+" request", op.RequestBody.Value.Content)
			}
			if op.Responses != nil {
				for _, status := range sortedKeys(op.Responses.Map()) {
					w.response(at+" "+status, op.Responses.Value(status))
				}
			}
		}
	}
	return w.problems
}

type schemaWalker struct {
	seen     map[*openapi3.Schema]bool
	problems []string
}

func (w *schemaWalker) parameter(at string, p *openapi3.ParameterRef) {
	if p != nil && p.Value != nil {
		w.parameterValue(at+" parameter "+p.Value.Name, p.Value)
	}
}

func (w *schemaWalker) parameterValue(at string, p *openapi3.Parameter) {
	w.schema(at, p.Schema)
	w.content(at, p.Content)
}

func (w *schemaWalker) response(at string, r *openapi3.ResponseRef) {
	if r == nil || r.Value == nil {
		return
	}
	for _, name := range sortedKeys(r.Value.Headers) {
		if h := r.Value.Headers[name]; h != nil && h.Value != nil {
			w.parameterValue(at+" header "+name, &h.Value.Parameter)
		}
	}
	w.content(at, r.Value.Content)
}

func (w *schemaWalker) content(at string, c openapi3.Content) {
	for _, mt := range sortedKeys(c) {
		if c[mt] != nil {
			w.schema(at+" "+mt, c[mt].Schema)
		}
	}
}

func (w *schemaWalker) schema(at string, ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil || w.seen[ref.Value] {
		return
	}
	s := ref.Value
	w.seen[s] = true
	for _, v := range s.Enum {
		if !jsonTypeAllowed(s, v) {
			w.problems = append(w.problems, fmt.Sprintf("%s: enum value %s is not of type %s", at, describeJSON(v), typeNames(s)))
		}
	}
	if s.Default != nil && !jsonTypeAllowed(s, s.Default) {
		w.problems = append(w.problems, fmt.Sprintf("%s: default %s is not of type %s", at, describeJSON(s.Default), typeNames(s)))
	}
	if s.Example != nil && !jsonTypeAllowed(s, s.Example) {
		w.problems = append(w.problems, fmt.Sprintf("%s: example %s is not of type %s", at, describeJSON(s.Example), typeNames(s)))
	}
	for _, name := range sortedKeys(s.Properties) {
		w.schema(at+"."+name, s.Properties[name])
	}
	w.schema(at+"[]", s.Items)
	w.schema(at+"{}", s.AdditionalProperties.Schema)
	w.schema(at+" not", s.Not)
	for i, sub := range s.AllOf {
		w.schema(fmt.Sprintf("%s allOf[%d]", at, i), sub)
	}
	for i, sub := range s.OneOf {
		w.schema(fmt.Sprintf("%s oneOf[%d]", at, i), sub)
	}
	for i, sub := range s.AnyOf {
		w.schema(fmt.Sprintf("%s anyOf[%d]", at, i), sub)
	}
}

// jsonTypeAllowed reports whether v, as decoded from the document, is of a
// JSON type the schema permits. A schema without a type permits anything.
func jsonTypeAllowed(s *openapi3.Schema, v any) bool {
	if s.Type == nil || s.Type.IsEmpty() {
		return true
	}
	if v == nil {
		return s.Nullable || s.Type.Includes("null")
	}
	for _, typ := range s.Type.Slice() {
		switch x := v.(type) {
		case string:
			if typ == "string" {
				return true
			}
		case bool:
			if typ == "boolean" {
				return true
			}
		case float64:
			if typ == "number" || typ == "integer" && x == math.Trunc(x) {
				return true
			}
		case int, int64:
			if typ == "number" || typ == "integer" {
				return true
			}
		case []any:
			if typ == "array" {
				return true
			}
		case map[string]any:
			if typ == "object" {
				return true
			}
		}
	}
	return false
}

func describeJSON(v any) string {
	kind := "object"
	switch v.(type) {
	case string:
		kind = "string"
	case bool:
		kind = "boolean"
	case float64, int, int64:
		kind = "number"
	case []any:
		kind = "array"
	}
	b, _ := json.Marshal(v)
	return fmt.Sprintf("%s (%s)", b, kind)
}

func typeNames(s *openapi3.Schema) string { return strings.Join(s.Type.Slice(), " or ") }

func sortedKeys[M ~map[string]V, V any](m M) []string {
	return slices.Sorted(maps.Keys(m))
}

// TestOpenAPIProfileEnumsMatchSelftest keeps the documented profile answers
// equal to the values the self-test accepts, in order.
func TestOpenAPIProfileEnumsMatchSelftest(t *testing.T) {
	doc := loadSpec(t)
	profile := doc.Components.Schemas["SubmitRequest"].Value.Properties["profile"].Value
	for _, q := range selftest.ProfileQuestions() {
		prop := profile.Properties[q.ID]
		if prop == nil {
			t.Errorf("SubmitRequest.profile lacks %s", q.ID)
			continue
		}
		var documented []string
		for _, v := range prop.Value.Enum {
			documented = append(documented, fmt.Sprint(v))
		}
		if !slices.Equal(documented, q.Values) {
			t.Errorf("SubmitRequest.profile.%s enum is %q, the self-test accepts %q", q.ID, documented, q.Values)
		}
	}
	if len(profile.Properties) != len(selftest.ProfileQuestions()) {
		t.Errorf("SubmitRequest.profile documents %d answers, the self-test has %d questions", len(profile.Properties), len(selftest.ProfileQuestions()))
	}
}
