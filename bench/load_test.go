package bench

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", []time.Duration{ms(7)}, 99, ms(7)},
		{"median of four is the second", []time.Duration{ms(1), ms(2), ms(3), ms(4)}, 50, ms(2)},
		{"p99 of 100", hundred, 99, ms(99)},
		{"p95 of 100", hundred, 95, ms(95)},
		{"p100 is the max", hundred, 100, ms(100)},
		{"tiny p is the min", hundred, 0.001, ms(1)},
		{"p99 of ten is the max", hundred[:10], 99, ms(10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]time.Duration{ms(30), ms(10), ms(20), ms(40)})
	want := Summary{N: 4, Mean: ms(25), P50: ms(20), P95: ms(40), P99: ms(40), Max: ms(40)}
	if s != want {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
	if (Summarize(nil) != Summary{}) {
		t.Error("Summarize(nil) is not empty")
	}
}

func TestRatio(t *testing.T) {
	tests := []struct{ a, b, want float64 }{{60, 100, 0.6}, {5, 0, 0}, {0, 3, 0}}
	for _, tt := range tests {
		if got := Ratio(tt.a, tt.b); got != tt.want {
			t.Errorf("Ratio(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestIntended(t *testing.T) {
	start := time.Unix(1000, 0)
	tests := []struct {
		rate float64
		i    int
		want time.Duration
	}{{10, 0, 0}, {10, 1, ms(100)}, {10, 25, ms(2500)}, {400, 3, ms(7) + 500*time.Microsecond}}
	for _, tt := range tests {
		if got := Intended(start, tt.rate, tt.i).Sub(start); got != tt.want {
			t.Errorf("Intended(rate %v, %d) = +%v, want +%v", tt.rate, tt.i, got, tt.want)
		}
	}
}

// lateClock is a generator that fell behind: its first reading is the
// start, every later one two seconds on, and it never sleeps.
type lateClock struct {
	mu    sync.Mutex
	start time.Time
	calls int
}

func (c *lateClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.calls == 1 {
		return c.start
	}
	return c.start.Add(2 * time.Second)
}

func (c *lateClock) SleepUntil(context.Context, time.Time) {}

// TestOpenMeasuresFromIntendedTime: ten requests meant for 0, 0.1 … 0.9 s
// that all end at 2 s took 2.0 … 1.1 s, however quickly each was served
// once sent — the queue a closed loop would hide is counted.
func TestOpenMeasuresFromIntendedTime(t *testing.T) {
	clk := &lateClock{start: time.Unix(5000, 0)}
	res := Open(t.Context(), "x", "t", OpenConfig{Rate: 10, Duration: time.Second, Clock: clk}, func(context.Context) error { return nil })
	if res.Sent != 10 || res.OK != 10 || res.Errors != 0 {
		t.Fatalf("sent %d ok %d errors %d, want 10 10 0", res.Sent, res.OK, res.Errors)
	}
	if res.Latencies.Max != 2*time.Second || res.Latencies.P50 != ms(1500) || res.Latencies.Mean != ms(1550) {
		t.Errorf("latencies %+v: want max 2s, p50 1.5s, mean 1.55s (from the intended times)", res.Latencies)
	}
}

// TestOpenDropsBeyondMaxInFlight: with two requests stuck, the next four
// are not sent but counted (the fake clock runs the schedule at once; the
// stuck ones are let go long after).
func TestOpenDropsBeyondMaxInFlight(t *testing.T) {
	release := make(chan struct{})
	time.AfterFunc(300*time.Millisecond, func() { close(release) })
	clk := &stepClock{now: time.Unix(0, 0)}
	res := Open(t.Context(), "x", "t", OpenConfig{Rate: 100, Duration: 60 * time.Millisecond, MaxInFlight: 2, Clock: clk},
		func(context.Context) error { <-release; return nil })
	if res.Sent != 2 || res.Dropped != 4 || res.OK != 2 || res.Errors != 4 {
		t.Errorf("sent %d dropped %d ok %d errors %d, want 2 4 2 4", res.Sent, res.Dropped, res.OK, res.Errors)
	}
}

// stepClock jumps to each intended time at once.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *stepClock) SleepUntil(_ context.Context, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

func TestClosedCountsErrors(t *testing.T) {
	var mu sync.Mutex
	i := 0
	res := Closed(t.Context(), "x", "t", 2, 20*time.Millisecond, func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		i++
		time.Sleep(time.Millisecond)
		if i%2 == 0 {
			return context.DeadlineExceeded
		}
		return nil
	})
	if res.OK+res.Errors != res.Sent || res.Errors == 0 || res.OK == 0 || res.FirstErr == "" {
		t.Errorf("sent %d ok %d errors %d (%q): want both kinds, adding up", res.Sent, res.OK, res.Errors, res.FirstErr)
	}
}

func TestTOTP(t *testing.T) {
	// RFC 6238 appendix B, SHA-1, the last six of eight digits.
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	tests := []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}}
	for _, tt := range tests {
		got, err := TOTP(secret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.want {
			t.Errorf("TOTP at %d = %q, %v; want %q", tt.unix, got, err, tt.want)
		}
	}
	if _, err := TOTP("not base32!", time.Now()); err == nil {
		t.Error("a bad secret gave no error")
	}
}

// TestSplit: each scenario of a mix gets its own latencies, from the
// intended send time Open put on the context.
func TestSplit(t *testing.T) {
	sp := NewSplit()
	base := time.Unix(100, 0)
	now := base
	sp.now = func() time.Time { return now }
	a := sp.Wrap("a", func(context.Context) error { now = now.Add(ms(10)); return nil })
	b := sp.Wrap("b", func(context.Context) error { return context.DeadlineExceeded })
	late := context.WithValue(t.Context(), intendedKey{}, base.Add(-ms(40))) // sent 40 ms after its time
	if err := a(late); err != nil {
		t.Fatal(err)
	}
	if err := a(t.Context()); err != nil { // no intended time: from the send
		t.Fatal(err)
	}
	if b(t.Context()) == nil {
		t.Fatal("b's error was swallowed")
	}
	res := sp.Results("x", time.Second)
	if len(res) != 2 || res[0].Name != "a" || res[1].Name != "b" {
		t.Fatalf("results %+v", res)
	}
	if res[0].OK != 2 || res[0].Latencies.Max != ms(50) || res[0].Latencies.P50 != ms(10) {
		t.Errorf("a: ok %d, latencies %+v; want 2, max 50ms (40 late + 10), p50 10ms", res[0].OK, res[0].Latencies)
	}
	if res[1].Errors != 1 || res[1].OK != 0 || res[1].FirstErr == "" {
		t.Errorf("b: %+v, want one error", res[1])
	}
}

func TestOpenPutsIntendedTimeOnContext(t *testing.T) {
	clk := &stepClock{now: time.Unix(0, 0)}
	var mu sync.Mutex
	var got []time.Duration
	Open(t.Context(), "x", "t", OpenConfig{Rate: 10, Duration: 300 * time.Millisecond, Clock: clk}, func(ctx context.Context) error {
		at, ok := IntendedFrom(ctx)
		if !ok {
			t.Error("no intended time on the context")
		}
		mu.Lock()
		got = append(got, at.Sub(time.Unix(0, 0)))
		mu.Unlock()
		return nil
	})
	slices.Sort(got)
	if want := []time.Duration{0, ms(100), ms(200)}; !slices.Equal(got, want) {
		t.Errorf("intended times %v, want %v", got, want)
	}
}
