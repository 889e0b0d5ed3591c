package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/seal"
)

// authConfig is the part of the configuration about accounts and tokens.
type authConfig struct {
	JWTKeys         []auth.Key    // HAVEN_JWT_KEYS
	AccessTokenTTL  time.Duration // HAVEN_ACCESS_TOKEN_TTL
	RefreshTokenTTL time.Duration // HAVEN_REFRESH_TOKEN_TTL
	SessionMaxAge   time.Duration // HAVEN_SESSION_MAX_AGE
}

// loadAuthConfig reads the account settings; it appends what is wrong to
// errs.
func loadAuthConfig(getenv func(string) string, errs *[]string) authConfig {
	var c authConfig
	if spec := getenv("HAVEN_JWT_KEYS"); spec != "" {
		keys, err := auth.ParseKeys(spec)
		if err != nil {
			*errs = append(*errs, "HAVEN_JWT_KEYS: "+strings.TrimPrefix(err.Error(), "auth: "))
		}
		c.JWTKeys = keys
	}
	dur := func(name, value, def string, lo, hi time.Duration) time.Duration {
		d, err := time.ParseDuration(or(value, def))
		if err != nil || d < lo || d > hi {
			*errs = append(*errs, fmt.Sprintf("%s must be a duration between %s and %s", name, lo, hi))
		}
		return d
	}
	c.AccessTokenTTL = dur("HAVEN_ACCESS_TOKEN_TTL", getenv("HAVEN_ACCESS_TOKEN_TTL"), "10m", time.Minute, auth.MaxAccessTTL)
	c.RefreshTokenTTL = dur("HAVEN_REFRESH_TOKEN_TTL", getenv("HAVEN_REFRESH_TOKEN_TTL"), "336h", time.Hour, 90*24*time.Hour)
	c.SessionMaxAge = dur("HAVEN_SESSION_MAX_AGE", getenv("HAVEN_SESSION_MAX_AGE"), "720h", time.Hour, 365*24*time.Hour)
	return c
}

// newAccounts wires the audit log and the identity service. Without
// HAVEN_JWT_KEYS it signs with a random key that lives as long as the
// process: access tokens then stop working at restart (clients refresh),
// and several replicas would not accept each other's tokens.
func newAccounts(cfg config, database *db.DB, sealer *seal.Sealer, log *slog.Logger, holders ...auth.DataHolder) (*auth.Service, *audit.Log, error) {
	keys := cfg.Auth.JWTKeys
	if len(keys) == 0 {
		keys = []auth.Key{auth.RandomKey()}
		log.Warn("HAVEN_JWT_KEYS is not set: signing access tokens with a random per-process key; set it when running more than one replica")
	}
	tokens, err := auth.NewTokens(keys, cfg.Auth.AccessTokenTTL, time.Now)
	if err != nil {
		return nil, nil, err
	}
	// TOTP secrets are sealed like all other sensitive content
	// (HAVEN_ENCRYPTION_KEYS).
	auditLog, err := newAuditLog(cfg, database, log)
	if err != nil {
		return nil, nil, err
	}
	svc, err := auth.NewService(auth.NewStore(database.DB), tokens, auditLog, auth.Config{
		RefreshTTL: cfg.Auth.RefreshTokenTTL, SessionMaxAge: cfg.Auth.SessionMaxAge, Sealer: sealer,
	}, time.Now, holders...)
	if err != nil {
		return nil, nil, err
	}
	return svc, auditLog, nil
}

// adminCreate creates a coordinator. The password comes from the file
// given with -password-file (its first line), or is generated and printed
// once; either way it never appears in the process list or the shell
// history. The coordinator enrols a second factor at first sign-in.
func adminCreate(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, nickname, passwordFile string, stdout io.Writer) error {
	if nickname == "" {
		return errors.New("admin create: -nickname is required")
	}
	password, generated := "", false
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return fmt.Errorf("admin create: %w", err)
		}
		password, _, _ = strings.Cut(string(b), "\n")
		password = strings.TrimRight(password, "\r")
	} else {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		password, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	sealer, err := newSealer(cfg, database.Dialect, log)
	if err != nil {
		return err
	}
	svc, _, err := newAccounts(cfg, database, sealer, log)
	if err != nil {
		return err
	}
	u, err := svc.CreateAdmin(ctx, nickname, password)
	var verr *auth.ValidationError
	var conflict *auth.ConflictError
	switch {
	case errors.As(err, &verr):
		return fmt.Errorf("admin create: %s", strings.TrimPrefix(verr.Error(), "auth: invalid input: "))
	case errors.As(err, &conflict):
		return fmt.Errorf("admin create: nickname %q is taken", nickname)
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "coordinator %q created (id %s)\n", u.Name(), u.ID)
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", password)
	}
	fmt.Fprintln(stdout, "Sign in to enrol an authenticator app (TOTP); it is required for coordinators.")
	return nil
}
