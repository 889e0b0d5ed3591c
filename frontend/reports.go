package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/authz"
	"github.com/haven-mh/haven/reports"
)

// The monthly report for coordinators: a form for the range, then per
// module a table of every month and the total, with bar charts drawn on
// the server as inline SVG (each beside the table that holds its numbers),
// a CSV download and a print stylesheet. No JavaScript. Researchers get
// the same page built from their report: no exact table or chart, every
// count in a suppressed series (reports_breakdowns.go).
//
// URLs, under /{lang} (coordinators and researchers):
//
//	GET /reports?from=YYYY-MM&to=YYYY-MM       the page
//	GET /reports/csv?from=YYYY-MM&to=YYYY-MM   the CSV download

// reportsKeys are the message ids the page builds.
func reportsKeys() []string {
	var ids []string
	for _, k := range reports.FunnelSteps {
		ids = append(ids, "reports.step."+k)
	}
	ids = append(ids, breakdownKeys()...)
	return append(ids, "reports.reason."+reports.ReasonUnknown)
}

type reportsView struct {
	From, To  string
	Hint      string // the form fields' hint
	FromError string
	ToError   string
	CSV       string
	Lead      string
	Tables    []reportTable
	// Breakdowns are the profile and outcome sections
	// (reports_breakdowns.go); HiddenNote explains their hidden counts.
	Breakdowns []breakdownSection
	HiddenNote string
	TotalsNote string
}

// reportTable is one module's table: a row per month, then the total.
type reportTable struct {
	ID      string
	Heading string
	Caption string
	Notes   []string
	Head    []string
	Rows    []reportRow
	// Charts drawn from this table, shown above it.
	Charts []barChartView
}

type reportRow struct {
	Label string
	Total bool
	Cells []reportCell
}

type reportCell struct {
	Label string // the column, for the stacked layout on a phone
	Value string
}

func (s *Site) reportsPage(c *gin.Context) {
	v := s.staffView(c, "reports.title", "/reports")
	aud := reportAudience(c)
	from, to, err := s.Reports.Range(aud, c.Query("from"), c.Query("to"))
	rv := reportsView{From: c.Query("from"), To: c.Query("to"), Hint: v.T("reports.form.hint")}
	fromError, toError := "reports.error.from", "reports.error.to"
	if aud == reports.AudienceResearcher {
		rv.Hint, fromError, toError = v.T("reports.form.hint_researcher"), "reports.error.quarter_from", "reports.error.quarter_to"
	}
	var fe fieldErrors
	if errors.As(err, &fe) {
		if _, bad := fe.FieldErrors()["from"]; bad {
			rv.FromError = v.T(fromError)
			v.Errors = append(v.Errors, errorLink{Href: "#from", Text: rv.FromError})
		}
		if _, bad := fe.FieldErrors()["to"]; bad {
			rv.ToError = v.T(toError)
			v.Errors = append(v.Errors, errorLink{Href: "#to", Text: rv.ToError})
		}
		v.Data = rv
		s.render(c, http.StatusUnprocessableEntity, "reports", v)
		return
	}
	r, err := s.Reports.Monthly(c.Request.Context(), from, to, aud)
	if err != nil {
		s.serverError(c, err)
		return
	}
	rv.From, rv.To = from.String(), to.String()
	rv.CSV = v.Href("/reports/csv") + "?from=" + rv.From + "&to=" + rv.To
	rv.Lead = v.T("reports.lead", "From", rv.From, "To", rv.To, "Zone", r.TimeZone)
	rv.TotalsNote = v.T("reports.totals_note")
	if r.Audience == reports.AudienceResearcher {
		rv.TotalsNote = v.T("reports.researcher_note", "N", s.Reports.MinCell())
	}
	s.buildReport(v, r, &rv)
	s.buildBreakdowns(v, r, &rv)
	v.Data = rv
	s.render(c, http.StatusOK, "reports", v)
}

// reportsCSV is the report as a CSV download (reports.WriteCSV's format,
// the same as the API's).
func (s *Site) reportsCSV(c *gin.Context) {
	aud := reportAudience(c)
	from, to, err := s.Reports.Range(aud, c.Query("from"), c.Query("to"))
	if err != nil {
		// The page says what is wrong with the range.
		q := url.Values{"from": {c.Query("from")}, "to": {c.Query("to")}}
		redirect(c, http.StatusSeeOther, "/"+s.langOf(c)+"/reports?"+q.Encode())
		return
	}
	r, err := s.Reports.Monthly(c.Request.Context(), from, to, aud)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, r); err != nil {
		s.serverError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="haven-report-`+from.String()+`-`+to.String()+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// reportAudience is the signed-in reader's audience (the routes admit
// coordinators and researchers only).
func reportAudience(c *gin.Context) reports.Audience {
	p, _ := authz.Principal(c)
	return reports.AudienceFor(p.Role)
}

func (s *Site) buildReport(v *view, r *reports.Report, rv *reportsView) {
	if r.Total == nil {
		return // a researcher's: the series (reports_breakdowns.go)
	}
	all := append(append([]reports.Figures{}, r.Months...), *r.Total)
	label := func(i int) (string, bool) {
		if i == len(r.Months) {
			return v.T("reports.total"), true
		}
		return r.Months[i].Month, false
	}
	table := func(id, heading string, head []string, cells func(f reports.Figures) []string) reportTable {
		t := reportTable{ID: id, Heading: heading, Caption: heading, Head: append([]string{v.T("reports.col.month")}, head...)}
		for i, f := range all {
			l, total := label(i)
			row := reportRow{Label: l, Total: total}
			for j, x := range cells(f) {
				row.Cells = append(row.Cells, reportCell{Label: head[j], Value: x})
			}
			t.Rows = append(t.Rows, row)
		}
		return t
	}
	n := func(x int64) string { return strconv.FormatInt(x, 10) }
	med := func(m reports.Median) string {
		if m.Value == nil {
			return "–"
		}
		return v.T("reports.median", "Value", strconv.FormatFloat(*m.Value, 'f', -1, 64), "N", m.N)
	}
	monthly := func(id, title string, value func(f reports.Figures) int64) barChartView {
		var bars []barDatum
		for _, f := range r.Months {
			bars = append(bars, barDatum{Label: f.Month, Value: value(f)})
		}
		return columnChart(id, title, v.T("reports.chart.desc", "Table", title), bars)
	}

	reach := table("reach", v.T("reports.reach.title"), []string{v.T("reports.col.page_views"), v.T("reports.col.visitor_days"),
		v.T("reports.col.selftests"), v.T("reports.col.crisis")}, func(f reports.Figures) []string {
		return []string{n(f.Reach.PageViews), n(f.Reach.VisitorDays), n(f.Reach.SelfTests), n(f.Reach.SelfTestsCrisis)}
	})
	reach.Notes = []string{v.T("reports.reach.visitor_days")}
	reach.Charts = []barChartView{
		monthly("chart-visitors", v.T("reports.chart.visitors"), func(f reports.Figures) int64 { return f.Reach.VisitorDays }),
		monthly("chart-selftests", v.T("reports.chart.selftests"), func(f reports.Figures) int64 { return f.Reach.SelfTests }),
	}
	rv.Tables = append(rv.Tables, reach)

	for k, in := range r.Total.Reach.Instruments {
		name := s.caseInstrument(in.Instrument)
		var head []string
		for _, b := range in.Bands {
			head = append(head, s.caseBand(v, in.Instrument, b.Key))
		}
		head = append(head, v.T("reports.col.completed"), v.T("reports.col.crisis"))
		rv.Tables = append(rv.Tables, table("selftest-"+in.Instrument, v.T("reports.selftest.title", "Instrument", name), head,
			func(f reports.Figures) []string {
				ic := f.Reach.Instruments[k]
				var out []string
				for _, b := range ic.Bands {
					out = append(out, n(b.N))
				}
				return append(out, n(ic.Completed), n(ic.Crisis))
			}))
	}

	sh := table("selfhelp", v.T("reports.selfhelp.title"), []string{v.T("reports.col.starters"), v.T("reports.col.lessons"),
		v.T("reports.col.courses"), v.T("reports.col.lapses"), v.T("reports.col.returns"), v.T("reports.col.lessons_per_starter")}, func(f reports.Figures) []string {
		return []string{n(f.Selfhelp.Starters), n(f.Selfhelp.LessonsCompleted), n(f.Selfhelp.CoursesCompleted), n(f.Selfhelp.Lapses),
			n(f.Selfhelp.Returns), med(f.Selfhelp.LessonsPerStarter)}
	})
	sh.Notes = []string{v.T("reports.selfhelp.note")}
	sh.Charts = []barChartView{monthly("chart-starters", v.T("reports.chart.starters"), func(f reports.Figures) int64 { return f.Selfhelp.Starters })}
	rv.Tables = append(rv.Tables, sh)

	gd := table("guidance", v.T("reports.guidance.title"), []string{v.T("reports.col.applications"), v.T("reports.col.entrants"),
		v.T("reports.col.completed_trajectories"), v.T("reports.col.early_exits"), v.T("reports.col.referrals"), v.T("reports.col.withdrawn"),
		v.T("reports.col.extensions"), v.T("reports.col.days_to_start"), v.T("reports.col.days_to_contact"),
		v.T("reports.col.days_from_selftest")}, func(f reports.Figures) []string {
		g := f.Guidance
		return []string{n(g.Applications), n(g.Entrants), n(g.Completed), n(g.EarlyExits), n(g.Referrals), n(g.Withdrawn), n(g.Extensions),
			med(g.DaysToStart), med(g.DaysToFirstContact), med(g.DaysFromSelftest)}
	})
	gd.Notes = []string{v.T("reports.guidance.note"), v.T("reports.guidance.selftest_note"), v.T("reports.median_note")}
	gd.Charts = []barChartView{monthly("chart-entrants", v.T("reports.chart.entrants"), func(f reports.Figures) int64 { return f.Guidance.Entrants })}
	rv.Tables = append(rv.Tables, gd)
	care := table("guidance-care", v.T("reports.care.title"), []string{v.T("reports.col.days_in_care"), v.T("reports.col.messages_client"),
		v.T("reports.col.messages_clinician")}, func(f reports.Figures) []string {
		g := f.Guidance
		return []string{med(g.DaysInCare), med(g.MessagesFromClient), med(g.MessagesFromClinician)}
	})
	care.Notes = []string{v.T("reports.care.note")}
	rv.Tables = append(rv.Tables, care)
	replies := table("guidance-replies", v.T("reports.replies.title"), []string{v.T("reports.col.reply_waits"), v.T("reports.replies.in_target"),
		v.T("reports.replies.late"), v.T("reports.replies.overdue"), v.T("reports.replies.open"), v.T("reports.col.hours_to_reply")}, func(f reports.Figures) []string {
		rp := f.Guidance.Replies
		return []string{n(rp.Waits), n(rp.InTarget), n(rp.Late), n(rp.Overdue), n(rp.Open), med(rp.HoursToReply)}
	})
	replies.Notes = []string{v.T("reports.replies.note", "Days", r.ReplyTargetDays)}
	rv.Tables = append(rv.Tables, replies)

	reason := func(key string) string {
		if key == reports.ReasonUnknown {
			return v.T("reports.reason." + key)
		}
		return v.T("caseload.reason." + key)
	}
	byReason := func(id, title string, counts func(f reports.Figures) []reports.Count) reportTable {
		var head []string
		for _, c := range counts(*r.Total) {
			head = append(head, reason(c.Key))
		}
		return table(id, title, head, func(f reports.Figures) []string {
			var out []string
			for _, c := range counts(f) {
				out = append(out, n(c.N))
			}
			return out
		})
	}
	exits := byReason("exits", v.T("reports.exits.title"), func(f reports.Figures) []reports.Count { return f.Guidance.ExitsByReason })
	var exitBars []barDatum
	for _, c := range r.Total.Guidance.ExitsByReason {
		exitBars = append(exitBars, barDatum{Label: reason(c.Key), Value: c.N})
	}
	exits.Charts = []barChartView{barChart("chart-exits", v.T("reports.chart.exits"), v.T("reports.chart.desc", "Table", v.T("reports.exits.title")), exitBars)}
	rv.Tables = append(rv.Tables, exits,
		byReason("referrals", v.T("reports.referrals.title"), func(f reports.Figures) []reports.Count { return f.Guidance.ReferralsByReason }))

	var steps []string
	for _, st := range reports.FunnelSteps {
		steps = append(steps, v.T("reports.step."+st))
	}
	funnel := table("funnel", v.T("reports.funnel.title"), steps, func(f reports.Figures) []string {
		var out []string
		for _, st := range f.Funnel {
			x := n(st.N)
			if st.Share != nil {
				x = v.T("reports.share", "N", st.N, "Percent", strconv.FormatFloat(*st.Share*100, 'f', 1, 64))
			}
			out = append(out, x)
		}
		return out
	})
	funnel.Notes = []string{v.T("reports.funnel.note")}
	var funnelBars []barDatum
	for i, st := range r.Total.Funnel {
		funnelBars = append(funnelBars, barDatum{Label: steps[i], Value: st.N})
	}
	funnel.Charts = []barChartView{barChart("chart-funnel", v.T("reports.chart.funnel"), v.T("reports.chart.desc", "Table", v.T("reports.funnel.title")), funnelBars)}
	rv.Tables = append(rv.Tables, funnel)
}

// A bar chart drawn on the server: geometry computed here, the template
// only places it. Colours come from the stylesheet (no inline style).
type barChartView struct {
	ID, Title, Desc string
	Width, Height   int
	Bars            []barShape
	// Horizontal: bars from the left with their labels before them (the
	// funnel, the reasons); otherwise columns per month.
	Horizontal bool
	BaseY      int
}

type barDatum struct {
	Label string
	Value int64
}

type barShape struct {
	X, Y, W, H     int
	Label, Value   string
	LabelX, LabelY int
	ValueX, ValueY int
	ShowLabel      bool
}

const (
	chartWidth  = 840
	chartHeight = 240
	chartLabelW = 400 // the labels' column in a horizontal chart
	chartRow    = 28
)

// columnChart draws one column per month (labels thinned so they do not
// overlap when there are many months).
func columnChart(id, title, desc string, bars []barDatum) barChartView {
	cv := barChartView{ID: id, Title: title, Desc: desc, Width: chartWidth, Height: chartHeight, BaseY: chartHeight - 30}
	maxV := maxValue(bars)
	slot := float64(chartWidth-20) / float64(max(len(bars), 1))
	every := max(1, int(60/slot)+1) // a label needs about 60 units
	area := cv.BaseY - 20           // room above for the value
	for i, b := range bars {
		h := int(float64(area) * float64(b.Value) / float64(maxV))
		x := 10 + int(float64(i)*slot+slot*0.15)
		w := max(1, int(slot*0.7))
		cv.Bars = append(cv.Bars, barShape{X: x, Y: cv.BaseY - h, W: w, H: h, Label: b.Label, Value: strconv.FormatInt(b.Value, 10),
			LabelX: x + w/2, LabelY: cv.BaseY + 18, ValueX: x + w/2, ValueY: cv.BaseY - h - 4, ShowLabel: i%every == 0})
	}
	return cv
}

// barChart draws horizontal bars, one a row, label on the left.
func barChart(id, title, desc string, bars []barDatum) barChartView {
	cv := barChartView{ID: id, Title: title, Desc: desc, Width: chartWidth, Height: len(bars)*chartRow + 10, Horizontal: true}
	maxV := maxValue(bars)
	area := chartWidth - chartLabelW - 60
	for i, b := range bars {
		w := int(float64(area) * float64(b.Value) / float64(maxV))
		y := 5 + i*chartRow
		cv.Bars = append(cv.Bars, barShape{X: chartLabelW, Y: y + 4, W: w, H: chartRow - 8, Label: b.Label, Value: strconv.FormatInt(b.Value, 10),
			LabelX: chartLabelW - 8, LabelY: y + chartRow/2 + 5, ValueX: chartLabelW + w + 6, ValueY: y + chartRow/2 + 5, ShowLabel: true})
	}
	return cv
}

func maxValue(bars []barDatum) int64 {
	m := int64(1)
	for _, b := range bars {
		m = max(m, b.Value)
	}
	return m
}

// ViewBox is the chart's coordinate system.
func (c barChartView) ViewBox() string { return fmt.Sprintf("0 0 %d %d", c.Width, c.Height) }
