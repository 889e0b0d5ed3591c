package auth

import (
	"context"
	"crypto/rand"
	"math"
	"sync"
	"time"
)

// Limiter counts attempts per key in a fixed window, in memory only. It is
// safe for concurrent use. A Service with a ThrottleKey counts in the
// database instead (throttle_store.go), shared by every replica; this one
// serves a Service without it.
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

// Backoff grows the wait between attempts on a key after repeated
// failures: after free failures, each further attempt must wait base ×
// 2^(failures−free) after the last failure, at most ceiling. It slows
// guessing without locking anyone out. In memory only, safe for concurrent
// use; a key is forgotten after window without failures.
type Backoff struct {
	free          int
	base, ceiling time.Duration
	window        time.Duration
	now           func() time.Time
	mu            sync.Mutex
	keys          map[string]*backoffState
	sweep         time.Time
}

type backoffState struct {
	fails int
	last  time.Time
}

// NewBackoff returns a Backoff.
func NewBackoff(free int, base, ceiling, window time.Duration, now func() time.Time) *Backoff {
	return &Backoff{free: free, base: base, ceiling: ceiling, window: window, now: now, keys: map[string]*backoffState{}}
}

// Wait is how long key must still wait before its next attempt.
func (b *Backoff) Wait(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.keys[key]
	if st == nil || st.fails < b.free {
		return 0
	}
	delay := b.ceiling
	if n := st.fails - b.free; n < 20 {
		delay = min(b.ceiling, b.base<<n)
	}
	return max(0, st.last.Add(delay).Sub(b.now()))
}

// Fail counts a failure on key.
func (b *Backoff) Fail(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if now.Sub(b.sweep) >= b.window {
		b.sweep = now
		for k, st := range b.keys {
			if now.Sub(st.last) >= b.window {
				delete(b.keys, k)
			}
		}
	}
	st := b.keys[key]
	if st == nil || now.Sub(st.last) >= b.window {
		st = &backoffState{}
		b.keys[key] = st
	}
	st.fails++
	st.last = now
}

// Reset forgets key.
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.keys, key)
}

// ThrottleConfig sets the attempt limits. Zero fields take the defaults.
type ThrottleConfig struct {
	// AccountFailures: failed sign-ins (or recoveries, or second factors)
	// on one account from one source per Window before that source is
	// locked out of that account for the rest of it; from all sources
	// together, the failures after which every further attempt on the
	// account waits longer (1 s, doubling, at most AccountMaxDelay). So a
	// stranger who knows a nickname slows its owner down but cannot lock
	// them out.
	AccountFailures int
	// AccountMaxDelay caps the growing wait on one account (default 60 s).
	AccountMaxDelay time.Duration
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
	if c.AccountMaxDelay <= 0 {
		c.AccountMaxDelay = time.Minute
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

// throttle holds the limiters of one Service: in the database, shared by
// every replica, when the Service has a ThrottleKey (wire gives it one
// derived from the encryption key); in memory otherwise.
type throttle struct {
	pair    limiter // failures per account and source
	account backoff // failures per account, from any source
	source  limiter // attempts per source
	signup  limiter // sign-ups per source
	secret  []byte
}

type limiter interface {
	Allow(ctx context.Context, key string) (bool, time.Duration)
	Blocked(ctx context.Context, key string) (bool, time.Duration)
	Reset(ctx context.Context, key string)
}

type backoff interface {
	Wait(ctx context.Context, key string) time.Duration
	Fail(ctx context.Context, key string)
	Reset(ctx context.Context, key string)
}

func newThrottle(c ThrottleConfig, now func() time.Time, shared *sharedCounters, key []byte) *throttle {
	c = c.withDefaults()
	if shared != nil && len(key) > 0 {
		lim := func(name string, n int) limiter {
			return &sharedLimiter{c: shared, name: name, limit: n, window: c.Window, now: now}
		}
		return &throttle{
			pair:    lim("f:", c.AccountFailures),
			account: &sharedBackoff{c: shared, name: "b:", free: c.AccountFailures, base: time.Second, ceiling: c.AccountMaxDelay, window: c.Window, now: now},
			source:  lim("a:", c.SourceAttempts),
			signup:  lim("s:", c.SignupsPerSource),
			secret:  key,
		}
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return &throttle{
		pair:    memLimiter{NewLimiter(c.AccountFailures, c.Window, now)},
		account: memBackoff{NewBackoff(c.AccountFailures, time.Second, c.AccountMaxDelay, c.Window, now)},
		source:  memLimiter{NewLimiter(c.SourceAttempts, c.Window, now)},
		signup:  memLimiter{NewLimiter(c.SignupsPerSource, c.Window, now)},
		secret:  secret,
	}
}

func (t *throttle) sourceKey(src string) string { return "src:" + keyedHash(t.secret, src) }
func (t *throttle) accountKey(k string) string  { return "acct:" + keyedHash(t.secret, k) }
func (t *throttle) pairKey(k, src string) string {
	return "pair:" + keyedHash(t.secret, k) + ":" + keyedHash(t.secret, src)
}

func throttled(d time.Duration) error {
	return &ThrottledError{RetryAfterSeconds: max(1, int(math.Ceil(d.Seconds())))}
}
