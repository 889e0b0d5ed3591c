package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Row is one figure of one month (or of the total, Month "total"), the
// report flattened: what the CSV holds, one line each.
type Row struct {
	Month string
	// Module is info, selftest, selfhelp, guidance or funnel.
	Module string
	Figure string
	// Key names the breakdown (instrument, band, reason, step), or "".
	Key string
	// Value is nil for a median or share that rests on nobody.
	Value *float64
	// Count: an additive count (a total is the sum of its months); false
	// for medians and shares.
	Count bool
	// Hidden: a count suppressed to protect privacy (Value is nil).
	Hidden bool
}

// TotalMonth is the Month of the total's rows.
const TotalMonth = "total"

// Rows flattens the report: every month's figures in order, then the
// total's.
func (r *Report) Rows() []Row {
	var out []Row
	for _, m := range r.Months {
		out = append(out, figureRows(m.Month, m)...)
	}
	if r.Total == nil {
		return out
	}
	return append(out, figureRows(TotalMonth, *r.Total)...)
}

func figureRows(month string, f Figures) []Row {
	var out []Row
	n := func(module, figure, key string, v int64) {
		x := float64(v)
		out = append(out, Row{Month: month, Module: module, Figure: figure, Key: key, Value: &x, Count: true})
	}
	med := func(module, figure string, m Median) {
		out = append(out, Row{Month: month, Module: module, Figure: figure, Value: m.Value})
		n(module, figure+"_n", "", m.N)
	}
	n("info", "page_views", "", f.Reach.PageViews)
	n("info", "visitor_days", "", f.Reach.VisitorDays)
	n("selftest", "completed", "", f.Reach.SelfTests)
	n("selftest", "crisis", "", f.Reach.SelfTestsCrisis)
	for _, in := range f.Reach.Instruments {
		n("selftest", "completed", in.Instrument, in.Completed)
		n("selftest", "crisis", in.Instrument, in.Crisis)
		for _, b := range in.Bands {
			n("selftest", "band", in.Instrument+"/"+b.Key, b.N)
		}
	}
	n("selfhelp", "starters", "", f.Selfhelp.Starters)
	n("selfhelp", "lessons_completed", "", f.Selfhelp.LessonsCompleted)
	n("selfhelp", "courses_completed", "", f.Selfhelp.CoursesCompleted)
	n("selfhelp", "lapses", "", f.Selfhelp.Lapses)
	n("selfhelp", "returns_after_nudge", "", f.Selfhelp.Returns)
	med("selfhelp", "median_lessons_per_starter", f.Selfhelp.LessonsPerStarter)
	g := f.Guidance
	n("guidance", "applications", "", g.Applications)
	n("guidance", "entrants", "", g.Entrants)
	n("guidance", "completed", "", g.Completed)
	n("guidance", "early_exits", "", g.EarlyExits)
	for _, c := range g.ExitsByReason {
		n("guidance", "early_exits", c.Key, c.N)
	}
	n("guidance", "referrals", "", g.Referrals)
	for _, c := range g.ReferralsByReason {
		n("guidance", "referrals", c.Key, c.N)
	}
	n("guidance", "withdrawn", "", g.Withdrawn)
	n("guidance", "extensions", "", g.Extensions)
	med("guidance", "median_days_to_start", g.DaysToStart)
	med("guidance", "median_days_to_first_contact", g.DaysToFirstContact)
	med("guidance", "median_days_from_selftest", g.DaysFromSelftest)
	med("guidance", "median_days_in_care", g.DaysInCare)
	med("guidance", "median_messages_from_client", g.MessagesFromClient)
	med("guidance", "median_messages_from_clinician", g.MessagesFromClinician)
	n("guidance", "reply_waits", "", g.Replies.Waits)
	n("guidance", "reply_waits", "in_target", g.Replies.InTarget)
	n("guidance", "reply_waits", "late", g.Replies.Late)
	n("guidance", "reply_waits", "overdue", g.Replies.Overdue)
	n("guidance", "reply_waits", "open", g.Replies.Open)
	med("guidance", "median_hours_to_reply", g.Replies.HoursToReply)
	for _, s := range f.Funnel {
		n("funnel", "n", s.Step, s.N)
		out = append(out, Row{Month: month, Module: "funnel", Figure: "share", Key: s.Step, Value: s.Share})
	}
	return out
}

// formatValue writes a count as an integer, a median or share with its
// decimals, and nothing for a missing value.
func formatValue(r Row) string {
	switch {
	case r.Hidden:
		return Suppressed
	case r.Value == nil:
		return ""
	case r.Count:
		return strconv.FormatInt(int64(*r.Value), 10)
	}
	return strconv.FormatFloat(*r.Value, 'f', -1, 64)
}

// WriteCSV writes the report as CSV, one figure a line:
// month,module,figure,key,value (the total's month is "total"; an empty
// value is a median or share that rests on nobody). The profile and
// outcome breakdowns follow the monthly figures (BreakdownRows), a hidden
// count written "suppressed".
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"month", "module", "figure", "key", "value"}); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	for _, row := range append(r.Rows(), r.BreakdownRows()...) {
		if err := cw.Write([]string{row.Month, row.Module, row.Figure, row.Key, formatValue(row)}); err != nil {
			return fmt.Errorf("reports: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	return nil
}

// WriteMarkdown writes the report as a Markdown table: a line per figure,
// a column per month and one for the total; then each profile and outcome
// breakdown as its own table.
func WriteMarkdown(w io.Writer, r *Report) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "# Haven report %s – %s\n\nMonths in %s; generated %s. Visitor-days count a person again on each day they come back. Totals are the sums of the months; a total's median is over everyone of the range.\n",
		r.From, r.To, r.TimeZone, r.GeneratedAt.Format("2006-01-02 15:04 MST"))
	if r.Total == nil { // a researcher's: every count in a suppressed series
		fmt.Fprintf(&sb, "\nFor researchers: one closed calendar quarter; a count below the threshold, and what would give it away, is written %q; no medians or shares.\n", Suppressed)
		writeBreakdownsMarkdown(&sb, r)
		_, err := io.WriteString(w, sb.String())
		return err
	}
	sb.WriteString("\n")
	sb.WriteString("| module | figure | key |")
	for _, m := range r.Months {
		sb.WriteString(" " + m.Month + " |")
	}
	sb.WriteString(" total |\n|---|---|---|")
	for range len(r.Months) + 1 {
		sb.WriteString("---:|")
	}
	sb.WriteString("\n")
	per := 0
	if r.Total != nil {
		per = len(figureRows("", *r.Total))
	}
	rows := r.Rows()
	for i := range per {
		head := rows[i]
		fmt.Fprintf(&sb, "| %s | %s | %s |", head.Module, head.Figure, head.Key)
		for m := 0; m <= len(r.Months); m++ {
			sb.WriteString(" " + formatValue(rows[m*per+i]) + " |")
		}
		sb.WriteString("\n")
	}
	writeBreakdownsMarkdown(&sb, r)
	_, err := io.WriteString(w, sb.String())
	return err
}
