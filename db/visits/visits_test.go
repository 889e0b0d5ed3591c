package visits_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/visits"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestCountsWithoutKeepingWhoVisited(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	clk := &clock{t: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)}
	a := visits.NewCounter(d.DB, clk.now)
	b := visits.NewCounter(d.DB, clk.now) // a second replica
	record := func(c *visits.Counter, ip, ua string) {
		t.Helper()
		if err := c.Record(ctx, ip, ua); err != nil {
			t.Fatal(err)
		}
	}
	record(a, "198.51.100.7", "Firefox")
	record(a, "198.51.100.7", "Firefox")
	record(b, "198.51.100.7", "Firefox") // same visitor on the other replica
	record(a, "198.51.100.7", "Safari")  // another browser behind the same address
	record(b, "203.0.113.9", "Firefox")
	for _, c := range []*visits.Counter{a, b} {
		if err := c.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var hashes []string
	d.Table("visitor_hashes").Pluck("hash", &hashes)
	if len(hashes) != 3 {
		t.Errorf("%d distinct visitors stored, want 3", len(hashes))
	}
	for _, h := range hashes {
		if strings.Contains(h, "198.51") || strings.Contains(h, "Firefox") || len(h) != 64 {
			t.Errorf("hash %q reveals its input", h)
		}
	}

	// The next day the salt is new: the same person gets another hash.
	clk.set(clk.now().Add(24 * time.Hour))
	record(a, "198.51.100.7", "Firefox")
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var day2 []string
	d.Table("visitor_hashes").Where("day = ?", "2026-11-04").Pluck("hash", &day2)
	if len(day2) != 1 || strings.Contains(strings.Join(hashes, ","), day2[0]) {
		t.Errorf("day-2 hash %v repeats day 1's", day2)
	}

	// Closing the days keeps counts and deletes hashes and salts.
	if err := a.CloseDays(ctx, clk.now()); err != nil {
		t.Fatal(err)
	}
	if err := a.CloseDays(ctx, clk.now()); err != nil { // idempotent
		t.Fatal(err)
	}
	var left int64
	d.Table("visitor_hashes").Where("day = ?", "2026-11-03").Count(&left)
	if left != 0 {
		t.Errorf("%d hashes of a closed day remain", left)
	}
	var salts int64
	d.Table("visit_salts").Where("day = ?", "2026-11-03").Count(&salts)
	if salts != 0 {
		t.Error("the salt of a closed day remains")
	}
	m, err := a.MonthTotals(ctx, clk.now())
	if err != nil {
		t.Fatal(err)
	}
	if m.PageViews != 6 || m.UniqueVisitors != 3 {
		t.Errorf("month = %+v, want 6 page views and 3 unique visitors (day 2 not closed yet)", m)
	}
}
