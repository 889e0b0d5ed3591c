package auth_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// TestSharedLimitsCountApart: in the database, each limit keeps its own
// count for a source — fifteen sign-ins from one source use none of its
// ten sign-ups — and the sign-up limit still holds (the eleventh fails).
func TestSharedLimitsCountApart(t *testing.T) {
	svc := wiretest.New(t, wiretest.WithConfig(func(cfg *wire.Config) {
		cfg.JWTKeys, cfg.Argon2 = []auth.Key{testKey}, fastArgon2
	})).Auth
	m := meta("192.0.2.44")
	if _, err := svc.Sessions.SignUp(ctx, m, "apart0", goodPassword); err != nil {
		t.Fatal(err)
	}
	for i := range 15 {
		if _, err := svc.Sessions.Login(ctx, m, "apart0", goodPassword); err != nil {
			t.Fatalf("sign-in %d: %v", i+1, err)
		}
	}
	for i := 1; i < 10; i++ {
		if _, err := svc.Sessions.SignUp(ctx, m, fmt.Sprintf("apart%d", i), goodPassword); err != nil {
			t.Fatalf("sign-up %d after fifteen sign-ins: %v", i+1, err)
		}
	}
	var te *auth.ThrottledError
	if _, err := svc.Sessions.SignUp(ctx, m, "apart10", goodPassword); !errorsAs(err, &te) {
		t.Errorf("the eleventh sign-up: %v, want throttled", err)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
