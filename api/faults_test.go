package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/haven-mh/haven/api"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
)

// pathValues fill a route's parameters with values the handlers accept.
var pathValues = map[string]string{
	"id": "6f1c1d7e-2b0e-4b55-9b1f-1f6c6f0b7a11", "programme": "depression", "lesson": "understanding",
	"step": "welcome", "point": "start", "day": "2024-03-01", "instrument": "phq9", "alert": "0b5e3c1a-7f2d-4e8a-9c6b-2d4f6a8e1c3b",
}

// TestEveryRouteAnswers503WhenTheDatabaseIsCut sends every API route, as
// nobody and with a client's access token, to an API whose PostgreSQL
// connection a proxy has cut. No route answers 500; every answer is in the
// OpenAPI document (so each operation that can meet the database documents
// its 503); and every route that reads a token answers the token holder
// 503 unavailable with Retry-After — an outage never signs anyone out with
// a 401.
func TestEveryRouteAnswers503WhenTheDatabaseIsCut(t *testing.T) {
	base := dbtest.PostgresBase(t)
	d, proxy := dbtest.OpenPostgresVia(t, base, db.Config{MaxOpenConns: 4, ConnectTimeout: time.Second})
	svcs := wiretest.NewOn(t, d)
	engine, err := api.NewEngine(api.EngineOptions{Log: slog.New(slog.DiscardHandler), RequestTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	register(t, engine, svcs, slog.New(slog.DiscardHandler), nil, 0)
	doc := loadSpec(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, token string) *httptest.ResponseRecorder {
		var body io.Reader
		if method == "POST" || method == "PUT" || method == "PATCH" {
			body = strings.NewReader(`{}`)
		}
		req := httptest.NewRequest(method, path, body)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		return w
	}
	signup := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/auth/signup", strings.NewReader(`{"nickname":"outage","password":"lange zin als wachtwoord"}`))
	req.Header.Set("Content-Type", "application/json")
	engine.ServeHTTP(signup, req)
	var session struct {
		Session struct {
			AccessToken string `json:"access_token"`
		} `json:"session"`
	}
	if err := json.Unmarshal(signup.Body.Bytes(), &session); err != nil || session.Session.AccessToken == "" {
		t.Fatalf("sign-up: %d %s", signup.Code, signup.Body.String())
	}

	proxy.Cut()
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	checked := 0
	for _, r := range engine.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") && r.Path != "/readyz" {
			continue
		}
		path := param.ReplaceAllStringFunc(r.Path, func(m string) string { return pathValues[m[1:]] })
		for _, token := range []string{"", session.Session.AccessToken} {
			w := send(r.Method, path, token)
			name := r.Method + " " + r.Path
			if token != "" {
				name += " (with a token)"
			}
			if w.Code == http.StatusInternalServerError {
				t.Errorf("%s answered 500 with the database cut: %s", name, w.Body.String())
			}
			vreq := httptest.NewRequest(r.Method, path, nil)
			route, params, err := router.FindRoute(vreq)
			if err != nil {
				t.Fatalf("%s: not in the document: %v", name, err)
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route},
				Status:                 w.Code, Header: w.Header(),
				Body:    io.NopCloser(bytes.NewReader(w.Body.Bytes())),
				Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
			}
			if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
				t.Errorf("%s → %d does not match openapi.yaml: %v", name, w.Code, err)
			}
			readsToken := route.Operation.Security == nil || len(*route.Operation.Security) > 0
			if token != "" && readsToken || r.Path == "/readyz" {
				if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), `"unavailable"`) {
					t.Errorf("%s: %d %s, want 503 unavailable with Retry-After", name, w.Code, w.Body.String())
				}
				checked++
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d routes that read a token were checked; is the route walk broken?", checked)
	}
}
