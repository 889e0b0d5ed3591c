// Package wire builds Haven's domain services from configuration, once:
// the haven command (serve, run-job, admin create, audit verify) and every
// test that needs services call New, so there is one way the pieces fit
// together. It builds no transport: cmd/haven puts the JSON API and the web
// site on top of what New returns.
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/jobs"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/db/visits"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// Config is what the domains are built from; cmd/haven reads it from the
// environment (README lists every variable).
type Config struct {
	// DataDir holds generated key files next to the SQLite database.
	DataDir string
	// CrisisFile replaces the built-in crisis lines when set.
	CrisisFile string
	// DefaultCountry's crisis lines come first.
	DefaultCountry string
	// Location is the deployment's time zone (HAVEN_TIMEZONE).
	Location *time.Location
	// EncryptionKeys seal sensitive content; without them SQLite keeps a
	// generated key next to its database and PostgreSQL refuses to start.
	EncryptionKeys []seal.Key
	// JWTKeys sign access tokens; without them a random per-process key.
	JWTKeys                                        []auth.Key
	AccessTokenTTL, RefreshTokenTTL, SessionMaxAge time.Duration
	// Argon2 and Throttle default to production values (OWASP, auth's).
	Argon2   auth.Argon2Params
	Throttle auth.ThrottleConfig
	// SMTPURL, MailFrom and PublicURL send the opt-in reminder e-mail;
	// without SMTPURL there is no e-mail.
	SMTPURL, MailFrom, PublicURL string
	// Now is the clock (time.Now by default); tests move it.
	Now func() time.Time
}

// Services are the domains, built on one database.
type Services struct {
	DB       *db.DB
	Now      func() time.Time
	Location *time.Location
	Sealer   *seal.Sealer
	Selftest *selftest.Service
	Selfhelp *modules.Service
	Audit    *audit.Log
	Auth     *auth.Service
	Visits   *visits.Counter
	// Mailer sends the reminder e-mail; nil without HAVEN_SMTP_URL.
	Mailer modules.Mailer
}

// New builds every domain service on database.
func New(ctx context.Context, cfg Config, database *db.DB, log *slog.Logger) (*Services, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	s := &Services{DB: database, Now: cfg.Now, Location: cfg.Location, Visits: visits.NewCounter(database.DB, cfg.Now)}
	var err error
	if s.Selftest, err = newSelftest(cfg, database); err != nil {
		return nil, err
	}
	if s.Sealer, err = newSealer(cfg, database.Dialect, log); err != nil {
		return nil, err
	}
	if s.Selfhelp, err = newSelfhelp(cfg, database, s.Selftest, s.Sealer); err != nil {
		return nil, err
	}
	if s.Auth, s.Audit, err = newIdentity(cfg, database, s.Sealer, log, s.Selftest, s.Selfhelp); err != nil {
		return nil, err
	}
	if cfg.SMTPURL != "" {
		if s.Mailer, err = modules.NewSMTPMailer(cfg.SMTPURL, cfg.MailFrom, cfg.PublicURL, s.Selftest); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func newSelftest(cfg Config, database *db.DB) (*selftest.Service, error) {
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		return nil, err
	}
	advice, err := selftest.LoadAdvice()
	if err != nil {
		return nil, err
	}
	crisis, err := selftest.LoadCrisisContacts(cfg.CrisisFile)
	if err != nil {
		return nil, err
	}
	svc, err := selftest.NewService(selftest.Options{Catalog: catalog, Advice: advice, Crisis: crisis,
		DefaultCountry: cfg.DefaultCountry, Store: selftest.NewStore(database.DB), Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("configuration: HAVEN_DEFAULT_COUNTRY: %w", err)
	}
	return svc, nil
}

// newSealer builds the one sealer for all sensitive content (exercise
// answers, questionnaires, diary notes, reminder addresses, TOTP secrets).
// Without HAVEN_ENCRYPTION_KEYS the embedded SQLite default keeps a
// generated key next to its database file (so `make run` needs no set-up);
// PostgreSQL deployments must set it, since a key lost means data lost.
func newSealer(cfg Config, dialect db.Dialect, log *slog.Logger) (*seal.Sealer, error) {
	keys := cfg.EncryptionKeys
	if len(keys) == 0 {
		if dialect != db.SQLite {
			return nil, errors.New("configuration: HAVEN_ENCRYPTION_KEYS is required with PostgreSQL (kid:base64 of 32 random bytes, e.g. `k1:$(openssl rand -base64 32)`)")
		}
		path := filepath.Join(cfg.DataDir, "encryption.key")
		var created bool
		var err error
		if keys, created, err = seal.LoadOrCreateKeyFile(path); err != nil {
			return nil, err
		}
		if created {
			log.Warn("HAVEN_ENCRYPTION_KEYS is not set: generated an encryption key next to the SQLite database; back it up with the database", "file", path)
		}
	}
	return seal.New(keys)
}

func newSelfhelp(cfg Config, database *db.DB, scorer *selftest.Service, sealer *seal.Sealer) (*modules.Service, error) {
	catalog := scorer.Catalog()
	lib, err := modules.LoadLibrary(func(id string) bool { _, err := catalog.Instrument(id); return err == nil })
	if err != nil {
		return nil, err
	}
	return modules.NewService(modules.Options{Library: lib, Store: modules.NewStore(database.DB), Sealer: sealer, Crisis: scorer,
		Scorer: scorer, Now: cfg.Now, Location: cfg.Location})
}

// newIdentity builds the audit log and the identity service. Without
// HAVEN_JWT_KEYS it signs with a random key that lives as long as the
// process: access tokens then stop working at restart (clients refresh),
// and several replicas would not accept each other's tokens.
func newIdentity(cfg Config, database *db.DB, sealer *seal.Sealer, log *slog.Logger, holders ...auth.DataHolder) (*auth.Service, *audit.Log, error) {
	keys := cfg.JWTKeys
	if len(keys) == 0 {
		keys = []auth.Key{auth.RandomKey()}
		log.Warn("HAVEN_JWT_KEYS is not set: signing access tokens with a random per-process key; set it when running more than one replica")
	}
	ttl := cfg.AccessTokenTTL
	if ttl == 0 {
		ttl = 10 * time.Minute
	}
	tokens, err := auth.NewTokens(keys, ttl, cfg.Now)
	if err != nil {
		return nil, nil, err
	}
	store := auth.NewStore(database.DB)
	auditLog := audit.NewLog(database.DB, audit.Options{Now: cfg.Now, Directory: store, Location: cfg.Location})
	svc, err := auth.New(store, tokens, auditLog, auth.Config{
		RefreshTTL: cfg.RefreshTokenTTL, SessionMaxAge: cfg.SessionMaxAge, Sealer: sealer,
		Argon2: cfg.Argon2, Throttle: cfg.Throttle,
	}, cfg.Now, holders...)
	if err != nil {
		return nil, nil, err
	}
	return svc, auditLog, nil
}

// Jobs lists Haven's scheduled jobs on these services.
func (s *Services) Jobs(log *slog.Logger) (*jobs.Runner, error) {
	return jobs.New(s.DB.DB, log, jobs.Job{
		Name:     "selfhelp-nudges",
		Schedule: "17 * * * *", // hourly
		Run: func(ctx context.Context, now time.Time) error {
			sent, err := s.Selfhelp.RunNudges(ctx, now, s.Mailer)
			log.InfoContext(ctx, "self-help nudges", "emails_sent", sent)
			return err
		},
	}, jobs.Job{
		Name:         "visits-flush",
		Schedule:     "* * * * *", // each process's buffered page views reach the database every minute
		Run:          func(ctx context.Context, _ time.Time) error { return s.Visits.Flush(ctx) },
		EveryReplica: true,
	}, jobs.Job{
		Name:     "visits-close-days",
		Schedule: "10 0 * * *", // after midnight UTC: count yesterday, delete its hashes and salt
		Run:      s.Visits.CloseDays,
	})
}
