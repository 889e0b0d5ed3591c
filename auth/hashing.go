package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"sync/atomic"

	"github.com/haven-mh/haven/db/kind"
)

// ErrBusy is the failure of a password check or hash that could not get a
// slot before the request's deadline: every slot was taken by other
// sign-ins. It is wrapped in kind.Unavailable, so both transports answer
// 503 with Retry-After (a burst passes; the request may be sent again).
var ErrBusy = errors.New("auth: too many sign-ins at once")

// DefaultHashConcurrency is how many argon2id computations run at once
// when HAVEN_PASSWORD_HASH_CONCURRENCY is not set: one per core (argon2id
// with one lane is pure CPU work, so more at once only makes each slower),
// and no more than half of GOMEMLIMIT, when it is set, divided by the
// memory one computation takes (19 MiB at OWASP's parameters). Without a
// bound a burst of sign-ins allocated 19 MiB each, all at once.
func DefaultHashConcurrency(cpus int, memoryKiB uint32) int {
	n := max(1, cpus)
	if limit := debug.SetMemoryLimit(-1); limit != math.MaxInt64 && memoryKiB > 0 {
		n = min(n, max(1, int(limit/2/(int64(memoryKiB)*1024))))
	}
	return n
}

// hashSlots bounds how many argon2id computations run at once.
type hashSlots struct {
	slots chan struct{}
	// running and peak count the computations in their slot now and at
	// most at once since start (TestSignInConcurrencyIsBounded reads peak).
	running, peak atomic.Int64
}

func newHashSlots(n int) *hashSlots {
	if n <= 0 {
		n = DefaultHashConcurrency(runtime.GOMAXPROCS(0), OWASPParams.Memory)
	}
	return &hashSlots{slots: make(chan struct{}, n)}
}

// do runs f in a slot, waiting for one as long as ctx allows; when ctx ends
// first it returns ErrBusy (as kind.Unavailable) without running f.
func (h *hashSlots) do(ctx context.Context, f func()) error {
	select {
	case h.slots <- struct{}{}:
	default:
		select {
		case h.slots <- struct{}{}:
		case <-ctx.Done():
			return &kind.Unavailable{Err: fmt.Errorf("%w: %w", ErrBusy, ctx.Err())}
		}
	}
	n := h.running.Add(1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	defer func() {
		h.running.Add(-1)
		<-h.slots
	}()
	f()
	return nil
}

// hashPassword is HashPassword in a slot.
func (s *core) hashPassword(ctx context.Context, password string) (hash string, err error) {
	if serr := s.hashing.do(ctx, func() { hash, err = HashPassword(password, s.cfg.Argon2) }); serr != nil {
		return "", serr
	}
	return hash, err
}

// checkPassword is CheckPassword in a slot.
func (s *core) checkPassword(ctx context.Context, hash, password string) (ok, rehash bool, err error) {
	if serr := s.hashing.do(ctx, func() { ok, rehash, err = CheckPassword(hash, password, s.cfg.Argon2) }); serr != nil {
		return false, false, serr
	}
	return ok, rehash, err
}

// HashSlotStats is the state of the argon2id bound, for monitoring and
// tests: the limit, the computations running now, and the most that ran at
// once since start.
type HashSlotStats struct {
	Limit, Running, Peak int
}

// HashSlots returns the state of the argon2id bound.
func (s *Sessions) HashSlots() HashSlotStats {
	return HashSlotStats{Limit: cap(s.hashing.slots), Running: int(s.hashing.running.Load()), Peak: int(s.hashing.peak.Load())}
}
