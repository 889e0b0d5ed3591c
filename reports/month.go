package reports

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Month is a calendar month. Where it begins and ends is a matter of time
// zone: the report's months are months in the deployment's zone
// (HAVEN_TIMEZONE, Europe/Brussels by default), so January ends at
// midnight in Brussels, not in Greenwich.
type Month struct {
	Year  int
	Month time.Month
}

var monthPattern = regexp.MustCompile(`^([0-9]{4})-(0[1-9]|1[0-2])$`)

// ParseMonth reads "2026-01".
func ParseMonth(s string) (Month, error) {
	m := monthPattern.FindStringSubmatch(s)
	if m == nil {
		return Month{}, fmt.Errorf("reports: %q is not a month written YYYY-MM", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if y < 2000 {
		return Month{}, fmt.Errorf("reports: %q is before 2000", s)
	}
	return Month{Year: y, Month: time.Month(mo)}, nil
}

// MonthOf is the month t falls in, in loc.
func MonthOf(t time.Time, loc *time.Location) Month {
	t = t.In(loc)
	return Month{Year: t.Year(), Month: t.Month()}
}

// String is "2026-01".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// MarshalText writes "2026-01" (JSON and YAML).
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Add is the month n months later (earlier when n < 0).
func (m Month) Add(n int) Month {
	i := m.index() + n
	return Month{Year: i / 12, Month: time.Month(i%12 + 1)}
}

// Before reports whether m comes before o.
func (m Month) Before(o Month) bool { return m.index() < o.index() }

// Start is the first instant of m in loc: midnight on the first, local
// time (2026-04-01 00:00 in Brussels is 2026-03-31 22:00 UTC, summer time).
func (m Month) Start(loc *time.Location) time.Time {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, loc)
}

func (m Month) index() int { return m.Year*12 + int(m.Month) - 1 }

// monthsBetween counts the months from..to, both included.
func monthsBetween(from, to Month) int { return to.index() - from.index() + 1 }

// buckets are the instants where the months of a range begin, in UTC, and
// the end of the last: len(months)+1 boundaries. Month i is
// [bounds[i], bounds[i+1]).
type buckets struct {
	months []Month
	bounds []time.Time
	// zone names the time zone of the months (whose rollups fit them).
	zone string
}

func newBuckets(from, to Month, loc *time.Location) buckets {
	n := monthsBetween(from, to)
	b := buckets{months: make([]Month, n), bounds: make([]time.Time, n+1), zone: loc.String()}
	for i := 0; i <= n; i++ {
		m := from.Add(i)
		if i < n {
			b.months[i] = m
		}
		b.bounds[i] = m.Start(loc).UTC()
	}
	return b
}

// sub are the months from..to-1 of b.
func (b buckets) sub(sp span) buckets {
	return buckets{months: b.months[sp.from:sp.to], bounds: b.bounds[sp.from : sp.to+1], zone: b.zone}
}

// from and to are the range's first instant and the instant after it.
func (b buckets) from() time.Time { return b.bounds[0] }
func (b buckets) to() time.Time   { return b.bounds[len(b.bounds)-1] }

// index is the month t falls in, or -1 outside the range.
func (b buckets) index(t time.Time) int {
	if t.Before(b.from()) || !t.Before(b.to()) {
		return -1
	}
	for i := 1; i < len(b.bounds); i++ {
		if t.Before(b.bounds[i]) {
			return i - 1
		}
	}
	return -1
}

// dayIndex is the month a day ("2026-03-31", a day in the report's time
// zone) falls in, or -1 outside the range.
func (b buckets) dayIndex(day string) int {
	if len(day) < 7 {
		return -1
	}
	m, err := ParseMonth(day[:7])
	if err != nil {
		return -1
	}
	i := m.index() - b.months[0].index()
	if i < 0 || i >= len(b.months) {
		return -1
	}
	return i
}
