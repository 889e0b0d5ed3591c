// Command haven runs Haven: the web site, the JSON API and the database
// migrations, from one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/frontend"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "haven:", err)
		}
		code := 2
		var coded interface{ ExitCode() int }
		if errors.As(err, &coded) {
			code = coded.ExitCode()
		}
		os.Exit(code)
	}
}

const usage = `Haven: online mental-health care (self-test, self-help, guided care).

Usage:
  haven <command> [flags]

Commands:
  serve     run the web site and the JSON API (migrates first unless
            HAVEN_MIGRATE_ON_START=false)
  migrate   apply pending database migrations and exit (safe to repeat)
  version   print the version, commit and build date
  healthcheck [-url URL] [-timeout D]
            exit 0 if the server on HAVEN_ADDR answers /readyz with 200,
            else 1 (for container health checks; needs no shell or curl)
  backup [-keys FILE] BACKUP
            copy the SQLite database while Haven runs (PostgreSQL: pg_dump)
  admin create -nickname NAME [-password-file FILE]
            create a coordinator (the first one); prints a generated
            password once unless -password-file is given
  audit verify [--anchor FILE]...
            check the audit log's keyed chain and its anchors (default
            HAVEN_AUDIT_ANCHOR_FILE); fails if it was tampered with
  demo      fill an EMPTY database with a made-up organisation (staff,
            clients in every state of guided care) and print everyone's
            sign-in; refuses any database that holds data (never production)
  report [-from YYYY-MM] [-to YYYY-MM] [-format json|csv|md]
            write the monthly report (visits, self-tests, self-help, guided
            care, the funnel; per month and in total) to standard output
  run-job NAME
            run a scheduled job once, now (selfhelp-nudges, audit-anchor,
            visits-close-days, visits-flush)

Configuration comes from environment variables; see README.md.
Without DATABASE_URL Haven uses an embedded SQLite file in HAVEN_DATA_DIR.
`

// run is the whole program, with its environment passed in so tests can
// drive it: it reads the command and its flags, then the configuration,
// opens the database (migrating first where the command wants it) and runs
// the command.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	cmd, err := parseCommand(args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	if cmd.local != nil {
		return cmd.local(ctx)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	database, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxOpenConns: cfg.DBMaxOpenConns, Logger: log,
		MinFreeBytes: cfg.Faults.MinFreeBytes})
	if err != nil {
		return err
	}
	defer database.Close()
	switch cmd.schema {
	case schemaPrepare:
		if err := prepareSchema(ctx, cfg, database, log); err != nil {
			return err
		}
	case schemaCheck:
		if err := db.CheckSchema(ctx, database); err != nil {
			return err
		}
	}
	return cmd.run(ctx, cfg, database, log)
}

// command is one of haven's commands, its flags already read: local runs
// without configuration or database; otherwise run gets both, after schema
// says what to do with the database's schema first.
type command struct {
	local  func(ctx context.Context) error
	run    func(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) error
	schema schemaStep
	// check, when set, validates the flags before anything is opened.
	check func() error
}

// schemaStep is what a command does with the schema before it runs.
type schemaStep int

const (
	// schemaAsIs: nothing (migrate itself).
	schemaAsIs schemaStep = iota
	// schemaPrepare: migrate (HAVEN_MIGRATE_ON_START, the default), or
	// refuse unless the schema is exactly this version's (prepareSchema).
	schemaPrepare
	// schemaCheck: refuse unless the schema is exactly this version's,
	// never migrating (commands that only read).
	schemaCheck
)

// parseCommand reads the command name (and sub-command) and its flags.
func parseCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) (*command, error) {
	name, rest := args[0], args[1:]
	if name == "admin" || name == "audit" {
		sub := ""
		if len(rest) > 0 {
			sub, rest = rest[0], rest[1:]
		}
		name += " " + sub
	}
	fs := flag.NewFlagSet("haven "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	usageText := func(text string) func() {
		return func() { fmt.Fprint(stderr, text); fs.PrintDefaults() }
	}
	var cmd command
	switch name {
	case "serve":
		fs.Usage = usageText("Usage: haven serve\n\nRuns the web site and the JSON API on HAVEN_ADDR.\n")
		cmd = command{run: serve, schema: schemaPrepare}
	case "migrate":
		fs.Usage = usageText("Usage: haven migrate\n\nApplies pending database migrations; running it again does nothing.\n")
		cmd = command{run: func(ctx context.Context, _ config, database *db.DB, log *slog.Logger) error {
			return migrate(ctx, database, log)
		}}
	case "version":
		fs.Usage = usageText("Usage: haven version\n")
		cmd = command{local: func(context.Context) error { printVersion(stdout, currentBuild()); return nil }}
	case "healthcheck":
		url := fs.String("url", "", "readiness URL (default: /readyz on HAVEN_ADDR, wildcard hosts via loopback)")
		timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
		fs.Usage = usageText("Usage: haven healthcheck [flags]\n\n")
		cmd = command{local: func(ctx context.Context) error {
			target := *url
			if target == "" {
				addr := (&fileEnv{getenv: getenv, readFile: os.ReadFile}).get("HAVEN_ADDR")
				var err error
				if target, err = healthcheckURL(or(addr, ":8080")); err != nil {
					return &unhealthy{err.Error()}
				}
			}
			return healthcheck(ctx, target, *timeout, stdout)
		}}
	case "run-job":
		fs.Usage = usageText("Usage: haven run-job NAME\n\nRuns a scheduled job once, now (jobs are idempotent). Jobs: selfhelp-nudges, audit-anchor, visits-close-days, visits-flush.\n")
		cmd = command{schema: schemaPrepare, run: func(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) error {
			return runJob(ctx, cfg, database, log, fs.Arg(0))
		}}
	case "admin create":
		nickname := fs.String("nickname", "", "nickname of the coordinator")
		passwordFile := fs.String("password-file", "", "file whose first line is the password (default: generate one)")
		fs.Usage = usageText("Usage: haven admin create -nickname NAME [-password-file FILE]\n\nCreates a coordinator (the first one, to invite the other staff from the web site), migrating the\ndatabase first. Prints a generated password once unless -password-file is given; the coordinator\nsets up an authenticator app (TOTP) at the first sign-in.\n\n")
		cmd = command{schema: schemaPrepare, run: func(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) error {
			return adminCreate(ctx, cfg, database, log, *nickname, *passwordFile, stdout)
		}, check: func() error {
			// Flags first: nothing is configured, opened or migrated for
			// a command that cannot run.
			if *nickname == "" {
				fs.Usage()
				return errors.New("admin create: -nickname is required")
			}
			return nil
		}}
	case "demo":
		fs.Usage = usageText("Usage: haven demo\n\nFills an empty database with a made-up organisation — a coordinator, two clinicians, clients in\nevery state of the guided trajectory, anonymous self-tests — and prints each role's sign-in, with\npasswords and TOTP secrets generated for this run. It refuses (exit status 3, nothing changed) a\ndatabase that holds any account, audit entry, self-test or visit: never point it at production.\n")
		cmd = command{schema: schemaPrepare, run: func(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) error {
			return demoCommand(ctx, cfg, database, log, stdout)
		}}
	case "audit verify":
		var anchors anchorFiles
		fs.Var(&anchors, "anchor", "file of anchors (the audit-anchor job's file, or its log lines); repeatable (default: HAVEN_AUDIT_ANCHOR_FILE if it exists)")
		fs.Usage = usageText("Usage: haven audit verify\n\n")
		cmd = command{schema: schemaCheck, run: func(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) error {
			return auditVerify(ctx, cfg, database, log, anchors, stdout)
		}}
	case "report":
		from := fs.String("from", "", "first month, YYYY-MM (default: eleven months before -to)")
		to := fs.String("to", "", "last month, YYYY-MM, included (default: the current month)")
		format := fs.String("format", "md", "json, csv or md")
		audience := fs.String("for", "coordinator", "coordinator (exact counts) or researcher (one closed quarter, every count suppressed)")
		fs.Usage = usageText("Usage: haven report [-from YYYY-MM] [-to YYYY-MM] [-format json|csv|md] [-for coordinator|researcher]\n\nWrites the monthly report (months in HAVEN_TIMEZONE, and their total) to standard output.\n\n")
		cmd = command{schema: schemaCheck, run: func(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) error {
			return reportCmd(ctx, cfg, database, log, reportArgs{from: *from, to: *to, format: *format, audience: *audience}, stdout)
		}}
	case "backup":
		keys := fs.String("keys", "", "also write the encryption keys to this new file (keep it apart from the backup)")
		fs.Usage = usageText("Usage: haven backup [-keys FILE] BACKUP\n\nWrites a consistent copy of the SQLite database while Haven runs (PostgreSQL: use pg_dump).\n\n")
		cmd = command{schema: schemaCheck, run: func(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) error {
			return backupCmd(ctx, cfg, database, log, *keys, fs.Arg(0), stdout)
		}}
	default:
		fmt.Fprint(stderr, usage)
		return nil, fmt.Errorf("unknown command %q", strings.TrimSpace(name))
	}
	if err := fs.Parse(rest); err != nil {
		return nil, err
	}
	if cmd.check != nil {
		if err := cmd.check(); err != nil {
			return nil, err
		}
	}
	return &cmd, nil
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func migrate(ctx context.Context, database *db.DB, log *slog.Logger) error {
	if err := db.Migrate(ctx, database); err != nil {
		return err
	}
	applied, err := db.Applied(ctx, database)
	if err != nil {
		return err
	}
	log.Info("database migrated", "dialect", string(database.Dialect), "migrations", len(applied))
	return nil
}

// newHandler puts the JSON API and the web site on the services; ready
// backs /readyz.
func newHandler(cfg config, svcs *wire.Services, ready api.Readiness, log *slog.Logger) (http.Handler, error) {
	site, err := frontend.New(frontend.Deps{
		Log: log, Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit, Selfhelp: svcs.Selfhelp, Coaching: svcs.Coaching,
		DefaultLanguage: cfg.DefaultLanguage, MailConfigured: svcs.Mailer != nil, Idempotency: svcs.Idempotency, Reports: svcs.Reports,
		FHIR: svcs.FHIR, PublicURL: cfg.Wire.PublicURL,
	})
	if err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	engine, err := api.NewEngine(api.EngineOptions{Log: log, TrustedProxies: cfg.TrustedProxies, HSTS: cfg.HSTS,
		OnPanic: site.InternalError, Visits: svcs.Visits, RequestTimeout: cfg.Faults.RequestTimeout})
	if err != nil {
		return nil, err
	}
	err = api.Register(engine, api.Deps{
		Log: log, Ready: ready, ReadyTimeout: cfg.Faults.ReadyTimeout, Idempotency: svcs.Idempotency, Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit, Selfhelp: svcs.Selfhelp, Coaching: svcs.Coaching, Reports: svcs.Reports, FHIR: svcs.FHIR,
		DefaultLanguage: cfg.DefaultLanguage, MaxBodyBytes: cfg.MaxBodyBytes,
	}, site.NotFound)
	if err != nil {
		return nil, err
	}
	site.Register(engine)
	return engine, nil
}

func serve(ctx context.Context, cfg config, database *db.DB, log *slog.Logger) error {
	svcs, err := wire.New(ctx, cfg.Wire, database, log)
	if err != nil {
		return err
	}
	if err := svcs.SealLegacyData(ctx, log); err != nil {
		return err
	}
	ready := &readiness{db: database}
	handler, err := newHandler(cfg, svcs, ready, log)
	if err != nil {
		return err
	}
	runner, err := svcs.Jobs(log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	log.Info("haven listening", "addr", ln.Addr().String(), "dialect", string(database.Dialect), "version", version)

	if cfg.Jobs {
		jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
		wait := runner.Start(jobsCtx)
		defer func() { stopJobs(); wait() }()
		log.Info("scheduled jobs started", "jobs", strings.Join(runner.Names(), ","))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	ready.drain(context.WithoutCancel(ctx), cfg.Faults.ShutdownDrain, log)
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	// Page views still buffered in memory.
	if err := runner.RunNow(sctx, "visits-flush", time.Now()); err != nil {
		log.Warn("final flush of page views failed", "error", err.Error())
	}
	log.Info("stopped")
	return nil
}
