package visits_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/visits"
	"gorm.io/gorm"
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
	a := newCounter(t, d.DB, clk.now, testKey)
	b := newCounter(t, d.DB, clk.now, testKey) // a second replica, the same key
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

	// Closing the days keeps counts and deletes the hashes.
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
	m, err := a.MonthTotals(ctx, clk.now())
	if err != nil {
		t.Fatal(err)
	}
	if m.PageViews != 6 || m.UniqueVisitors != 3 {
		t.Errorf("month = %+v, want 6 page views and 3 unique visitors (day 2 not closed yet)", m)
	}
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

func newCounter(t *testing.T, db *gorm.DB, now func() time.Time, key []byte) *visits.Counter {
	t.Helper()
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	c, err := visits.NewCounter(db, now, key, brussels)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The database, or a backup of it, alone must not let anyone confirm that
// an address visited: it holds the hashes but nothing they were salted
// with. Whoever tries every value stored in it as the salt finds no match,
// and a replica with another key cannot match the hashes either.
func TestTheDatabaseAloneCannotConfirmAVisit(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	clk := &clock{t: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)}
	c := newCounter(t, d.DB, clk.now, testKey)
	const ip, ua = "198.51.100.7", "Firefox"
	if err := c.Record(ctx, ip, ua); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var tables []string
	if d.Dialect == "sqlite" {
		d.Raw("SELECT name FROM sqlite_master WHERE type = 'table'").Scan(&tables)
	} else {
		d.Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&tables)
	}
	var stored []string // every text value in every table
	for _, tbl := range tables {
		rows, err := d.Table(tbl).Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch x := v.(type) {
				case string:
					stored = append(stored, x)
				case []byte:
					stored = append(stored, string(x))
				}
			}
		}
		rows.Close()
	}
	var hashes []string
	d.Table("visitor_hashes").Pluck("hash", &hashes)
	if len(hashes) != 1 {
		t.Fatalf("hashes %v", hashes)
	}
	for _, candidate := range append(stored, "", "2026-11-03") {
		for _, salt := range [][]byte{[]byte(candidate), hexOrNil(candidate)} {
			mac := hmac.New(sha256.New, salt)
			mac.Write([]byte(ip))
			mac.Write([]byte{0})
			mac.Write([]byte(ua))
			if hex.EncodeToString(mac.Sum(nil)) == hashes[0] {
				t.Fatalf("a value stored in the database (%q) confirms the visit", candidate)
			}
		}
	}
	if d.Migrator().HasTable("visit_salts") {
		t.Error("the visit_salts table is still there")
	}
	// Another key (another deployment, or a guess) makes other hashes.
	other := newCounter(t, d.DB, clk.now, []byte("another key, 32 bytes long......"))
	clk.set(clk.now().Add(time.Hour))
	if err := other.Record(ctx, ip, ua); err != nil {
		t.Fatal(err)
	}
	if err := other.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var n int64
	d.Table("visitor_hashes").Count(&n)
	if n != 2 {
		t.Errorf("another key matched the visitor's hash: %d hashes", n)
	}
}

func hexOrNil(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}
