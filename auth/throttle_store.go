package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"
)

// sharedCounters are the attempt counters in the database (auth_throttle),
// so that every replica counts the same attempts: a guesser spreading
// attempts over three replicas meets the same limits as on one. A key is
// a keyed hash (throttle.secret, derived from the encryption key, so all
// replicas hash alike) of an account or a source; no address or nickname
// is stored. A row ends at expires_ms and is deleted by the next sweep
// (at most once a minute per process). Each check is one indexed
// statement that joins the request's unit when there is one. A database
// error lets the attempt through (fails open) and is logged: the sign-in
// itself needs the database and fails on its own.
type sharedCounters struct {
	db  *gorm.DB
	log *slog.Logger

	mu    sync.Mutex
	sweep time.Time
}

// row is a counter: n attempts, the first and last at, gone after expires.
type counterRow struct {
	FirstMS, LastMS, ExpiresMS int64
	N                          int
}

const hitSQL = `INSERT INTO auth_throttle (key, first_ms, last_ms, n, expires_ms) VALUES (?, ?, ?, 1, ?)
	ON CONFLICT (key) DO UPDATE SET
		n = CASE WHEN auth_throttle.expires_ms <= ? THEN 1 ELSE auth_throttle.n + 1 END,
		first_ms = CASE WHEN auth_throttle.expires_ms <= ? THEN ? ELSE auth_throttle.first_ms END,
		last_ms = ?,
		expires_ms = CASE WHEN auth_throttle.expires_ms <= ? OR ? THEN ? ELSE auth_throttle.expires_ms END
	RETURNING first_ms, last_ms, n, expires_ms`

// hit counts one attempt on key at now. A fixed window runs for window from
// its first attempt; a sliding one for window from its last.
func (c *sharedCounters) hit(ctx context.Context, key string, now time.Time, window time.Duration, sliding bool) (counterRow, bool) {
	c.maybeSweep(ctx, now)
	ms, exp := now.UnixMilli(), now.Add(window).UnixMilli()
	var rows []counterRow
	err := c.db.WithContext(ctx).Raw(hitSQL, key, ms, ms, exp, ms, ms, ms, ms, ms, sliding, exp).Scan(&rows).Error
	if err != nil || len(rows) != 1 {
		c.log.WarnContext(ctx, "throttle: count attempt", "error", errString(err))
		return counterRow{}, false
	}
	return rows[0], true
}

// get returns key's live counter at now.
func (c *sharedCounters) get(ctx context.Context, key string, now time.Time) (counterRow, bool) {
	var rows []counterRow
	err := c.db.WithContext(ctx).Raw(`SELECT first_ms, last_ms, n, expires_ms FROM auth_throttle WHERE key = ? AND expires_ms > ?`,
		key, now.UnixMilli()).Scan(&rows).Error
	if err != nil {
		c.log.WarnContext(ctx, "throttle: read", "error", err.Error())
		return counterRow{}, false
	}
	if len(rows) != 1 {
		return counterRow{}, false
	}
	return rows[0], true
}

func (c *sharedCounters) reset(ctx context.Context, key string) {
	if err := c.db.WithContext(ctx).Exec(`DELETE FROM auth_throttle WHERE key = ?`, key).Error; err != nil {
		c.log.WarnContext(ctx, "throttle: reset", "error", err.Error())
	}
}

func (c *sharedCounters) maybeSweep(ctx context.Context, now time.Time) {
	c.mu.Lock()
	due := now.Sub(c.sweep) >= time.Minute || now.Before(c.sweep)
	if due {
		c.sweep = now
	}
	c.mu.Unlock()
	if due {
		if err := c.db.WithContext(ctx).Exec(`DELETE FROM auth_throttle WHERE expires_ms <= ?`, now.UnixMilli()).Error; err != nil {
			c.log.WarnContext(ctx, "throttle: sweep", "error", err.Error())
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "no row"
	}
	return err.Error()
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms) }

// sharedLimiter is Limiter over sharedCounters. Its rows' keys start with
// its name: two limiters may count the same source.
type sharedLimiter struct {
	c      *sharedCounters
	name   string
	limit  int
	window time.Duration
	now    func() time.Time
}

func (l *sharedLimiter) Allow(ctx context.Context, key string) (bool, time.Duration) {
	now := l.now()
	r, ok := l.c.hit(ctx, l.name+key, now, l.window, false)
	if !ok || r.N <= l.limit {
		return true, 0
	}
	return false, msTime(r.ExpiresMS).Sub(now)
}

func (l *sharedLimiter) Blocked(ctx context.Context, key string) (bool, time.Duration) {
	now := l.now()
	r, ok := l.c.get(ctx, l.name+key, now)
	if !ok || r.N < l.limit {
		return false, 0
	}
	return true, msTime(r.ExpiresMS).Sub(now)
}

func (l *sharedLimiter) Reset(ctx context.Context, key string) { l.c.reset(ctx, l.name+key) }

// sharedBackoff is Backoff over sharedCounters.
type sharedBackoff struct {
	c             *sharedCounters
	name          string
	free          int
	base, ceiling time.Duration
	window        time.Duration
	now           func() time.Time
}

func (b *sharedBackoff) Wait(ctx context.Context, key string) time.Duration {
	now := b.now()
	r, ok := b.c.get(ctx, b.name+key, now)
	if !ok || r.N < b.free {
		return 0
	}
	delay := b.ceiling
	if n := r.N - b.free; n < 20 {
		delay = min(b.ceiling, b.base<<n)
	}
	return max(0, msTime(r.LastMS).Add(delay).Sub(now))
}

func (b *sharedBackoff) Fail(ctx context.Context, key string) {
	b.c.hit(ctx, b.name+key, b.now(), b.window, true)
}

func (b *sharedBackoff) Reset(ctx context.Context, key string) { b.c.reset(ctx, b.name+key) }

// The in-memory Limiter and Backoff behind the same methods, for a
// Service without shared counters (Config.ThrottleKey unset).
type memLimiter struct{ *Limiter }

func (l memLimiter) Allow(_ context.Context, key string) (bool, time.Duration) {
	return l.Limiter.Allow(key)
}
func (l memLimiter) Blocked(_ context.Context, key string) (bool, time.Duration) {
	return l.Limiter.Blocked(key)
}
func (l memLimiter) Reset(_ context.Context, key string) { l.Limiter.Reset(key) }

type memBackoff struct{ *Backoff }

func (b memBackoff) Wait(_ context.Context, key string) time.Duration { return b.Backoff.Wait(key) }
func (b memBackoff) Fail(_ context.Context, key string)               { b.Backoff.Fail(key) }
func (b memBackoff) Reset(_ context.Context, key string)              { b.Backoff.Reset(key) }
