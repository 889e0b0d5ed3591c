package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/haven-mh/haven/db"
)

// writeTimeout is the HTTP server's WriteTimeout: a response not written by
// then is cut off. The request deadline must end well before it.
const writeTimeout = 30 * time.Second

// faultConfig is how Haven bounds what a failing database can do to a
// request (README, Configuration).
type faultConfig struct {
	RequestTimeout time.Duration // HAVEN_REQUEST_TIMEOUT
	ReadyTimeout   time.Duration // HAVEN_READY_TIMEOUT
	ShutdownDrain  time.Duration // HAVEN_SHUTDOWN_DRAIN
	MinFreeBytes   uint64        // HAVEN_SQLITE_MIN_FREE_MB
}

func loadFaultConfig(getenv func(string) string, errs *[]string) faultConfig {
	var f faultConfig
	dur := func(name, def string, lo, hi time.Duration) time.Duration {
		d, err := time.ParseDuration(or(getenv(name), def))
		if err != nil || d < lo || d > hi {
			*errs = append(*errs, fmt.Sprintf("%s must be a duration between %s and %s", name, lo, hi))
		}
		return d
	}
	// The deadline leaves a third of the write timeout for writing the
	// answer: a client always hears 503 rather than a cut connection.
	f.RequestTimeout = dur("HAVEN_REQUEST_TIMEOUT", "10s", time.Second, writeTimeout*2/3)
	f.ReadyTimeout = dur("HAVEN_READY_TIMEOUT", "2s", 100*time.Millisecond, 10*time.Second)
	f.ShutdownDrain = dur("HAVEN_SHUTDOWN_DRAIN", "5s", 0, time.Minute)
	mb, err := parseInt(getenv("HAVEN_SQLITE_MIN_FREE_MB"), 64)
	if err != nil || mb < 1 {
		*errs = append(*errs, "HAVEN_SQLITE_MIN_FREE_MB must be a positive number of MiB")
	}
	f.MinFreeBytes = uint64(mb) << 20
	return f
}

// readiness is what /readyz asks: not while shutting down, and only when
// the database can take writes (db.DB.Ready).
type readiness struct {
	db       *db.DB
	draining atomic.Bool
}

var errDraining = errors.New("shutting down: not taking new requests")

func (r *readiness) Ready(ctx context.Context) error {
	if r.draining.Load() {
		return errDraining
	}
	return r.db.Ready(ctx)
}

// drain makes /readyz fail, then waits d so that load balancers, which
// probe every few seconds, stop sending requests before the listener
// closes; requests that still come are served meanwhile.
func (r *readiness) drain(ctx context.Context, d time.Duration, log *slog.Logger) {
	r.draining.Store(true)
	if d <= 0 {
		return
	}
	log.InfoContext(ctx, "shutting down: /readyz answers 503, draining before closing the listener", "drain", d.String())
	time.Sleep(d)
}

// prepareSchema migrates the database when HAVEN_MIGRATE_ON_START allows,
// and otherwise refuses to go on unless the schema is exactly this
// binary's: a pending migration would answer 500 "no such table", and a
// migration from a newer Haven means a schema this code does not know.
// Refusing to start (rather than failing /readyz) stops a rolling update
// on the first replica, with the reason in its log and its exit status.
func prepareSchema(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) error {
	if cfg.MigrateOnStart {
		return migrate(ctx, database, log)
	}
	if err := db.CheckSchema(ctx, database); err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}
	return nil
}
