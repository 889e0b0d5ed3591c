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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/idempotency"
	"github.com/haven-mh/haven/db/jobs"
	"github.com/haven-mh/haven/db/outbox"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/db/visits"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/reports"
	"github.com/haven-mh/haven/selftest"
	"github.com/haven-mh/haven/selftest/fhir"
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
	// LessonDays paces every self-help programme (HAVEN_SELFHELP_LESSON_DAYS):
	// a lesson opens this many days after the one before was finished. Nil
	// leaves each programme's own (its content's lesson_days); a
	// coordinator's choice comes before either.
	LessonDays *int
	// EncryptionKeys seal sensitive content; without them SQLite keeps a
	// generated key next to its database and PostgreSQL refuses to start.
	EncryptionKeys []seal.Key
	// JWTKeys sign access tokens; without them a random per-process key.
	JWTKeys                                        []auth.Key
	AccessTokenTTL, RefreshTokenTTL, SessionMaxAge time.Duration
	// Argon2 and Throttle default to production values (OWASP, auth's).
	Argon2   auth.Argon2Params
	Throttle auth.ThrottleConfig
	// PasswordHashConcurrency bounds the argon2id computations running at
	// once (HAVEN_PASSWORD_HASH_CONCURRENCY; 0 is auth's default).
	PasswordHashConcurrency int
	// SessionCacheTTL is how long this process trusts a session it found
	// live (HAVEN_SESSION_CACHE_TTL); 0 checks the database every time.
	SessionCacheTTL time.Duration
	// AuditKeys MAC the audit chain (HAVEN_AUDIT_KEY); without them SQLite
	// keeps a generated key next to its database and PostgreSQL refuses to
	// start. AuditAnchorFile receives the chain's head (the audit-anchor job).
	AuditKeys       []audit.Key
	AuditAnchorFile string
	// SMTPURL, MailFrom and PublicURL send the opt-in reminder e-mail;
	// without SMTPURL there is no e-mail.
	SMTPURL, MailFrom, PublicURL string
	// Now is the clock (time.Now by default); tests move it.
	Now func() time.Time
	// ReportMinCell is the report's suppression threshold
	// (HAVEN_REPORT_MIN_CELL; 0 is reports.DefaultThreshold).
	ReportMinCell int
}

// Services are the domains, built on one database.
type Services struct {
	DB       *db.DB
	Now      func() time.Time
	Location *time.Location
	Sealer   *seal.Sealer
	// Keys are the encryption keys the sealer uses (configured, or the
	// SQLite key file), for `haven backup -keys`.
	Keys     []seal.Key
	Selftest *selftest.Service
	Selfhelp *modules.Service
	Audit    *audit.Log
	Auth     *auth.Service
	Visits   *visits.Counter
	Coaching *coaching.Service
	// Reports are the monthly figures across the modules.
	Reports *reports.Service
	// Rollup keeps the report's closed months counted (the
	// reports-rollup job).
	Rollup *reports.Rollup
	// FHIR exports a client's questionnaire results as a FHIR R4 Bundle,
	// for the client and for their clinician.
	FHIR *fhir.Service
	// Idempotency records the answers to requests sent with an
	// Idempotency-Key, for their retries.
	Idempotency *idempotency.Store
	// Mailer writes and sends the outbox's e-mails (the guided trajectory's
	// notifications and the self-help reminder); nil without HAVEN_SMTP_URL.
	Mailer outbox.Mailer
	// Outbox sends the notifications (logging them without a mail server).
	Outbox *outbox.Sender
	// AnchorFile is where the audit-anchor job writes the chain's head.
	AnchorFile *audit.AnchorFile
}

// New builds every domain service on database.
func New(ctx context.Context, cfg Config, database *db.DB, log *slog.Logger) (*Services, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	s := &Services{DB: database, Now: cfg.Now, Location: cfg.Location}
	var err error
	if s.Keys, err = encryptionKeys(ctx, cfg, database, log); err != nil {
		return nil, err
	}
	if s.Sealer, err = seal.New(s.Keys); err != nil {
		return nil, err
	}
	// The visitor counts' daily salt comes from the encryption key, never
	// from the database (db/visits).
	if s.Visits, err = visits.NewCounter(database.DB, cfg.Now, s.Sealer.Derive("visits salt"), cfg.Location); err != nil {
		return nil, err
	}
	users := auth.NewStore(database.DB).CacheSessions(cfg.SessionCacheTTL)
	if s.Audit, err = newAuditLog(ctx, cfg, database, users, log); err != nil {
		return nil, err
	}
	if cfg.AuditAnchorFile != "" {
		s.AnchorFile = audit.NewAnchorFile(cfg.AuditAnchorFile)
	}
	if s.Selftest, err = newSelftest(cfg, database, s.Sealer, s.Audit); err != nil {
		return nil, err
	}
	// The mailer exists only with HAVEN_SMTP_URL; the course takes a
	// reminder address only then (modules.Options.MailConfigured).
	if cfg.SMTPURL != "" {
		transport, err := outbox.NewSMTP(cfg.SMTPURL, cfg.MailFrom, cfg.PublicURL)
		if err != nil {
			return nil, err
		}
		s.Mailer = havenMailer{content: outbox.ContentFree{SMTP: transport, Now: cfg.Now}, crisis: s.Selftest}
	}
	// The course tells the guided trajectory of crisis answers; the
	// trajectory reads the course: the relay closes the loop once both
	// exist, without modules importing coaching.
	crisis, guidance := &courseCrisis{}, &courseGuidance{}
	if s.Selfhelp, err = newSelfhelp(cfg, database, s.Selftest, s.Sealer, s.Audit, crisis, guidance, s.Mailer != nil); err != nil {
		return nil, err
	}
	s.Idempotency = idempotency.New(database, s.Sealer, cfg.Now)
	s.Coaching, err = coaching.NewService(coaching.Options{Store: coaching.NewStore(database.DB), Questionnaires: s.Selftest,
		Course: s.Selfhelp, People: users, Audit: s.Audit, Sealer: s.Sealer, Notifier: outboxNotifier{now: cfg.Now},
		Config: coaching.Config{Location: cfg.Location}, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	crisis.coaching, guidance.coaching = s.Coaching, s.Coaching
	if s.Auth, err = newIdentity(cfg, users, s.Audit, s.Sealer, s.Coaching, log, s.Selftest, s.Selfhelp, s.Coaching, outbox.Holder{DB: database.DB}, s.Idempotency); err != nil {
		return nil, err
	}
	s.Outbox = outbox.NewSender(database.DB, s.Mailer, users, s.Sealer, log)
	if s.Rollup, err = reports.NewRollup(database.DB, cfg.Location); err != nil {
		return nil, err
	}
	if s.Reports, err = newReports(cfg, database, s.Selftest, s.Coaching); err != nil {
		return nil, err
	}
	if s.FHIR, err = fhir.NewService(fhir.Options{Catalog: s.Selftest.Catalog(), SelfTests: s.Selftest, Course: s.Selfhelp,
		Care: s.Coaching, Audit: s.Audit, Now: cfg.Now}); err != nil {
		return nil, err
	}
	return s, nil
}

// newReports builds the monthly report, its months in the deployment's
// time zone and its self-tests in the catalogue's order.
func newReports(cfg Config, database *db.DB, st *selftest.Service, cs *coaching.Service) (*reports.Service, error) {
	var instruments []reports.Instrument
	var scales []reports.SeverityScale
	for _, in := range st.Catalog().Instruments() {
		ri := reports.Instrument{ID: in.ID}
		for _, b := range in.Bands {
			ri.Bands = append(ri.Bands, b.ID)
		}
		instruments = append(instruments, ri)
		scales = append(scales, reports.SeverityScale{Instrument: ri.ID, Bands: ri.Bands})
	}
	stats, err := reports.NewStatsService(reports.StatsOptions{DB: database.DB, Location: cfg.Location, Now: cfg.Now, Severity: scales})
	if err != nil {
		return nil, err
	}
	return reports.NewService(reports.Options{Store: reports.NewStore(database.DB), Location: cfg.Location,
		Instruments: instruments, Now: cfg.Now, Stats: stats, MinCell: cfg.ReportMinCell, ResponseDays: cs.ResponseDays()})
}

func newSelftest(cfg Config, database *db.DB, sealer *seal.Sealer, auditLog *audit.Log) (*selftest.Service, error) {
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
		DefaultCountry: cfg.DefaultCountry, Store: selftest.NewStore(database.DB), Sealer: sealer, Audit: auditLog, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("configuration: HAVEN_DEFAULT_COUNTRY: %w", err)
	}
	return svc, nil
}

// encryptionKeys are the keys of the one sealer for all sensitive content
// (exercise answers, questionnaires, diary notes, reminder addresses, TOTP
// secrets, answers kept for retries); it refuses to start when the keys
// cannot open what the database holds.
// Without HAVEN_ENCRYPTION_KEYS the embedded SQLite default keeps a
// generated key next to its database file (so `make run` needs no set-up)
// — but generates one only while nothing is sealed yet: a missing key file
// beside sealed data is a lost key, to be restored from a backup, never
// replaced. PostgreSQL deployments must set the keys.
func encryptionKeys(ctx context.Context, cfg Config, database *db.DB, log *slog.Logger) ([]seal.Key, error) {
	used, err := SealedKeyIDs(ctx, database)
	if err != nil {
		return nil, err
	}
	keys := cfg.EncryptionKeys
	if len(keys) == 0 {
		if database.Dialect != db.SQLite {
			return nil, errors.New("configuration: HAVEN_ENCRYPTION_KEYS is required with PostgreSQL (kid:base64 of 32 random bytes, e.g. `k1:$(openssl rand -base64 32)`)")
		}
		path := filepath.Join(cfg.DataDir, "encryption.key")
		var ok bool
		keys, ok, err = seal.ReadKeyFile(path)
		switch {
		case err != nil:
			return nil, err
		case !ok && len(used) > 0:
			return nil, fmt.Errorf("refusing to start: %s is missing and HAVEN_ENCRYPTION_KEYS is not set, but the database holds data sealed with key ids %s: restore the key file from your backup (never generate a new one: it cannot open that data)",
				path, strings.Join(used, ", "))
		case !ok:
			if keys, _, err = seal.LoadOrCreateKeyFile(path); err != nil {
				return nil, err
			}
			log.Warn("HAVEN_ENCRYPTION_KEYS is not set: generated an encryption key next to the SQLite database; back it up with the database", "file", path)
		}
	}
	if err := db.CheckKeys(ctx, database, keys, used); err != nil {
		return nil, err
	}
	return keys, nil
}

// SealedKeyIDs are the key ids the sealed columns of every domain name: the
// keys without which the data cannot be read.
func SealedKeyIDs(ctx context.Context, database *db.DB) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, holder := range []interface {
		SealedKeyIDs(context.Context) ([]string, error)
	}{modules.NewStore(database.DB), auth.NewStore(database.DB), idempotency.New(database, nil, nil),
		selftest.NewStore(database.DB), coaching.NewStore(database.DB), outbox.Holder{DB: database.DB}} {
		ids, err := holder.SealedKeyIDs(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func newSelfhelp(cfg Config, database *db.DB, scorer *selftest.Service, sealer *seal.Sealer, auditLog *audit.Log, alerter modules.CrisisAlerter, guidance modules.Guidance, mail bool) (*modules.Service, error) {
	catalog := scorer.Catalog()
	lib, err := modules.LoadLibrary(func(id string) bool { _, err := catalog.Instrument(id); return err == nil })
	if err != nil {
		return nil, err
	}
	return modules.NewService(modules.Options{Library: lib, Store: modules.NewStore(database.DB), Sealer: sealer, Crisis: scorer,
		Scorer: scorer, Alerter: alerter, Guidance: guidance, Now: cfg.Now, Location: cfg.Location, LessonDays: cfg.LessonDays, Audit: auditLog,
		MailConfigured: mail})
}

// newAuditLog opens the audit log with its keys and refuses to go on when
// the newest entries were MACed with a key it lacks.
func newAuditLog(ctx context.Context, cfg Config, database *db.DB, users *auth.Store, log *slog.Logger) (*audit.Log, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	keys, err := auditKeys(ctx, cfg, database, log)
	if err != nil {
		return nil, err
	}
	l, err := audit.NewLog(database.DB, audit.Options{Keys: keys, Now: cfg.Now, Directory: users, Location: cfg.Location})
	if err != nil {
		return nil, fmt.Errorf("configuration: HAVEN_AUDIT_KEY: %w", err)
	}
	if err := l.CheckKeys(ctx); err != nil {
		return nil, fmt.Errorf("configuration: HAVEN_AUDIT_KEY: %w", err)
	}
	return l, nil
}

// auditKeys returns HAVEN_AUDIT_KEY or, on the embedded SQLite default
// without it, the key in $HAVEN_DATA_DIR/audit.key, generated at first
// start. It never generates one for a log that already has keyed entries:
// their key was lost, and a new one would only hide that. PostgreSQL
// deployments must set the key; it belongs in a secret store, not beside
// the database.
func auditKeys(ctx context.Context, cfg Config, database *db.DB, log *slog.Logger) ([]audit.Key, error) {
	if len(cfg.AuditKeys) > 0 {
		return cfg.AuditKeys, nil
	}
	if database.Dialect != db.SQLite {
		return nil, errors.New("configuration: HAVEN_AUDIT_KEY is required with PostgreSQL (kid:base64 of at least 32 random bytes, e.g. `a1:$(openssl rand -base64 32)`); keep it outside the database and its backups")
	}
	path := filepath.Join(cfg.DataDir, "audit.key")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		kid, err := audit.NewestKeyID(ctx, database.DB)
		if err != nil {
			return nil, err
		}
		if kid != "" {
			return nil, fmt.Errorf("configuration: the audit log is MACed with key id %q but %s is missing and HAVEN_AUDIT_KEY is not set: restore that key (Haven will not generate a new one, which would hide the loss)", kid, path)
		}
	}
	sealKeys, created, err := seal.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	if created {
		log.Warn("HAVEN_AUDIT_KEY is not set: generated the audit log's key next to the SQLite database; keep a copy apart from the database's backups", "file", path)
	}
	keys := make([]audit.Key, len(sealKeys))
	for i, k := range sealKeys {
		keys[i] = audit.Key{ID: k.ID, Secret: k.Secret}
	}
	return keys, nil
}

// newIdentity builds the identity service. Without HAVEN_JWT_KEYS it signs
// with a random key that lives as long as the process: access tokens then
// stop working at restart (clients refresh), and several replicas would not
// accept each other's tokens.
func newIdentity(cfg Config, users *auth.Store, auditLog *audit.Log, sealer *seal.Sealer, caseloads auth.Caseloads, log *slog.Logger, holders ...auth.DataHolder) (*auth.Service, error) {
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
		return nil, err
	}
	return auth.New(users, tokens, auditLog, auth.Config{
		RefreshTTL: cfg.RefreshTokenTTL, SessionMaxAge: cfg.SessionMaxAge, Sealer: sealer, Caseloads: caseloads,
		Argon2: cfg.Argon2, Throttle: cfg.Throttle, HashConcurrency: cfg.PasswordHashConcurrency,
		ThrottleKey: sealer.Derive("throttle key"), Log: log,
	}, cfg.Now, holders...)
}

// SealLegacyData moves health data linked to a person that earlier
// versions kept readable into sealed storage: the answers of claimed
// self-tests and of course questionnaires. serve runs it after migrating;
// it does nothing once done.
func (s *Services) SealLegacyData(ctx context.Context, log *slog.Logger) error {
	claims, err := s.Selftest.SealLegacyClaims(ctx)
	if err != nil {
		return err
	}
	measures, err := s.Selfhelp.SealLegacyMeasurements(ctx, s.Selftest)
	if err != nil {
		return err
	}
	if claims+measures > 0 {
		log.InfoContext(ctx, "sealed answers kept readable by an earlier version", "claimed_selftests", claims, "course_questionnaires", measures)
	}
	return nil
}

// Jobs lists Haven's scheduled jobs on these services.
func (s *Services) Jobs(log *slog.Logger) (*jobs.Runner, error) {
	list := []jobs.Job{{
		Name:     "selfhelp-nudges",
		Schedule: "17 * * * *", // hourly
		Run: func(ctx context.Context, now time.Time) error {
			queued, err := s.Selfhelp.RunNudges(ctx, now, nudgeQueue{})
			log.InfoContext(ctx, "self-help nudges", "emails_queued", queued)
			return err
		},
	}, {
		Name:         "visits-flush",
		Schedule:     "* * * * *", // each process's buffered page views reach the database every minute
		Run:          func(ctx context.Context, _ time.Time) error { return s.Visits.Flush(ctx) },
		EveryReplica: true,
	}, {
		Name:     "idempotency-expire",
		Schedule: "41 * * * *", // hourly: answers kept for retries live 24 hours
		Run: func(ctx context.Context, now time.Time) error {
			n, err := s.Idempotency.Expire(ctx, now)
			log.InfoContext(ctx, "expired idempotency keys", "deleted", n)
			return err
		},
	}, {
		Name:     "visits-close-days",
		Schedule: "10 * * * *", // hourly: count every day that is over (in the deployment's time zone), delete its hashes
		Run:      s.Visits.CloseDays,
	}, s.auditAnchorJob(log), {
		Name:     "outbox-send",
		Schedule: "* * * * *", // every minute: notifications due, with retries and back-off
		Run: func(ctx context.Context, now time.Time) error {
			_, err := s.Outbox.Run(ctx, now)
			return err
		},
	}, {
		Name:     "reports-rollup",
		Schedule: "25 * * * *", // hourly: the monthly report's closed months, rolled up once they are over and again when a late row changes one
		Run: func(ctx context.Context, now time.Time) error {
			n, err := s.Rollup.Run(ctx, now)
			log.InfoContext(ctx, "report rollup", "months_rolled_up", n)
			return err
		},
	}, {
		Name:     "coaching-no-contact",
		Schedule: "40 3 * * *", // daily: applications that reached no clinician end
		Run: func(ctx context.Context, now time.Time) error {
			n, err := s.Coaching.RunNoContact(ctx, now)
			log.InfoContext(ctx, "guided trajectory: applications without contact ended", "ended", n)
			return err
		},
	}, {
		Name:     "coaching-reminders",
		Schedule: "15 8 * * *", // daily: questionnaires due, trajectories ending in a week
		Run: func(ctx context.Context, now time.Time) error {
			n, err := s.Coaching.RunReminders(ctx, now)
			log.InfoContext(ctx, "guided trajectory: reminders queued", "queued", n)
			return err
		},
	}}
	if s.DB.Dialect == db.SQLite {
		list = append(list, jobs.Job{
			Name: "sqlite-checkpoint",
			// Every minute, in the one process an SQLite file allows: the
			// write-ahead log is copied into the database and truncated, so
			// it stays small under steady traffic instead of growing until
			// shutdown. A checkpoint waits for readers and holds writers
			// back meanwhile, so it gets 2 s and the next minute retries.
			Schedule:     "* * * * *",
			EveryReplica: true,
			Run: func(ctx context.Context, _ time.Time) error {
				cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				return s.DB.Checkpoint(cctx)
			},
		})
	}
	return jobs.New(s.DB.DB, log, list...)
}

// courseCrisis relays a crisis answer in the self-help course to the
// guided trajectory: coaching.Service.RaiseCrisis alerts the client's
// clinician (or the coordinators, before one is assigned) when the client
// has a trajectory going, and does nothing otherwise.
type courseCrisis struct{ coaching *coaching.Service }

func (c *courseCrisis) CourseCrisis(ctx context.Context, userID string) error {
	if c.coaching == nil {
		return errors.New("wire: the course's crisis relay is not connected to the guided trajectory")
	}
	_, err := c.coaching.RaiseCrisis(ctx, userID, coaching.SourceCourse)
	return err
}

// courseGuidance relays the guided trajectory's say over the course: the
// lessons the clinician set, in their order, and the feedback given on
// each (coaching.Service.CourseGuidance), in one call per course read.
// Outside a running trajectory it answers "none".
type courseGuidance struct{ coaching *coaching.Service }

func (g *courseGuidance) Course(ctx context.Context, clientID, programmeID string) (modules.CourseGuidance, error) {
	if g.coaching == nil {
		return modules.CourseGuidance{}, errors.New("wire: the course's guidance relay is not connected to the guided trajectory")
	}
	c, err := g.coaching.CourseGuidance(ctx, clientID, programmeID)
	return modules.CourseGuidance(c), err
}

// havenMailer writes each kind of e-mail the outbox sends: the self-help
// reminder as the course writes it (modules.NudgeMessage, with the
// configured crisis lines), the guided trajectory's content-free
// notifications as the outbox does.
type havenMailer struct {
	content outbox.ContentFree
	crisis  modules.CrisisLines
}

func (m havenMailer) Send(ctx context.Context, to, kind, lang string) error {
	if kind != modules.NudgeKind {
		return m.content.Send(ctx, to, kind, lang)
	}
	if strings.ContainsAny(to, "\r\n") {
		return errors.New("wire: invalid recipient")
	}
	smtp := m.content.SMTP
	return smtp.Deliver(ctx, to, modules.NudgeMessage(smtp.From(), to, smtp.PublicURL(), lang, m.crisis, m.content.Now()))
}

// nudgeQueue queues the self-help reminder e-mail in the outbox, in the
// transaction that records the nudge.
type nudgeQueue struct{}

func (nudgeQueue) QueueNudge(ctx context.Context, st *modules.Store, m modules.NudgeMail) error {
	sealed := m.AddressSealed
	return outbox.Enqueue(st.Conn(ctx), &outbox.Notification{Kind: modules.NudgeKind, RecipientID: m.UserID, AddressSealed: &sealed,
		AddressContext: m.AddressContext, Language: m.Language, Subject: "selfhelp:" + m.EnrolmentID, CreatedAt: m.At})
}

// outboxNotifier queues the guided trajectory's notifications in the
// outbox, in the trajectory's transaction.
type outboxNotifier struct{ now func() time.Time }

func (o outboxNotifier) Notify(ctx context.Context, st *coaching.Store, n coaching.Notification) error {
	row := &outbox.Notification{Kind: n.Kind, RecipientID: n.RecipientID, AddressContext: n.AddressCtx, Language: n.Language,
		Subject: n.TrajectoryID, CreatedAt: o.now().UTC()}
	if n.AddressSeal != "" {
		row.AddressSealed = &n.AddressSeal
	}
	if n.Kind == coaching.NotifyNoContact {
		row.RecipientID = "role:coordinator"
	}
	return outbox.Enqueue(st.Conn(ctx), row)
}

// auditAnchorJob copies the audit chain's head out of the database every
// five minutes (once per slot across replicas): to the structured log, at
// info, and as a line of the anchor file. A run that finds the chain cut
// or changed since the file's last anchor fails, and the job runner logs
// the error.
func (s *Services) auditAnchorJob(log *slog.Logger) jobs.Job {
	return jobs.Job{
		Name:     "audit-anchor",
		Schedule: "*/5 * * * *",
		Run: func(ctx context.Context, now time.Time) error {
			if s.AnchorFile == nil {
				return errors.New("audit: no anchor file configured (HAVEN_AUDIT_ANCHOR_FILE)")
			}
			a, wrote, err := s.Audit.Anchor(ctx, s.AnchorFile, now)
			switch {
			case err != nil:
				return fmt.Errorf("%w (anchor file %s)", err, s.AnchorFile.Path())
			case wrote:
				log.LogAttrs(ctx, slog.LevelInfo, audit.AnchorLogMessage, append(a.Attrs(), slog.String("file", s.AnchorFile.Path()))...)
			default:
				log.DebugContext(ctx, "audit head unchanged since the last anchor", "seq", a.Seq, "file", s.AnchorFile.Path())
			}
			return nil
		},
	}
}
