package auth_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db/dbtest"
	"gorm.io/gorm"
)

// TestSessionCache: two replicas on one database, each trusting a session
// it found live for ttl. A second check of a live session queries nothing;
// a sign-out is refused at once by the replica that made it and by the
// other within ttl; a password change ends the other sessions at once in
// its replica; a session past its expiry is refused even while cached.
func TestSessionCache(t *testing.T) {
	const ttl = 300 * time.Millisecond
	d := dbtest.Open(t)
	c := &clock{now: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)}
	replica := func() *auth.Service {
		return wiretest.NewOn(t, d, wiretest.WithClock(c.Now), wiretest.WithConfig(func(cfg *wire.Config) {
			cfg.JWTKeys, cfg.Argon2, cfg.SessionCacheTTL, cfg.SessionMaxAge = []auth.Key{testKey}, fastArgon2, ttl, 5*time.Minute
		})).Auth
	}
	a, b := replica(), replica()
	var queries atomic.Int64
	if err := d.DB.Callback().Query().After("gorm:query").Register("test:count", func(*gorm.DB) { queries.Add(1) }); err != nil {
		t.Fatal(err)
	}
	res, err := a.Sessions.SignUp(ctx, meta("src-1"), "cached", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	tok := res.Session.AccessToken
	for _, r := range []*auth.Service{a, b} {
		if _, err := r.Sessions.Authenticate(ctx, tok, "r1"); err != nil {
			t.Fatal(err)
		}
	}
	before := queries.Load()
	p, err := a.Sessions.Authenticate(ctx, tok, "r2")
	if err != nil {
		t.Fatal(err)
	}
	if n := queries.Load() - before; n != 0 {
		t.Errorf("a cached session check ran %d queries, want 0", n)
	}

	// Sign-out: refused at once here, within ttl on the other replica.
	if err := a.Sessions.Logout(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sessions.Authenticate(ctx, tok, "r3"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("after sign-out, the same replica: %v, want ErrInvalidToken", err)
	}
	deadline := time.Now().Add(ttl + 200*time.Millisecond)
	for {
		_, err := b.Sessions.Authenticate(ctx, tok, "r4")
		if errors.Is(err, auth.ErrInvalidToken) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other replica still accepts a signed-out session after %v: %v", ttl+200*time.Millisecond, err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A password change ends the other sessions at once in its replica.
	other, err := a.Sessions.Login(ctx, meta("src-2"), "cached", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	third, err := a.Sessions.Login(ctx, meta("src-3"), "cached", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := a.Sessions.Authenticate(ctx, other.Session.AccessToken, "r5")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sessions.Authenticate(ctx, third.Session.AccessToken, "r6"); err != nil {
		t.Fatal(err)
	}
	if err := a.Accounts.ChangePassword(ctx, p2, goodPassword, "een ander lang wachtwoord"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sessions.Authenticate(ctx, third.Session.AccessToken, "r7"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("another session after a password change: %v, want ErrInvalidToken", err)
	}

	// Expiry is the session's, cached or not.
	exp, err := b.Sessions.SignUp(ctx, meta("src-4"), "expiring", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Sessions.Authenticate(ctx, exp.Session.AccessToken, "r8"); err != nil {
		t.Fatal(err)
	}
	c.Add(6 * time.Minute) // the session (5 min) ends, its access token (10 min) not yet
	before = queries.Load()
	if _, err := b.Sessions.Authenticate(ctx, exp.Session.AccessToken, "r9"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("a session past its maximum age, cached: %v, want ErrInvalidToken", err)
	}
	if queries.Load() == before {
		t.Error("an expired cached session was not checked again")
	}
}
