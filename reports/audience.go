package reports

import (
	"slices"

	"github.com/haven-mh/haven/auth"
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
	r.Series = sec
	r.Months, r.Total = []Figures{}, nil
}
