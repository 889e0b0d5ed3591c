package reports

import (
	"slices"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/kind"
)

// Audience is who reads a report, and so how much of it they may see.
type Audience string

const (
	// AudienceCoordinator sees every monthly count exactly; the profile
	// and outcome breakdowns are suppressed, their column totals (the
	// module's monthly counts) treated as published.
	AudienceCoordinator Audience = "coordinator"
	// AudienceResearcher sees nothing exactly: every monthly count is a
	// suppressed series (Report.Series) and the breakdowns treat no total
	// as published. Medians and shares are left out: a median of a few
	// people is one person's value.
	AudienceResearcher Audience = "researcher"
)

// AudienceFor is the audience of a role: a coordinator's, and for any
// other role a researcher's (the least exact; the routes let only
// coordinators and researchers reach a report).
func AudienceFor(role auth.Role) Audience {
	if role == auth.RoleCoordinator {
		return AudienceCoordinator
	}
	return AudienceResearcher
}

// A researcher's report covers exactly one closed calendar quarter.
//
// Suppression protects the cells of one table (suppress.go), not the
// difference between two: a researcher who could ask for January–June
// and January–May would read June's counts by subtraction, hidden or not;
// one who could ask for the current quarter on Monday and again on
// Tuesday would read Monday's self-tests by band. So a researcher gets
// fixed periods of one size only — calendar quarters, which never overlap
// — and only closed ones, whose counts no longer grow. Two requests for
// the same quarter give the same table; two for different quarters share
// no month. (Mixing sizes would reopen the hole: a year minus three of its
// quarters is the fourth.) What remains is stated in README: an account
// erased after a quarter closed lowers that quarter's counts.

// quarter is the calendar quarter holding m: its first and last month.
func quarter(m Month) (Month, Month) {
	first := Month{Year: m.Year, Month: m.Month - (m.Month-1)%3}
	return first, first.Add(2)
}

// LastClosedQuarter is the last calendar quarter that has ended (in the
// report's time zone): a researcher's default range.
func (s *Service) LastClosedQuarter() (Month, Month) {
	first, _ := quarter(MonthOf(s.now(), s.loc))
	return quarter(first.Add(-1))
}

// ResearchPeriod checks that from..to is what a researcher may see: one
// closed calendar quarter, from its first month to its last. Anything else
// is a field error naming the rule.
func (s *Service) ResearchPeriod(from, to Month) error {
	first, last := quarter(from)
	if from != first {
		return kind.Field("reports", "from", "a researcher's report covers one calendar quarter: from must be its first month (January, April, July or October)")
	}
	if to != last {
		return kind.Field("reports", "to", "a researcher's report covers one calendar quarter: to must be its last month ("+last.String()+" for from "+from.String()+")")
	}
	if current, _ := quarter(MonthOf(s.now(), s.loc)); !last.Before(current) {
		return kind.Field("reports", "to", "a researcher's report covers a quarter that has ended; the last one is "+s.lastClosed())
	}
	return nil
}

func (s *Service) lastClosed() string {
	f, t := s.LastClosedQuarter()
	return f.String() + "–" + t.String()
}

// SeriesSection holds a researcher's counts: every count of the report,
// month by month, as suppressed tables.
type SeriesSection struct {
	Series []Series `json:"series"`
}

// Series is one figure by month, or a breakdown of one (self-tests by
// band, early exits by reason), suppressed with no total published: a
// series of one figure is one row, its months the columns.
type Series struct {
	Module string          `json:"module"`
	Figure string          `json:"figure"`
	Table  SuppressedTable `json:"table"`
}

// forResearchers replaces r's exact figures by suppressed series.
func forResearchers(r *Report, opt SuppressOptions) {
	cols := make([]string, len(r.Months))
	for i, m := range r.Months {
		cols[i] = m.Month
	}
	sec := &SeriesSection{}
	one := func(module, figure string, n func(f *Figures) int64) {
		t := CountTable{Rows: []string{figure}, Cols: cols, Cells: [][]int{make([]int, len(cols))}}
		for j := range r.Months {
			t.Cells[0][j] = int(n(&r.Months[j]))
		}
		sec.Series = append(sec.Series, Series{Module: module, Figure: figure, Table: Suppress(t, opt)})
	}
	many := func(module, figure string, counts func(f *Figures) []Count) {
		var rows []string
		for _, c := range counts(r.Total) {
			rows = append(rows, c.Key)
		}
		t := CountTable{Rows: rows, Cols: cols, Cells: zeroCells(len(rows), len(cols))}
		for j := range r.Months {
			for _, c := range counts(&r.Months[j]) {
				if i := slices.Index(rows, c.Key); i >= 0 {
					t.Cells[i][j] = int(c.N)
				}
			}
		}
		sec.Series = append(sec.Series, Series{Module: module, Figure: figure, Table: Suppress(t, opt)})
	}
	one("info", "page_views", func(f *Figures) int64 { return f.Reach.PageViews })
	one("info", "visitor_days", func(f *Figures) int64 { return f.Reach.VisitorDays })
	one("selftest", "crisis", func(f *Figures) int64 { return f.Reach.SelfTestsCrisis })
	for k, in := range r.Total.Reach.Instruments {
		many("selftest", "band:"+in.Instrument, func(f *Figures) []Count { return f.Reach.Instruments[k].Bands })
		one("selftest", "crisis:"+in.Instrument, func(f *Figures) int64 { return f.Reach.Instruments[k].Crisis })
	}
	one("selfhelp", "starters", func(f *Figures) int64 { return f.Selfhelp.Starters })
	one("selfhelp", "lessons_completed", func(f *Figures) int64 { return f.Selfhelp.LessonsCompleted })
	one("selfhelp", "courses_completed", func(f *Figures) int64 { return f.Selfhelp.CoursesCompleted })
	one("selfhelp", "lapses", func(f *Figures) int64 { return f.Selfhelp.Lapses })
	one("selfhelp", "returns", func(f *Figures) int64 { return f.Selfhelp.Returns })
	one("guidance", "applications", func(f *Figures) int64 { return f.Guidance.Applications })
	one("guidance", "entrants", func(f *Figures) int64 { return f.Guidance.Entrants })
	one("guidance", "completed", func(f *Figures) int64 { return f.Guidance.Completed })
	many("guidance", "early_exits", func(f *Figures) []Count { return f.Guidance.ExitsByReason })
	many("guidance", "referrals", func(f *Figures) []Count { return f.Guidance.ReferralsByReason })
	one("guidance", "withdrawn", func(f *Figures) int64 { return f.Guidance.Withdrawn })
	one("guidance", "extensions", func(f *Figures) int64 { return f.Guidance.Extensions })
	many("guidance", "replies", func(f *Figures) []Count {
		rp := f.Guidance.Replies
		return []Count{{Key: "in_target", N: rp.InTarget}, {Key: "late", N: rp.Late}, {Key: "overdue", N: rp.Overdue}, {Key: "open", N: rp.Open}}
	})
	many("funnel", "steps", func(f *Figures) []Count {
		cs := make([]Count, len(f.Funnel))
		for i, st := range f.Funnel {
			cs[i] = Count{Key: st.Step, N: st.N}
		}
		return cs
	})
	r.Series = sec
	r.Months, r.Total = []Figures{}, nil
}
