package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/jobs"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/db/visits"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// selfhelpConfig is the part of the configuration about self-help: the
// encryption keys for sensitive content, and the optional nudge e-mail.
type selfhelpConfig struct {
	EncryptionKeys []seal.Key // HAVEN_ENCRYPTION_KEYS
	SMTPURL        string     // HAVEN_SMTP_URL
	MailFrom       string     // HAVEN_MAIL_FROM
	PublicURL      string     // HAVEN_PUBLIC_URL
	Jobs           bool       // HAVEN_JOBS
}

func loadSelfhelpConfig(getenv func(string) string, errs *[]string) selfhelpConfig {
	c := selfhelpConfig{
		SMTPURL:   getenv("HAVEN_SMTP_URL"),
		MailFrom:  getenv("HAVEN_MAIL_FROM"),
		PublicURL: strings.TrimRight(or(getenv("HAVEN_PUBLIC_URL"), "http://localhost:8080"), "/"),
	}
	if spec := getenv("HAVEN_ENCRYPTION_KEYS"); spec != "" {
		keys, err := seal.ParseKeys(spec)
		if err != nil {
			*errs = append(*errs, "HAVEN_ENCRYPTION_KEYS: "+strings.TrimPrefix(err.Error(), "seal: "))
		}
		c.EncryptionKeys = keys
	}
	var err error
	if c.Jobs, err = parseBool(getenv("HAVEN_JOBS"), true); err != nil {
		*errs = append(*errs, "HAVEN_JOBS: "+err.Error())
	}
	if c.SMTPURL != "" && c.MailFrom == "" {
		*errs = append(*errs, "HAVEN_MAIL_FROM is required with HAVEN_SMTP_URL")
	}
	return c
}

// newSealer builds the one sealer for all sensitive content (exercise
// answers, diary notes, reminder addresses, TOTP secrets). Without
// HAVEN_ENCRYPTION_KEYS the embedded SQLite default keeps a generated key
// next to its database file (so `make run` needs no set-up); PostgreSQL
// deployments must set it, since a key lost means encrypted data lost.
func newSealer(cfg config, dialect db.Dialect, log *slog.Logger) (*seal.Sealer, error) {
	keys, err := encryptionKeys(cfg, dialect, log)
	if err != nil {
		return nil, err
	}
	return seal.New(keys)
}

func encryptionKeys(cfg config, dialect db.Dialect, log *slog.Logger) ([]seal.Key, error) {
	if len(cfg.Selfhelp.EncryptionKeys) > 0 {
		return cfg.Selfhelp.EncryptionKeys, nil
	}
	if dialect != db.SQLite {
		return nil, errors.New("configuration: HAVEN_ENCRYPTION_KEYS is required with PostgreSQL (kid:base64 of 32 random bytes, e.g. `k1:$(openssl rand -base64 32)`)")
	}
	path := filepath.Join(cfg.DataDir, "encryption.key")
	keys, created, err := seal.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, err
	}
	if created {
		log.Warn("HAVEN_ENCRYPTION_KEYS is not set: generated an encryption key next to the SQLite database; back it up with the database", "file", path)
	}
	return keys, nil
}

// newSelfhelp wires the self-help service.
func newSelfhelp(database *db.DB, catalog *selftest.Catalog, sealer *seal.Sealer) (*modules.Service, error) {
	lib, err := modules.LoadLibrary(func(id string) bool { _, err := catalog.Instrument(id); return err == nil })
	if err != nil {
		return nil, err
	}
	return modules.NewService(lib, modules.NewStore(database.DB), sealer, time.Now), nil
}

// newJobs lists Haven's scheduled jobs.
func newJobs(cfg config, database *db.DB, selfhelp *modules.Service, counter *visits.Counter, auditLog *audit.Log, log *slog.Logger) (*jobs.Runner, error) {
	var mailer modules.Mailer
	if cfg.Selfhelp.SMTPURL != "" {
		m, err := modules.NewSMTPMailer(cfg.Selfhelp.SMTPURL, cfg.Selfhelp.MailFrom, cfg.Selfhelp.PublicURL)
		if err != nil {
			return nil, err
		}
		mailer = m
	}
	return jobs.New(database.DB, log, jobs.Job{
		Name:     "selfhelp-nudges",
		Schedule: "17 * * * *", // hourly
		Run: func(ctx context.Context, now time.Time) error {
			sent, err := selfhelp.RunNudges(ctx, now, mailer)
			log.InfoContext(ctx, "self-help nudges", "emails_sent", sent)
			return err
		},
	}, jobs.Job{
		Name:         "visits-flush",
		Schedule:     "* * * * *", // each process's buffered page views reach the database every minute
		Run:          func(ctx context.Context, _ time.Time) error { return counter.Flush(ctx) },
		EveryReplica: true,
	}, jobs.Job{
		Name:     "visits-close-days",
		Schedule: "10 0 * * *", // after midnight UTC: count yesterday, delete its hashes and salt
		Run:      counter.CloseDays,
	}, auditAnchorJob(cfg, auditLog, log))
}

// runJob runs one job by hand (`haven run-job NAME`).
func runJob(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, name string) error {
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		return err
	}
	sealer, err := newSealer(cfg, database.Dialect, log)
	if err != nil {
		return err
	}
	selfhelp, err := newSelfhelp(database, catalog, sealer)
	if err != nil {
		return err
	}
	auditLog, err := newAuditLog(cfg, database, log)
	if err != nil {
		return err
	}
	runner, err := newJobs(cfg, database, selfhelp, visits.NewCounter(database.DB, time.Now), auditLog, log)
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("name a job: %s", strings.Join(runner.Names(), ", "))
	}
	return runner.RunNow(ctx, name, time.Now())
}
