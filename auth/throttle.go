package auth

import (
	"crypto/rand"
	"math"
	"sync"
	"time"
)

// Limiter counts attempts per key in a fixed window, in memory only. It is
// safe for concurrent use. Each Haven process throttles on its own, which
// is enough to make guessing slow; nothing of it is persisted.
type Limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	hits   map[string]*window
	sweep  time.Time
}

type window struct {
	start time.Time
	n     int
}

// NewLimiter allows limit attempts per key per period.
func NewLimiter(limit int, per time.Duration, now func() time.Time) *Limiter {
	return &Limiter{limit: limit, window: per, now: now, hits: map[string]*window{}}
}

// Allow reports whether one more attempt for key fits, counting it if so,
// and otherwise how long to wait.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.gc(now)
	w := l.hits[key]
	if w == nil || now.Sub(w.start) >= l.window {
		w = &window{start: now}
		l.hits[key] = w
	}
	if w.n >= l.limit {
		return false, w.start.Add(l.window).Sub(now)
	}
	w.n++
	return true, 0
}

// Blocked reports whether key has used up its attempts, without counting.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.hits[key]
	if w == nil || now.Sub(w.start) >= l.window || w.n < l.limit {
		return false, 0
	}
	return true, w.start.Add(l.window).Sub(now)
}

// Reset forgets key (after a successful sign-in).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, key)
}

// gc drops expired windows at most once per window, so the map does not
// grow without bound.
func (l *Limiter) gc(now time.Time) {
	if now.Sub(l.sweep) < l.window {
		return
	}
	l.sweep = now
	for k, w := range l.hits {
		if now.Sub(w.start) >= l.window {
			delete(l.hits, k)
		}
	}
}

// ThrottleConfig sets the attempt limits. Zero fields take the defaults.
type ThrottleConfig struct {
	// AccountFailures: failed sign-ins (or recoveries, or second factors)
	// per nickname per Window before it is locked for the rest of it.
	AccountFailures int
	// SourceAttempts: sign-in and recovery attempts per source per Window.
	SourceAttempts int
	// SignupsPerSource: sign-ups (and invitation acceptances) per source
	// per Window.
	SignupsPerSource int
	Window           time.Duration
}

func (c ThrottleConfig) withDefaults() ThrottleConfig {
	if c.AccountFailures <= 0 {
		c.AccountFailures = 5
	}
	if c.SourceAttempts <= 0 {
		c.SourceAttempts = 30
	}
	if c.SignupsPerSource <= 0 {
		c.SignupsPerSource = 10
	}
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
	return c
}

// throttle holds the limiters of one Service.
type throttle struct {
	account *Limiter // failures per account
	source  *Limiter // attempts per source
	signup  *Limiter // sign-ups per source
	secret  []byte
}

func newThrottle(c ThrottleConfig, now func() time.Time) *throttle {
	c = c.withDefaults()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return &throttle{
		account: NewLimiter(c.AccountFailures, c.Window, now),
		source:  NewLimiter(c.SourceAttempts, c.Window, now),
		signup:  NewLimiter(c.SignupsPerSource, c.Window, now),
		secret:  secret,
	}
}

func (t *throttle) sourceKey(src string) string { return "src:" + keyedHash(t.secret, src) }
func (t *throttle) accountKey(k string) string  { return "acct:" + keyedHash(t.secret, k) }

func throttled(d time.Duration) error {
	return &ThrottledError{RetryAfterSeconds: max(1, int(math.Ceil(d.Seconds())))}
}
