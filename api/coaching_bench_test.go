package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/haven-mh/haven/auth"
)

// BenchmarkCoaching measures the guided trajectory's hot paths through the
// whole HTTP stack (router, middleware, token check, handler, domain,
// database), each against baselines in the same run: GET /healthz (the
// stack alone) and GET /api/v1/me (the stack with a token checked).
//
//   - send-message: a client's POST …/messages with a new Idempotency-Key
//     each time (validate, seal, insert with its key, touch the
//     trajectory, audit);
//   - dashboard-40: a clinician's GET /api/v1/caseload with 40 clients,
//     each with messages both ways (a fixed number of queries, and 40
//     audit entries, per read).
//
// With TEST_DATABASE_URL it runs on PostgreSQL, otherwise SQLite.
func BenchmarkCoaching(b *testing.B) {
	a := newAcctAPI(b, auth.ThrottleConfig{AccountFailures: 1 << 20, SourceAttempts: 1 << 20, SignupsPerSource: 1 << 20})
	_, coord := a.staff(auth.RoleCoordinator, "coord", "")
	coordinator, err := a.auth.Sessions.Authenticate(context.Background(), coord, "bench")
	if err != nil {
		b.Fatal(err)
	}
	link, err := a.auth.Staff.Invite(context.Background(), coordinator, auth.RoleClinician, 50)
	if err != nil {
		b.Fatal(err)
	}
	doc, err := a.auth.Staff.AcceptInvitation(context.Background(), auth.Meta{Source: "bench"}, link.Token, "dr-bench", acctPassword,
		auth.StaffProfile{DisplayName: "Dr. Bench", Profession: "psychologist"})
	if err != nil {
		b.Fatal(err)
	}
	docToken := a.login("dr-bench")
	var client, traj string
	for i := range 40 {
		_, tok := a.signUp(fmt.Sprint("bench-client-", i))
		id := a.assign(tok, coord, doc.ID)
		for _, m := range []struct{ token, body string }{{docToken, "Welcome."}, {tok, "Thank you."}} {
			if r := a.do("POST", "/api/v1/trajectories/"+id+"/messages", m.token, map[string]any{"body": m.body}); r.code != 201 {
				b.Fatalf("message: %d %s", r.code, r.raw)
			}
		}
		client, traj = tok, id
	}
	serve := func(b *testing.B, method, path, token string, body func(i int) (string, string), want int) {
		i := 0
		for b.Loop() {
			var req *http.Request
			if body != nil {
				key, payload := body(i)
				req = httptest.NewRequest(method, path, strings.NewReader(payload))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", key)
			} else {
				req = httptest.NewRequest(method, path, nil)
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			rec := httptest.NewRecorder()
			a.engine.ServeHTTP(rec, req)
			if rec.Code != want {
				b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
			}
			i++
		}
	}
	b.Run("baseline-healthz", func(b *testing.B) { serve(b, http.MethodGet, "/healthz", "", nil, http.StatusOK) })
	b.Run("baseline-me", func(b *testing.B) { serve(b, http.MethodGet, "/api/v1/me", client, nil, http.StatusOK) })
	sent := 0 // every send a new key, across -count runs: never a replay
	b.Run("send-message", func(b *testing.B) {
		serve(b, http.MethodPost, "/api/v1/trajectories/"+traj+"/messages", client, func(int) (string, string) {
			sent++
			return fmt.Sprint("bench-send-", sent), `{"body":"How are you today?"}`
		}, http.StatusCreated)
	})
	b.Run("dashboard-40", func(b *testing.B) { serve(b, http.MethodGet, "/api/v1/caseload", docToken, nil, http.StatusOK) })
}
