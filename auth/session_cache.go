package auth

import (
	"sync"
	"time"
)

// sessionCache remembers, for a few seconds, that a session was found live,
// so that an authenticated request need not query the database each time
// (the query was 15× the JWT check: README, Benchmarks). It is per replica:
//
//   - in this replica a revocation (sign-out, password change or recovery,
//     refresh-token reuse, a coordinator changing a role or status,
//     erasure) goes through the Store, which drops the user's entries at
//     once and keeps the user out of the cache for holdFor, so a request
//     racing the revoking transaction cannot put the old answer back;
//   - another replica still accepts a revoked session until its entry ends:
//     at most ttl (HAVEN_SESSION_CACHE_TTL, default 2 s) after the
//     revocation. Access tokens live 10 minutes anyway; ttl bounds only
//     how long a revocation takes to reach every replica.
//
// Only positive answers are kept, each at most until the session's own
// expiry, and the cache holds at most maxEntries (it is swept when full).
type sessionCache struct {
	ttl  time.Duration
	now  func() time.Time // the wall clock: ttl is real time
	mu   sync.Mutex
	live map[string]cachedSession // session id →
	hold map[string]time.Time     // "u:" user id or "s:" session id → no caching before
}

type cachedSession struct {
	userID    string
	role      Role
	until     time.Time // wall clock
	expiresAt time.Time // the session's expiry, in the caller's clock
}

const (
	sessionCacheMaxEntries = 100_000
	// holdFor outlasts the longest transaction that can revoke a session
	// (the request deadline, at most 20 s).
	holdFor = 30 * time.Second
)

func newSessionCache(ttl time.Duration) *sessionCache {
	if ttl <= 0 {
		return nil
	}
	return &sessionCache{ttl: ttl, now: time.Now, live: map[string]cachedSession{}, hold: map[string]time.Time{}}
}

// get reports whether the session is known live for that user and role at
// now (the caller's clock, which the session's expiry is in).
func (c *sessionCache) get(sessionID, userID string, role Role, now time.Time) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.live[sessionID]
	return ok && e.userID == userID && e.role == role && c.now().Before(e.until) && now.Before(e.expiresAt)
}

// put remembers a live session, unless its user is held.
func (c *sessionCache) put(sessionID, userID string, role Role, expiresAt time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := c.now()
	for _, k := range [2]string{"u:" + userID, "s:" + sessionID} {
		if until, held := c.hold[k]; held {
			if wall.Before(until) {
				return
			}
			delete(c.hold, k)
		}
	}
	if len(c.live) >= sessionCacheMaxEntries {
		for id, e := range c.live {
			if !wall.Before(e.until) {
				delete(c.live, id)
			}
		}
		if len(c.live) >= sessionCacheMaxEntries {
			return
		}
	}
	c.live[sessionID] = cachedSession{userID: userID, role: role, until: wall.Add(c.ttl), expiresAt: expiresAt}
}

// forgetUser drops every entry of the user and keeps them out for holdFor.
func (c *sessionCache) forgetUser(userID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, e := range c.live {
		if e.userID == userID {
			delete(c.live, id)
		}
	}
	c.holdLocked("u:" + userID)
}

// forgetSession drops one session's entry and keeps it out for holdFor.
func (c *sessionCache) forgetSession(sessionID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.live, sessionID)
	c.holdLocked("s:" + sessionID)
}

func (c *sessionCache) holdLocked(key string) {
	wall := c.now()
	if len(c.hold) > 1000 {
		for k, until := range c.hold {
			if !wall.Before(until) {
				delete(c.hold, k)
			}
		}
	}
	c.hold[key] = wall.Add(holdFor)
}
