package frontend

import (
	"strconv"
	"strings"
	"time"
)

// Dates and times on every page are written one way: in the deployment's
// time zone (HAVEN_TIMEZONE) and the reader's language, "2 december 2026,
// 14:05" — never ISO or UTC. <time datetime> carries the machine form.
// Go code calls dateText and dateTimeText; templates {{$.Date t}} and
// {{$.DateTime t}}.

// location is the deployment's time zone.
func (s *Site) location() *time.Location { return s.Coaching.Config().Location }

// dateText writes the day of moment t: "2 December 2026".
func (s *Site) dateText(v *view, t time.Time) string {
	return s.longDate(v, t.In(s.location()))
}

// dateTimeText writes moment t: "2 December 2026, 14:05".
func (s *Site) dateTimeText(v *view, t time.Time) string {
	l := t.In(s.location())
	return s.longDate(v, l) + ", " + l.Format("15:04")
}

// dateTimeSecondsText writes moment t to the second, for the audit log.
func (s *Site) dateTimeSecondsText(v *view, t time.Time) string {
	l := t.In(s.location())
	return s.longDate(v, l) + ", " + l.Format("15:04:05")
}

// Date is dateText for templates.
func (v *view) Date(t time.Time) string { return v.site.dateText(v, t) }

// DateTime is dateTimeText for templates.
func (v *view) DateTime(t time.Time) string { return v.site.dateTimeText(v, t) }

// longMonthName is a month's full name in the page's language.
func longMonthName(v *view, m time.Month) string {
	names := strings.Fields(v.T("date.months_long"))
	if len(names) != 12 {
		return strconv.Itoa(int(m))
	}
	return names[m-1]
}
