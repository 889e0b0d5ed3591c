// Package db opens Haven's database (PostgreSQL, or an embedded SQLite file
// by default) and applies its versioned migrations.
package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database in use.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Config says which database to open.
type Config struct {
	// URL is a postgres:// (or postgresql://) URL. Empty selects SQLite.
	URL string
	// DataDir holds the SQLite file when URL is empty.
	DataDir string
	// MaxOpenConns bounds the PostgreSQL pool (default
	// DefaultMaxOpenConns of the process's cores).
	MaxOpenConns int
	// ConnectTimeout bounds a new PostgreSQL connection (connect_timeout,
	// default 5 s) and StatementTimeout each statement on the server
	// (statement_timeout, default 10 s), unless the URL sets them.
	ConnectTimeout, StatementTimeout time.Duration
	// MinFreeBytes is the free space the SQLite data directory must keep
	// for Ready to report the database writable (default 64 MiB).
	MinFreeBytes uint64
	// Logger receives slow-query warnings; never query arguments.
	Logger *slog.Logger
}

// DB is an open database and its dialect.
type DB struct {
	*gorm.DB
	Dialect Dialect
	// Path is the SQLite file ("" on PostgreSQL).
	Path    string
	minFree uint64
}

// DialectOf returns the dialect a URL selects, or an error for a URL that is
// neither empty nor PostgreSQL.
func DialectOf(rawURL string) (Dialect, error) {
	if rawURL == "" {
		return SQLite, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("db: DATABASE_URL is not a URL")
	}
	switch u.Scheme {
	case "postgres", "postgresql":
		return Postgres, nil
	}
	return "", fmt.Errorf("db: DATABASE_URL scheme %q is not supported (use postgres://, or leave it empty for the embedded SQLite database)", u.Scheme)
}

// Open opens the database with pool settings suited to its dialect.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	dialect, err := DialectOf(cfg.URL)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gcfg := &gorm.Config{
		Logger:                 newGormLogger(log),
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	var gdb *gorm.DB
	path := ""
	switch dialect {
	case Postgres:
		dsn, derr := postgresDSN(cfg)
		if derr != nil {
			return nil, derr
		}
		gdb, err = gorm.Open(postgresDialector{postgres.New(postgres.Config{DSN: dsn}).(*postgres.Dialector)}, gcfg)
	case SQLite:
		dir := cfg.DataDir
		if dir == "" {
			dir = "data"
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("db: create data directory %s: %w", dir, err)
		}
		path = filepath.Join(dir, "haven.db")
		if err := createPrivate(path); err != nil {
			return nil, err
		}
		gdb, err = gorm.Open(sqliteDialector{sqlite.Open(SQLiteDSN(path)).(*sqlite.Dialector)}, gcfg)
	}
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", dialect, redact(err, cfg.URL))
	}
	// The row processor (Raw(…).Scan, Rows) sets its error without the
	// dialect's Translate; mark unavailability there too.
	if err := gdb.Callback().Row().After("gorm:row").Register("haven:unavailable", func(tx *gorm.DB) {
		tx.Error = markUnavailable(tx.Error)
	}); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	switch dialect {
	case Postgres:
		n := cfg.MaxOpenConns
		if n <= 0 {
			n = DefaultMaxOpenConns(runtime.GOMAXPROCS(0))
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(min(n, 10))
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	case SQLite:
		// WAL lets readers run beside the one writer; write transactions
		// start IMMEDIATE and wait up to the busy timeout instead of failing.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
		sqlDB.SetConnMaxLifetime(0)
	}
	// Statements join the unit their context carries (unit.go).
	pool := &routingPool{db: sqlDB}
	gdb.ConnPool, gdb.Statement.ConnPool = pool, pool
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("db: connect to %s: %w", dialect, redact(err, cfg.URL))
	}
	minFree := cfg.MinFreeBytes
	if minFree == 0 {
		minFree = 64 << 20
	}
	return &DB{DB: gdb, Dialect: dialect, Path: path, minFree: minFree}, nil
}

// DefaultMaxOpenConns is the PostgreSQL pool size for a process with cpus
// cores: 4 per core, at least 4. A connection is busy only while its
// statement runs or its commit waits for the server's WAL flush; beyond
// that, more connections only queue inside PostgreSQL, where they cost a
// backend process each and context switches on the cores Haven shares with
// it. The curve behind it (selftest BenchmarkSubmitPool, 64 concurrent
// submitters on two cores) is in README's Benchmarks: 8 connections served
// 2.7× the submits of 2 and as many as 20 or more, with the lowest p99.
// Several replicas share the server's connections: keep the sum of their
// pools near 2–4 × PostgreSQL's cores (HAVEN_DB_MAX_OPEN_CONNS).
func DefaultMaxOpenConns(cpus int) int {
	return max(4, 4*cpus)
}

// postgresDSN is cfg.URL with connect_timeout and statement_timeout added
// when the URL does not set them, so that neither a new connection nor a
// statement can hang for as long as the database stalls: the client gives
// up connecting after connect_timeout, and the server cancels a statement
// after statement_timeout even when the client's own cancellation cannot
// reach it (pgx sends URL parameters it does not know as run-time
// parameters of the session).
func postgresDSN(cfg Config) (string, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return "", fmt.Errorf("db: DATABASE_URL is not a URL")
	}
	q := u.Query()
	connect, statement := cfg.ConnectTimeout, cfg.StatementTimeout
	if connect <= 0 {
		connect = 5 * time.Second
	}
	if statement <= 0 {
		statement = 10 * time.Second
	}
	if !q.Has("connect_timeout") {
		q.Set("connect_timeout", fmt.Sprint(max(1, int(connect.Round(time.Second)/time.Second))))
	}
	if !q.Has("statement_timeout") {
		q.Set("statement_timeout", fmt.Sprint(statement.Milliseconds()))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// createPrivate creates the SQLite file with mode 0600 before SQLite opens
// it (SQLite would create it 0644 under the usual umask, and gives its -wal
// and -shm files the mode of the database file). An existing file that
// others may read is made private.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("db: create %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("db: %s: %w", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("db: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// JournalSizeLimit is the size, in bytes, the SQLite write-ahead log is
// truncated to after a checkpoint (journal_size_limit).
const JournalSizeLimit = 64 << 20

// SQLiteDSN is the DSN Haven uses for an SQLite file: foreign keys on, WAL,
// a busy timeout, write transactions that take the lock up front, a bounded
// write-ahead log, and synchronous=FULL.
//
// synchronous=FULL syncs the write-ahead log at every commit. Haven stores
// health data, and a self-test result or a questionnaire that was answered
// "saved" must survive a power cut; with NORMAL the last commits before a
// power loss may be rolled back (the database stays consistent). README
// (Benchmarks) gives what FULL costs per write.
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", JournalSizeLimit))
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return fmt.Errorf("db: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	return nil
}

// Close closes the pool.
func (d *DB) Close() error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return fmt.Errorf("db: %w", err)
	}
	return sqlDB.Close()
}

// redact removes a password that a driver error might echo from the URL.
func redact(err error, rawURL string) error {
	if rawURL == "" {
		return err
	}
	u, perr := url.Parse(rawURL)
	if perr != nil || u.User == nil {
		return err
	}
	if pw, ok := u.User.Password(); ok && pw != "" && strings.Contains(err.Error(), pw) {
		return errors.New(strings.ReplaceAll(err.Error(), pw, "***"))
	}
	return err
}

// gormLogger reports slow queries and errors without their arguments, so no
// health data reaches the logs.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

func newGormLogger(log *slog.Logger) logger.Interface {
	return &gormLogger{log: log, slow: 500 * time.Millisecond}
}

func (l *gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (l *gormLogger) Info(context.Context, string, ...any)     {}
func (l *gormLogger) Warn(ctx context.Context, msg string, _ ...any) {
	l.log.WarnContext(ctx, "database warning", "detail", msg)
}
func (l *gormLogger) Error(ctx context.Context, msg string, _ ...any) {
	l.log.ErrorContext(ctx, "database error", "detail", msg)
}
func (l *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound):
		l.log.DebugContext(ctx, "query failed", "duration_ms", elapsed.Milliseconds(), "error_kind", fmt.Sprintf("%T", err))
	case elapsed > l.slow:
		// The SQL with placeholders only: gorm's fc() would inline arguments.
		l.log.WarnContext(ctx, "slow query", "duration_ms", elapsed.Milliseconds())
	}
}
