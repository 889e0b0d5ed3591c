package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestJSONBodiesRequireJSONContentType sends every operation that takes a
// JSON body a well-formed body with no Content-Type, as a visitor and, where
// a route needs a user, as a client: each must answer 415
// unsupported_media_type (documented, with the shared error body) before
// reading the body. Routes only staff may call are reached as far as their
// guard; the decoding they share is covered by the others.
func TestJSONBodiesRequireJSONContentType(t *testing.T) {
	a := newAPI(t)
	signup := a.do("POST", "/api/v1/auth/signup", map[string]any{"nickname": "content-type", "password": "lange zin als wachtwoord"})
	if signup.Code != 201 {
		t.Fatalf("sign-up: %d %s", signup.Code, signup.Body)
	}
	token := signup.body["session"].(map[string]any)["access_token"].(string)

	param := regexp.MustCompile(`\{[^}]+\}`)
	var reached int
	for _, path := range a.doc.Paths.InMatchingOrder() {
		for method, op := range a.doc.Paths.Value(path).Operations() {
			if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
				continue
			}
			target := param.ReplaceAllStringFunc(path, func(p string) string {
				switch p {
				case "{id}":
					if strings.Contains(path, "instruments") {
						return "phq9"
					}
				case "{programme}":
					return "depression"
				case "{day}":
					return "2026-01-01"
				case "{lesson}":
					return "understanding"
				case "{step}":
					return "welcome"
				case "{point}":
					return "start"
				}
				return "x"
			})
			t.Run(method+" "+path, func(t *testing.T) {
				send := func(contentType, token string) response {
					req := httptest.NewRequest(method, target, strings.NewReader(`{}`))
					if contentType != "" {
						req.Header.Set("Content-Type", contentType)
					}
					if token != "" {
						req.Header.Set("Authorization", "Bearer "+token)
					}
					rec := httptest.NewRecorder()
					a.handler.ServeHTTP(rec, req)
					parent := a.t
					a.t = t
					a.validate(req, rec) // 415 documented, error body as documented
					a.t = parent
					res := response{ResponseRecorder: rec}
					if err := json.Unmarshal(rec.Body.Bytes(), &res.body); err != nil {
						t.Fatalf("%s: not JSON: %v\n%s", contentType, err, rec.Body)
					}
					return res
				}
				tok := ""
				r := send("", tok)
				if r.Code == 401 && r.errorCode() == "unauthenticated" {
					tok = token
					r = send("", tok)
				}
				if r.Code == 403 {
					return // staff only
				}
				reached++
				if r.Code != 415 || r.errorCode() != "unsupported_media_type" {
					t.Errorf("no Content-Type: %d %q, want 415 unsupported_media_type: %s", r.Code, r.errorCode(), r.Body)
				}
				for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/jsonx", "json", "application/json; charset"} {
					if r := send(ct, tok); r.Code != 415 || r.errorCode() != "unsupported_media_type" {
						t.Errorf("Content-Type %q: %d %q, want 415 unsupported_media_type: %s", ct, r.Code, r.errorCode(), r.Body)
					}
				}
			})
		}
	}
	t.Logf("%d operations with a JSON body reached past their guard", reached)
	if reached < 15 {
		t.Errorf("only %d JSON operations reached; the test lost its way", reached)
	}
}
