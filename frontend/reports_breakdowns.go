package frontend

import (
	"strconv"
	"strings"

	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/reports"
)

// The report's profile and outcome sections: a table per profile question
// (answers by month, with totals) for each module, and the outcomes of
// self-help and guided care (a summary row per comparison, then its
// monthly tables). A count the domain suppressed is not in the report at
// all; the page writes a marker for it, explained beside every table.

// breakdownSection is one module's profile, or the outcomes.
type breakdownSection struct {
	ID      string
	Heading string
	Notes   []string
	// Summary is the outcomes' summary table (nil for a profile).
	Summary *reportTable
	Tables  []matrixTable
}

// matrixTable is a suppressed table: a row per answer, a column per month
// and one for the total, then the totals row.
type matrixTable struct {
	ID      string
	Caption string
	Note    string
	Head    []string
	Rows    []reportRow
}

// breakdownKeys are the message ids the sections build.
func breakdownKeys() []string {
	ids := []string{"reports.profile.not_answered", "reports.outcomes.cohort.selfhelp", "reports.outcomes.cohort.guidance"}
	for _, m := range []string{reports.ProfileSelftest, reports.ProfileSelfhelp, reports.ProfileGuidance} {
		ids = append(ids, "reports.profile.module."+m, "reports.profile.unit."+m)
	}
	for _, q := range reports.ProfileQuestionOrder {
		ids = append(ids, "reports.profile.question."+q)
	}
	for _, p := range []string{"start", "end", coaching.PointIntake, coaching.PointFollowUp3, coaching.PointFollowUp12} {
		ids = append(ids, "reports.outcomes.point."+p)
	}
	for _, r := range []string{reports.RowReliablyImproved, reports.RowNoReliableChange, reports.RowReliablyDeteriorated,
		reports.RowNotMeasured, reports.RowRecovered, reports.RowNotRecovered} {
		ids = append(ids, "reports.outcomes.row."+r)
	}
	for _, r := range []string{reports.NotComputableTooFew, reports.NotComputableNoPreSD, reports.NotComputableNoPostSD, reports.NotComputableSuppressed} {
		ids = append(ids, "reports.outcomes.not_computable."+r)
	}
	return ids
}

// matrixFunc lays a suppressed table out (buildBreakdowns' matrix).
type matrixFunc func(id, caption, corner string, t reports.SuppressedTable, rowLabel func(string) string) matrixTable

func (s *Site) buildBreakdowns(v *view, r *reports.Report, rv *reportsView) {
	threshold := 0
	hidden := v.T("reports.hidden")
	count := func(c reports.PublishedCount) string {
		if c.Hidden() {
			return hidden
		}
		return strconv.Itoa(*c.N)
	}
	var matrix matrixFunc = func(id, caption, corner string, t reports.SuppressedTable, rowLabel func(string) string) matrixTable {
		threshold = t.Threshold
		mt := matrixTable{ID: id, Caption: caption, Head: append(append([]string{corner}, t.Cols...), v.T("reports.total"))}
		for i, name := range t.Rows {
			row := reportRow{Label: rowLabel(name)}
			for j, c := range append(append([]reports.PublishedCount{}, t.Cells[i]...), t.RowTotals[i]) {
				row.Cells = append(row.Cells, reportCell{Label: mt.Head[j+1], Value: count(c)})
			}
			mt.Rows = append(mt.Rows, row)
		}
		total := reportRow{Label: v.T("reports.total"), Total: true}
		for j, c := range append(append([]reports.PublishedCount{}, t.ColTotals...), t.Total) {
			total.Cells = append(total.Cells, reportCell{Label: mt.Head[j+1], Value: count(c)})
		}
		mt.Rows = append(mt.Rows, total)
		return mt
	}
	percent := func(x *float64) string {
		return v.T("reports.percent", "Percent", strconv.FormatFloat(*x*100, 'f', 1, 64))
	}

	if r.Series != nil {
		s.buildSeries(v, r.Series, matrix, rv)
	}
	if r.Profile != nil {
		answer := func(q string) func(string) string {
			return func(a string) string {
				switch {
				case a == reports.NotAnswered:
					return v.T("reports.profile.not_answered")
				case q == reports.QuestionSeverity:
					in, band, ok := strings.Cut(a, ":")
					if !ok {
						return a
					}
					return s.caseInstrument(in) + ": " + s.caseBand(v, in, band)
				}
				if out, ok := v.site.msgs.translate(v.Lang, "profile."+q+"."+a); ok {
					return out
				}
				return a // an answer no longer offered
			}
		}
		for _, m := range r.Profile.Modules {
			sec := breakdownSection{ID: "profile-" + m.Module, Heading: v.T("reports.profile.module." + m.Module),
				Notes: []string{v.T("reports.profile.unit." + m.Module)}}
			for _, b := range m.Breakdowns {
				q := v.T("reports.profile.question." + b.Question)
				mt := matrix(sec.ID+"-"+b.Question, q, v.T("reports.profile.col.answer"), b.Table, answer(b.Question))
				if b.NotAnsweredShare != nil {
					mt.Note = v.T("reports.profile.not_answered_share", "Percent", percent(b.NotAnsweredShare))
				}
				sec.Tables = append(sec.Tables, mt)
			}
			rv.Breakdowns = append(rv.Breakdowns, sec)
		}
	}

	if r.Outcomes != nil {
		sec := breakdownSection{ID: "outcomes", Heading: v.T("reports.outcomes.title"), Notes: []string{v.T("reports.outcomes.note")}}
		head := []string{v.T("reports.outcomes.col.measured"), v.T("reports.outcomes.col.mean_change"), v.T("reports.outcomes.col.g"),
			v.T("reports.outcomes.col.improved"), v.T("reports.outcomes.col.deteriorated"), v.T("reports.outcomes.col.recovered"),
			v.T("reports.outcomes.col.lost")}
		summary := reportTable{ID: "outcomes-summary", Heading: v.T("reports.outcomes.summary"), Caption: v.T("reports.outcomes.summary"),
			Head: append([]string{v.T("reports.outcomes.col.comparison")}, head...)}
		// share is a share the domain gave, or the reason it did not: a
		// count hidden, or nobody to share among.
		share := func(x *float64, none bool) string {
			switch {
			case x != nil:
				return percent(x)
			case none:
				return "–"
			}
			return hidden
		}
		zero := func(n *int) bool { return n != nil && *n == 0 }
		rowLabel := func(k string) string { return v.T("reports.outcomes.row." + k) }
		for _, grp := range []struct {
			module string
			cs     []reports.Comparison
		}{{"selfhelp", r.Outcomes.Selfhelp}, {"guidance", r.Outcomes.Guidance}} {
			// The cohort's month: self-help's start, guided care's end.
			cohort := v.T("reports.outcomes.cohort." + grp.module)
			for _, c := range grp.cs {
				name := v.T("reports.outcomes.comparison."+grp.module, "From", v.T("reports.outcomes.point."+c.From),
					"To", v.T("reports.outcomes.point."+c.To))
				measured := hidden
				if c.N != nil {
					measured = strconv.Itoa(*c.N)
				}
				meanChange, g := "–", "–"
				if c.Stats != nil {
					if c.Stats.MeanChange != nil {
						meanChange = strconv.FormatFloat(*c.Stats.MeanChange, 'f', 1, 64)
					}
					if e := c.Stats.Effect; e.G != nil {
						g = strconv.FormatFloat(*e.G, 'f', 2, 64)
						if e.CILow != nil && e.CIHigh != nil {
							g = v.T("reports.outcomes.g_ci", "G", g, "Low", strconv.FormatFloat(*e.CILow, 'f', 2, 64),
								"High", strconv.FormatFloat(*e.CIHigh, 'f', 2, 64))
						}
					}
				}
				if c.Stats == nil || c.Stats.Effect.G == nil {
					reason := c.NotComputable
					if c.Stats != nil {
						reason = c.Stats.Effect.Reason
					}
					if reason != "" {
						g = v.T("reports.outcomes.not_computable."+reason, "N", c.Threshold)
						if c.Stats == nil {
							meanChange = g
						}
					}
				}
				cells := []string{measured, meanChange, g, share(c.ReliablyImprovedShare, zero(c.N)), share(c.DeterioratedShare, zero(c.N)),
					share(c.RecoveredShare, !c.Recovery.Total.Hidden() && *c.Recovery.Total.N == 0), share(c.LostShare, zero(c.Eligible))}
				row := reportRow{Label: name}
				for j, x := range cells {
					row.Cells = append(row.Cells, reportCell{Label: head[j], Value: x})
				}
				summary.Rows = append(summary.Rows, row)
				id := "outcomes-" + grp.module + "-" + c.To
				sec.Tables = append(sec.Tables,
					matrix(id+"-change", v.T("reports.outcomes.change", "Comparison", name, "Cohort", cohort), v.T("reports.outcomes.col.change"), c.Change, rowLabel),
					matrix(id+"-recovery", v.T("reports.outcomes.recovery", "Comparison", name, "Cohort", cohort), v.T("reports.outcomes.col.recovery"), c.Recovery, rowLabel))
			}
		}
		sec.Summary = &summary
		rv.Breakdowns = append(rv.Breakdowns, sec)
	}
	if threshold > 0 {
		rv.HiddenNote = v.T("reports.hidden_note", "Hidden", hidden, "N", threshold)
	}
}

// seriesLabels name a researcher's series by the monthly tables' columns.
var seriesLabels = map[string]string{
	"page_views": "reports.col.page_views", "visitor_days": "reports.col.visitor_days", "crisis": "reports.col.crisis",
	"starters": "reports.col.starters", "lessons_completed": "reports.col.lessons", "courses_completed": "reports.col.courses",
	"lapses": "reports.col.lapses", "returns": "reports.col.returns", "applications": "reports.col.applications",
	"entrants": "reports.col.entrants", "completed": "reports.col.completed_trajectories", "early_exits": "reports.exits.title",
	"referrals": "reports.referrals.title", "withdrawn": "reports.col.withdrawn", "extensions": "reports.col.extensions",
	"steps": "reports.funnel.title", "replies": "reports.replies.title",
}

// buildSeries lays a researcher's series out: a section per module, a
// table per figure (its months, the total), every count suppressed.
func (s *Site) buildSeries(v *view, ss *reports.SeriesSection, matrix matrixFunc, rv *reportsView) {
	headings := map[string]string{"info": "reports.reach.title", "selftest": "reports.reach.title",
		"selfhelp": "reports.selfhelp.title", "guidance": "reports.guidance.title", "funnel": "reports.funnel.title"}
	reason := func(key string) string {
		if key == reports.ReasonUnknown {
			return v.T("reports.reason." + key)
		}
		return v.T("caseload.reason." + key)
	}
	byID := map[string]int{}
	for _, sr := range ss.Series {
		heading := v.T(headings[sr.Module])
		id := "series-" + headings[sr.Module][len("reports."):len(headings[sr.Module])-len(".title")]
		i, ok := byID[id]
		if !ok {
			rv.Breakdowns = append(rv.Breakdowns, breakdownSection{ID: id, Heading: heading})
			i = len(rv.Breakdowns) - 1
			byID[id] = i
		}
		figure, instrument, _ := strings.Cut(sr.Figure, ":")
		var caption string
		rowLabel := func(string) string { return caption }
		switch {
		case figure == "band":
			caption = v.T("reports.selftest.title", "Instrument", s.caseInstrument(instrument))
			rowLabel = func(band string) string { return s.caseBand(v, instrument, band) }
		case instrument != "":
			caption = v.T(seriesLabels[figure]) + ": " + s.caseInstrument(instrument)
		default:
			caption = v.T(seriesLabels[figure])
			switch figure {
			case "early_exits", "referrals":
				rowLabel = reason
			case "steps":
				rowLabel = func(step string) string { return v.T("reports.step." + step) }
			case "replies":
				rowLabel = func(key string) string { return v.T("reports.replies." + key) }
			}
		}
		rv.Breakdowns[i].Tables = append(rv.Breakdowns[i].Tables,
			matrix(id+"-"+strings.ReplaceAll(sr.Figure, ":", "-"), caption, v.T("reports.col.figure"), sr.Table, rowLabel))
	}
}
