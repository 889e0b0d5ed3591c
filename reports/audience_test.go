package reports

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/kind"
)

func TestAudienceFor(t *testing.T) {
	tests := []struct {
		role auth.Role
		want Audience
	}{
		{auth.RoleCoordinator, AudienceCoordinator},
		{auth.RoleResearcher, AudienceResearcher},
		{auth.RoleClinician, AudienceResearcher}, // fails closed
		{auth.RoleClient, AudienceResearcher},
		{"", AudienceResearcher},
	}
	for _, tt := range tests {
		if got := AudienceFor(tt.role); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.role, got, tt.want)
		}
	}
}

// TestMonthlyResearcher: a researcher's report has no exact figure. Every
// count is in a suppressed series; no count of 1–9 is shown anywhere, in
// the series or the breakdowns, totals included; with a threshold of 1 the
// series are the coordinator's figures.
func TestMonthlyResearcher(t *testing.T) {
	f := profileFixture(t)
	stats := newTestStats(t, f, "2026-07-01 00:00")
	build := func(minCell int, aud Audience) *Report {
		t.Helper()
		s, err := NewService(Options{Store: NewStore(f.db), Location: brussels(t), Instruments: testInstruments,
			Now: func() time.Time { return utc("2026-07-01T00:00:00Z") }, Stats: stats, MinCell: minCell})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Monthly(context.Background(), Month{2026, time.January}, Month{2026, time.March}, aud)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	r := build(0, AudienceResearcher)
	if r.Audience != AudienceResearcher || len(r.Months) != 0 || r.Total != nil || r.Series == nil {
		t.Fatalf("audience %q, %d months, total %v, series %v", r.Audience, len(r.Months), r.Total, r.Series)
	}
	if rows := r.Rows(); len(rows) != 0 {
		t.Errorf("exact rows for a researcher: %v", rows[0])
	}
	var tables []SuppressedTable
	for _, sr := range r.Series.Series {
		tables = append(tables, sr.Table)
	}
	for _, m := range r.Profile.Modules {
		for _, b := range m.Breakdowns {
			tables = append(tables, b.Table)
		}
	}
	for _, c := range append(r.Outcomes.Selfhelp, r.Outcomes.Guidance...) {
		tables = append(tables, c.Change, c.Recovery)
	}
	hidden := 0
	for _, tab := range tables {
		all := append([]PublishedCount{tab.Total}, append(tab.RowTotals, tab.ColTotals...)...)
		for _, row := range tab.Cells {
			all = append(all, row...)
		}
		for _, c := range all {
			switch {
			case c.Hidden():
				hidden++
			case *c.N > 0 && *c.N < DefaultThreshold:
				t.Errorf("%v by %v: a count of %d is shown", tab.Rows, tab.Cols, *c.N)
			}
		}
	}
	// The fixture's five self-tests of the quarter are hidden.
	if hidden == 0 {
		t.Error("nothing hidden")
	}
	var band *Series
	for i, sr := range r.Series.Series {
		if sr.Figure == "band:phq9" {
			band = &r.Series.Series[i]
		}
	}
	if band == nil || band.Module != "selftest" || len(band.Table.Rows) != 5 || len(band.Table.Cols) != 3 {
		t.Fatalf("the PHQ-9's bands: %+v", band)
	}

	// Threshold 1: nothing hidden, the series are the exact figures.
	exact := build(1, AudienceCoordinator)
	open := build(1, AudienceResearcher)
	for _, sr := range open.Series.Series {
		if sr.Figure != "band:phq9" {
			continue
		}
		for i, row := range sr.Table.Rows {
			for j := range sr.Table.Cols {
				want := instrument(&exact.Months[j].Reach, "phq9").Bands[i]
				if got := sr.Table.Cells[i][j].N; want.Key != row || got == nil || int64(*got) != want.N {
					t.Errorf("%s %s: %v, want %d", row, sr.Table.Cols[j], got, want.N)
				}
			}
		}
	}
}

// TestResearchPeriod: a researcher's report is one calendar quarter that
// has ended in the report's zone — the quarter's first month to its last —
// and nothing else, so two researcher reports never overlap.
func TestResearchPeriod(t *testing.T) {
	// 22:30 UTC on 30 June is 00:30 on 1 July in Brussels: the second
	// quarter has just ended there.
	now := utc("2026-06-30T22:30:00Z")
	s, err := NewService(Options{Store: NewStore(dbtest.Open(t).DB), Location: brussels(t), Instruments: testInstruments, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	m := func(s string) Month {
		mo, err := ParseMonth(s)
		if err != nil {
			t.Fatal(err)
		}
		return mo
	}
	tests := []struct {
		from, to string
		field    string // "" when allowed
	}{
		{"2026-04", "2026-06", ""},
		{"2026-01", "2026-03", ""},
		{"2025-10", "2025-12", ""},
		{"2026-07", "2026-09", "to"}, // not ended
		{"2026-02", "2026-04", "from"},
		{"2026-04", "2026-05", "to"},
		{"2026-01", "2026-06", "to"}, // two quarters: would overlap the one of each
		{"2026-01", "2026-12", "to"}, // a year: minus three quarters is the fourth
		{"2026-06", "2026-06", "from"},
	}
	for _, tt := range tests {
		err := s.ResearchPeriod(m(tt.from), m(tt.to))
		var inv *kind.Invalid
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s–%s: %v, want allowed", tt.from, tt.to, err)
		case tt.field != "" && (!errors.As(err, &inv) || inv.Fields[tt.field] == ""):
			t.Errorf("%s–%s: %v, want a field error on %s", tt.from, tt.to, err, tt.field)
		}
		if tt.field != "" {
			if _, err := s.Monthly(context.Background(), m(tt.from), m(tt.to), AudienceResearcher); err == nil {
				t.Errorf("%s–%s: Monthly built a researcher's report", tt.from, tt.to)
			}
		}
	}
	if f, to, err := s.Range(AudienceResearcher, "", ""); err != nil || f != m("2026-04") || to != m("2026-06") {
		t.Errorf("a researcher's default: %s–%s, %v; want the last closed quarter 2026-04–2026-06", f, to, err)
	}
	if f, to, err := s.Range(AudienceCoordinator, "2026-02", "2026-05"); err != nil || f != m("2026-02") || to != m("2026-05") {
		t.Errorf("a coordinator's range: %s–%s, %v; any months are theirs", f, to, err)
	}
	r, err := s.Monthly(context.Background(), m("2026-04"), m("2026-06"), AudienceResearcher)
	if err != nil {
		t.Fatal(err)
	}
	var md strings.Builder
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Haven report 2026-04 – 2026-06", "For researchers: one closed calendar quarter", "### funnel: steps", "| selftests | 0 | 0 | 0 | 0 |", "### selftest: band:phq9"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the researcher's Markdown has no %q:\n%s", want, md.String())
		}
	}
}
