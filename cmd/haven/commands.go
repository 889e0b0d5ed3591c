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

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/kind"
)

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
	svcs, err := wire.New(ctx, cfg.Wire, database, log)
	if err != nil {
		return err
	}
	u, err := svcs.Auth.Staff.CreateAdmin(ctx, nickname, password)
	var verr *auth.ValidationError
	var conflict *kind.Conflict
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

// runJob runs one job by hand (`haven run-job NAME`).
func runJob(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, name string) error {
	svcs, err := wire.New(ctx, cfg.Wire, database, log)
	if err != nil {
		return err
	}
	runner, err := svcs.Jobs(log)
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("name a job: %s", strings.Join(runner.Names(), ", "))
	}
	return runner.RunNow(ctx, name, svcs.Now())
}
