package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/dbtest"
)

// Benchmarks for sign-in and for checking a token on every request. Read
// them as ratios to the baselines in the same run:
//
//	CheckPassword (argon2id at OWASP parameters)  — the floor of a sign-in
//	Login                                          — ratio to CheckPassword
//	VerifyAccess (JWT only)                        — the floor of a request
//	Authenticate (JWT + the session query)         — ratio to VerifyAccess
//	SessionQuery (the bare query)                  — what the database adds
//
// go test -run '^$' -bench . -benchmem ./auth/ (TEST_DATABASE_URL for
// PostgreSQL).

func BenchmarkCheckPassword(b *testing.B) {
	hash, _ := auth.HashPassword(goodPassword, auth.OWASPParams)
	for b.Loop() {
		if ok, _, _ := auth.CheckPassword(hash, goodPassword, auth.OWASPParams); !ok {
			b.Fatal("mismatch")
		}
	}
}

func benchService(b *testing.B, params auth.Argon2Params, cacheTTL ...time.Duration) (*auth.Service, *auth.Store) {
	b.Helper()
	d := dbtest.Open(b)
	tokens, _ := auth.NewTokens([]auth.Key{testKey}, 10*time.Minute, time.Now)
	store := auth.NewStore(d.DB)
	if len(cacheTTL) > 0 {
		store.CacheSessions(cacheTTL[0])
	}
	auditLog, err := audit.NewLog(d.DB, audit.Options{Keys: []audit.Key{{ID: "a1", Secret: testKey.Secret}}})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := auth.New(store, tokens, auditLog, auth.Config{
		Argon2:   params,
		Throttle: auth.ThrottleConfig{AccountFailures: 1 << 30, SourceAttempts: 1 << 30, SignupsPerSource: 1 << 30},
	}, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	return svc, store
}

// BenchmarkLogin is a full client sign-in: argon2id check, a new session
// and refresh token, an access token and an audit entry.
func BenchmarkLogin(b *testing.B) {
	svc, _ := benchService(b, auth.OWASPParams)
	ctx := context.Background()
	if _, err := svc.Sessions.SignUp(ctx, auth.Meta{Source: "s"}, "bench", goodPassword); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if _, err := svc.Sessions.Login(ctx, auth.Meta{Source: fmt.Sprint(i)}, "bench", goodPassword); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAccess(b *testing.B) {
	tokens, _ := auth.NewTokens([]auth.Key{testKey}, 10*time.Minute, time.Now)
	raw, _, _ := tokens.IssueAccess("2f1c0b7e-7d7a-4bb5-9b8e-0d7c1f1f5a11", auth.RoleClinician, "5b0e2a57-1d0b-4f54-9a39-3b6f0f0b6f2c")
	for b.Loop() {
		if _, _, _, err := tokens.VerifyAccess(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticate is what every authenticated request pays: the JWT
// check plus one indexed query that the session is live ("uncached", as
// with HAVEN_SESSION_CACHE_TTL=0), or the JWT check and a look-up in the
// replica's session cache ("cached-2s", the default). BenchmarkVerifyAccess
// is the baseline.
func BenchmarkAuthenticate(b *testing.B) {
	for _, tt := range []struct {
		name string
		ttl  time.Duration
	}{{"uncached", 0}, {"cached-2s", 2 * time.Second}} {
		b.Run(tt.name, func(b *testing.B) {
			svc, _ := benchService(b, auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, tt.ttl)
			ctx := context.Background()
			res, err := svc.Sessions.SignUp(ctx, auth.Meta{Source: "s"}, "bench", goodPassword)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Sessions.Authenticate(ctx, res.Session.AccessToken, "r"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSessionQuery is the session check alone (baseline for the
// database part of Authenticate).
func BenchmarkSessionQuery(b *testing.B) {
	svc, store := benchService(b, auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	ctx := context.Background()
	res, err := svc.Sessions.SignUp(ctx, auth.Meta{Source: "s"}, "bench", goodPassword)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ok, err := store.SessionActive(ctx, res.Session.SessionID, res.User.ID, auth.RoleClient, time.Now())
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
