package auth_test

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db/kind"
)

// slowArgon2 makes one check take milliseconds, so concurrent sign-ins
// overlap.
var slowArgon2 = auth.Argon2Params{Memory: 4 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

func hashingService(t *testing.T, limit int, p auth.Argon2Params) *auth.Service {
	t.Helper()
	return wiretest.New(t, wiretest.WithConfig(func(cfg *wire.Config) {
		cfg.JWTKeys, cfg.Argon2, cfg.PasswordHashConcurrency = []auth.Key{testKey}, p, limit
	})).Auth
}

// TestSignInConcurrencyIsBounded: twelve sign-ins at once never run more
// argon2id computations at once than the limit (and do reach it).
func TestSignInConcurrencyIsBounded(t *testing.T) {
	const limit, n = 2, 12
	svc := hashingService(t, limit, slowArgon2)
	for i := range n {
		if _, err := svc.Sessions.SignUp(context.Background(), meta(fmt.Sprintf("src-%d", i)), fmt.Sprintf("bounded%d", i), goodPassword); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := svc.Sessions.Login(context.Background(), meta(fmt.Sprintf("login-%d", i)), fmt.Sprintf("bounded%d", i), goodPassword)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("sign-in: %v", err)
		}
	}
	st := svc.Sessions.HashSlots()
	if st.Limit != limit || st.Peak > limit || st.Running != 0 {
		t.Errorf("slots %+v: want limit %d, peak at most %d, none running", st, limit, limit)
	}
	if st.Peak < limit {
		t.Logf("peak %d: the sign-ins did not overlap", st.Peak) // the bound held anyway
	}
}

// TestSignInBusyIsUnavailable: a sign-in that cannot get a slot before its
// deadline fails as Unavailable (503 with Retry-After) with ErrBusy, and
// counts no failed attempt: the same sign-in succeeds once a slot is free.
func TestSignInBusyIsUnavailable(t *testing.T) {
	svcs := wiretest.New(t, wiretest.WithConfig(func(cfg *wire.Config) {
		cfg.JWTKeys, cfg.Argon2, cfg.PasswordHashConcurrency = []auth.Key{testKey}, fastArgon2, 1
	}))
	svc := svcs.Auth
	for _, nick := range []string{"holder", "waiter"} {
		if _, err := svc.Sessions.SignUp(context.Background(), meta(nick), nick, goodPassword); err != nil {
			t.Fatal(err)
		}
	}
	// The holder's hash takes seconds to check, so the slot stays taken.
	heavy, err := auth.HashPassword(goodPassword, auth.Argon2Params{Memory: 16 * 1024, Time: 48, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	if err := svcs.DB.Exec("UPDATE users SET password_hash = ? WHERE nickname = ?", heavy, "holder").Error; err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := svc.Sessions.Login(context.Background(), meta("holder"), "holder", goodPassword)
		done <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); svc.Sessions.HashSlots().Running == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the first sign-in never took its slot")
		}
		time.Sleep(100 * time.Microsecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = svc.Sessions.Login(ctx, meta("waiter"), "waiter", goodPassword)
	if !errors.Is(err, auth.ErrBusy) || !kind.IsUnavailable(err) {
		t.Errorf("a sign-in without a slot: %v, want ErrBusy as Unavailable", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sessions.Login(context.Background(), meta("waiter"), "waiter", goodPassword); err != nil {
		t.Errorf("the same sign-in with a free slot: %v", err)
	}
}

func TestDefaultHashConcurrency(t *testing.T) {
	for _, tt := range []struct{ cpus, want int }{{0, 1}, {1, 1}, {2, 2}, {8, 8}} {
		if got := auth.DefaultHashConcurrency(tt.cpus, auth.OWASPParams.Memory); got != tt.want {
			t.Errorf("DefaultHashConcurrency(%d) = %d, want %d", tt.cpus, got, tt.want)
		}
	}
	// Under a GOMEMLIMIT of 80 MiB, half of it holds two computations of
	// 19 MiB, whatever the cores.
	old := debug.SetMemoryLimit(80 << 20)
	defer debug.SetMemoryLimit(old)
	if got := auth.DefaultHashConcurrency(8, auth.OWASPParams.Memory); got != 2 {
		t.Errorf("under 80 MiB: %d, want 2", got)
	}
}
