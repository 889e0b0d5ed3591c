// Package wiretest builds Haven's services for tests the way the haven
// command does (wire.New), on a fresh migrated database (db/dbtest:
// SQLite in a temporary directory, or PostgreSQL with TEST_DATABASE_URL),
// with fixed keys and cheap password hashing so tests stay fast.
package wiretest

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/seal"
)

// Option changes the configuration before the services are built.
type Option func(*wire.Config)

// WithClock runs the services on clock.
func WithClock(now func() time.Time) Option { return func(c *wire.Config) { c.Now = now } }

// WithThrottle sets the attempt limits.
func WithThrottle(t auth.ThrottleConfig) Option { return func(c *wire.Config) { c.Throttle = t } }

// WithMail configures a mail server (HAVEN_SMTP_URL) that nothing in the
// test reaches unless it runs the outbox: the services then take reminder
// addresses, as a deployment that sends e-mail does.
func WithMail() Option { return func(c *wire.Config) { SetMail(c) } }

// SetMail gives c a mail server nothing reaches (WithMail).
func SetMail(c *wire.Config) {
	c.SMTPURL, c.MailFrom = "smtp://mail.invalid:587", "haven@example.org"
}

// WithConfig edits the configuration freely.
func WithConfig(f func(*wire.Config)) Option { return Option(f) }

// Brussels is the deployment time zone tests run in, as in production.
var Brussels = mustLoad("Europe/Brussels")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Config is the test configuration before options.
func Config(t testing.TB) wire.Config {
	return wire.Config{
		DataDir:        t.TempDir(),
		Location:       Brussels,
		EncryptionKeys: []seal.Key{{ID: "test", Secret: bytes.Repeat([]byte{5}, 32)}},
		JWTKeys:        []auth.Key{{ID: "t1", Secret: []byte("0123456789abcdef0123456789abcdef")}},
		AuditKeys:      []audit.Key{{ID: "a1", Secret: []byte("0123456789abcdef0123456789abcdef")}},
		AccessTokenTTL: 10 * time.Minute,
		Argon2:         auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		PublicURL:      "http://localhost:8080",
	}
}

// New returns the services on a fresh database.
func New(t testing.TB, opts ...Option) *wire.Services {
	t.Helper()
	return NewOn(t, dbtest.Open(t), opts...)
}

// NewOn returns the services on d, a migrated database (for example one
// reached through a dbtest.FaultProxy).
func NewOn(t testing.TB, d *db.DB, opts ...Option) *wire.Services {
	t.Helper()
	cfg := Config(t)
	for _, o := range opts {
		o(&cfg)
	}
	svcs, err := wire.New(context.Background(), cfg, d, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return svcs
}

// TOTPCode is the authenticator app's code for secret at t.
func TOTPCode(secret string, t time.Time) string {
	code, err := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		panic(err)
	}
	return code
}

// Clock is a settable clock for tests.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Add moves the clock.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }
