package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db/dbtest"
)

// TestThreeReplicasOnOneDatabase runs three Haven servers (each its own
// services and handler, as three processes would have) on one database —
// PostgreSQL with TEST_DATABASE_URL, else one SQLite file: a session made
// on one works on each; failed sign-ins spread over the three meet the
// limit of one (the counters are shared through the database, not per
// process); a sign-out on one is refused there at once and on the others
// within the session cache's TTL.
func TestThreeReplicasOnOneDatabase(t *testing.T) {
	const ttl = 200 * time.Millisecond
	d := dbtest.Open(t)
	var replicas []http.Handler
	for range 3 {
		svcs := wiretest.NewOn(t, d, wiretest.WithConfig(func(c *wire.Config) { c.SessionCacheTTL = ttl }))
		h, err := newHandler(config{DefaultLanguage: "nl", MaxBodyBytes: 64 << 10}, svcs, svcs.DB, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, h)
	}
	call := func(r int, method, path, token string, body any) (int, map[string]any) {
		t.Helper()
		var b bytes.Buffer
		if body != nil {
			_ = json.NewEncoder(&b).Encode(body)
		}
		req := httptest.NewRequest(method, path, &b)
		req.RemoteAddr = "198.51.100.7:4000"
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		replicas[r].ServeHTTP(w, req)
		var out map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &out)
		return w.Code, out
	}
	code, out := call(0, http.MethodPost, "/api/v1/auth/signup", "", map[string]string{"nickname": "roamer", "password": "a long enough password 1"})
	if code != http.StatusCreated {
		t.Fatalf("sign-up: %d %v", code, out)
	}
	session, _ := out["session"].(map[string]any)
	token, _ := session["access_token"].(string)
	for r := range replicas {
		if code, out := call(r, http.MethodGet, "/api/v1/me", token, nil); code != http.StatusOK {
			t.Errorf("replica %d: /me %d %v", r, code, out)
		}
	}

	// Five failures per account and source (auth's default), spread over
	// the three replicas: the sixth attempt is refused wherever it lands.
	bad := map[string]string{"nickname": "roamer", "password": "not the password at all"}
	for i := range 5 {
		if code, out := call(i%3, http.MethodPost, "/api/v1/auth/login", "", bad); code != http.StatusUnauthorized {
			t.Fatalf("failure %d on replica %d: %d %v", i+1, i%3, code, out)
		}
	}
	for r := range replicas {
		if code, _ := call(r, http.MethodPost, "/api/v1/auth/login", "", bad); code != http.StatusTooManyRequests {
			t.Errorf("replica %d after five failures on the three: %d, want 429", r, code)
		}
	}

	// Sign-out on replica 1.
	if code, out := call(1, http.MethodPost, "/api/v1/auth/logout", token, nil); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("logout: %d %v", code, out)
	}
	if code, _ := call(1, http.MethodGet, "/api/v1/me", token, nil); code != http.StatusUnauthorized {
		t.Errorf("the replica that signed out: /me %d, want 401", code)
	}
	time.Sleep(ttl + 50*time.Millisecond)
	for _, r := range []int{0, 2} {
		if code, _ := call(r, http.MethodGet, "/api/v1/me", token, nil); code != http.StatusUnauthorized {
			t.Errorf("replica %d after the cache's TTL: /me %d, want 401", r, code)
		}
	}
}
