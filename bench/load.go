// Package bench is the load harness' engine: an open-model scheduler
// (requests at a fixed arrival rate, latency measured from each request's
// intended send time, so a slow server cannot hide its queue — no
// coordinated omission), a closed model (N workers flat out), latency
// summaries and ratios. cmd/havenbench drives Haven and the baseline
// (bench/baseline) with it; `make bench-load` runs the whole thing.
package bench

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"
)

// Op is one request of a scenario. It returns an error when the answer is
// not the one a person would get (wrong status, transport error).
type Op func(ctx context.Context) error

// Result is what one measured phase gives.
type Result struct {
	Name      string        `json:"name"`
	Target    string        `json:"target"`
	Mode      string        `json:"mode"` // "open" (fixed rate) or "closed" (N workers)
	Rate      float64       `json:"rate,omitempty"`
	Workers   int           `json:"workers,omitempty"`
	Duration  time.Duration `json:"duration_ns"`
	Sent      int           `json:"sent"`
	OK        int           `json:"ok"`
	Errors    int           `json:"errors"`
	Dropped   int           `json:"dropped"` // open model: not sent because MaxInFlight were waiting
	FirstErr  string        `json:"first_error,omitempty"`
	Latencies Summary       `json:"latency"`
}

// Throughput is the rate of successful requests over the phase.
func (r Result) Throughput() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.OK) / r.Duration.Seconds()
}

// Summary is a latency distribution's usual points.
type Summary struct {
	N    int           `json:"n"`
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
}

// Percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted:
// the smallest value with at least p% of the values at or below it. It is
// 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summarize sorts lat in place and summarises it.
func Summarize(lat []time.Duration) Summary {
	if len(lat) == 0 {
		return Summary{}
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	return Summary{N: len(lat), Mean: sum / time.Duration(len(lat)), P50: Percentile(lat, 50), P95: Percentile(lat, 95),
		P99: Percentile(lat, 99), Max: lat[len(lat)-1]}
}

// Ratio is a/b, or 0 when b is 0 (no baseline: no ratio).
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Intended is the open model's schedule: the send time of request i at
// rate per second from start. Every request has its time fixed in
// advance, whatever happened to the ones before.
func Intended(start time.Time, rate float64, i int) time.Time {
	return start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
}

// recorder collects latencies and errors from many goroutines.
type recorder struct {
	mu       sync.Mutex
	lat      []time.Duration
	ok, errs int
	firstErr string
}

func (r *recorder) add(d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs++
		if r.firstErr == "" {
			r.firstErr = err.Error()
		}
		return
	}
	r.ok++
	r.lat = append(r.lat, d)
}

// Clock is the time source of Open and Closed (tests give a fake).
type Clock interface {
	Now() time.Time
	// SleepUntil waits until t or until ctx ends.
	SleepUntil(ctx context.Context, t time.Time)
}

// RealClock is the wall clock.
type RealClock struct{}

func (RealClock) Now() time.Time { return time.Now() }

func (RealClock) SleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
	case <-tm.C:
	}
}

// OpenConfig is a fixed-rate phase.
type OpenConfig struct {
	Rate        float64       // requests per second
	Duration    time.Duration // how long requests are started
	MaxInFlight int           // at most this many outstanding; beyond it a request is dropped (and counted)
	Clock       Clock
}

// Open sends op at cfg.Rate for cfg.Duration, each request in its own
// goroutine at its intended time, and measures each latency from that
// intended time (not from when it was actually sent): when the server —
// or this generator — falls behind, the wait counts. Requests that would
// exceed MaxInFlight are not sent and are counted as dropped (and as
// errors: the server did not keep up).
func Open(ctx context.Context, name, target string, cfg OpenConfig, op Op) Result {
	clk := cfg.Clock
	if clk == nil {
		clk = RealClock{}
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 1024
	}
	n := int(cfg.Rate * cfg.Duration.Seconds())
	rec := &recorder{lat: make([]time.Duration, 0, n)}
	sem := make(chan struct{}, cfg.MaxInFlight)
	var wg sync.WaitGroup
	start := clk.Now()
	sent, dropped := 0, 0
	for i := range n {
		at := Intended(start, cfg.Rate, i)
		clk.SleepUntil(ctx, at)
		if ctx.Err() != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		default:
			dropped++
			continue
		}
		sent++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := op(context.WithValue(ctx, intendedKey{}, at))
			rec.add(clk.Now().Sub(at), err)
		}()
	}
	wg.Wait()
	res := Result{Name: name, Target: target, Mode: "open", Rate: cfg.Rate, Duration: cfg.Duration, Sent: sent,
		OK: rec.ok, Errors: rec.errs + dropped, Dropped: dropped, FirstErr: rec.firstErr}
	if dropped > 0 && res.FirstErr == "" {
		res.FirstErr = "dropped: too many requests in flight"
	}
	res.Latencies = Summarize(rec.lat)
	return res
}

// Closed runs workers goroutines, each sending op again as soon as the
// last answer came, for d: the throughput the server gives flat out at
// that concurrency. Latency is from send to answer.
func Closed(ctx context.Context, name, target string, workers int, d time.Duration, op Op) Result {
	rec := &recorder{}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				err := op(ctx)
				if ctx.Err() != nil {
					break // stopped from outside: not the server's error
				}
				rec.add(time.Since(t), err)
				n++
			}
			mu.Lock()
			sent += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := Result{Name: name, Target: target, Mode: "closed", Workers: workers, Duration: time.Since(start), Sent: sent,
		OK: rec.ok, Errors: rec.errs, FirstErr: rec.firstErr}
	res.Latencies = Summarize(rec.lat)
	return res
}

type intendedKey struct{}

// IntendedFrom is the intended send time Open gave the request of ctx.
func IntendedFrom(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(intendedKey{}).(time.Time)
	return t, ok
}

// Split records the requests of a mixed phase per scenario: Wrap each
// scenario's op, run the mix, then Results. Latency is from the intended
// send time when Open gave one, else from the send.
type Split struct {
	mu    sync.Mutex
	recs  map[string]*recorder
	order []string
	now   func() time.Time
}

// NewSplit returns an empty Split on the wall clock.
func NewSplit() *Split { return &Split{recs: map[string]*recorder{}, now: time.Now} }

// Wrap returns op, recorded under name.
func (s *Split) Wrap(name string, op Op) Op {
	s.mu.Lock()
	if s.recs[name] == nil {
		s.recs[name] = &recorder{}
		s.order = append(s.order, name)
	}
	rec := s.recs[name]
	s.mu.Unlock()
	return func(ctx context.Context) error {
		from, ok := IntendedFrom(ctx)
		if !ok {
			from = s.now()
		}
		err := op(ctx)
		rec.add(s.now().Sub(from), err)
		return err
	}
}

// Results is one Result per scenario, in the order they were wrapped,
// over a phase of length d.
func (s *Split) Results(target string, d time.Duration) []Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Result
	for _, name := range s.order {
		r := s.recs[name]
		r.mu.Lock()
		res := Result{Name: name, Target: target, Mode: "share", Duration: d, Sent: r.ok + r.errs, OK: r.ok, Errors: r.errs,
			FirstErr: r.firstErr, Latencies: Summarize(r.lat)}
		r.mu.Unlock()
		out = append(out, res)
	}
	return out
}
