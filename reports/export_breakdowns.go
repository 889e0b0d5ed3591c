package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// The profile and outcome sections flattened like the monthly figures:
// BreakdownRows lists one line per count and month (the row totals under
// Month "total"), and the outcome statistics of the whole range under
// "total". A hidden count is marked Hidden: CSV and Markdown write
// Suppressed for it, never a number.

// Suppressed is written in place of a hidden count.
const Suppressed = "suppressed"

// BreakdownRows flattens a researcher's series, and the profile and
// outcome sections (none when the report has them not).
func (r *Report) BreakdownRows() []Row {
	var out []Row
	if r.Series != nil {
		for _, sr := range r.Series.Series {
			out = append(out, tableRows(sr.Table, sr.Module, sr.Figure)...)
		}
	}
	if r.Profile != nil {
		for _, m := range r.Profile.Modules {
			for _, b := range m.Breakdowns {
				out = append(out, tableRows(b.Table, "profile_"+m.Module, b.Question)...)
			}
		}
	}
	if r.Outcomes != nil {
		for _, sec := range []struct {
			module string
			cs     []Comparison
		}{{"outcome_selfhelp", r.Outcomes.Selfhelp}, {"outcome_guidance", r.Outcomes.Guidance}} {
			for _, c := range sec.cs {
				name := c.From + "_to_" + c.To
				out = append(out, tableRows(c.Change, sec.module, name+"_change")...)
				out = append(out, tableRows(c.Recovery, sec.module, name+"_recovery")...)
				stat := func(figure string, v *float64, count bool) {
					out = append(out, Row{Month: TotalMonth, Module: sec.module, Figure: name + "_" + figure, Value: v, Count: count})
				}
				intStat := func(figure string, n *int) {
					if n == nil {
						out = append(out, Row{Month: TotalMonth, Module: sec.module, Figure: name + "_" + figure, Count: true, Hidden: true})
						return
					}
					stat(figure, num(float64(*n)), true)
				}
				intStat("n", c.N)
				intStat("eligible", c.Eligible)
				stat("lost_share", c.LostShare, false)
				stat("reliably_improved_share", c.ReliablyImprovedShare, false)
				stat("reliably_deteriorated_share", c.DeterioratedShare, false)
				stat("recovered_share", c.RecoveredShare, false)
				var st OutcomeStats
				if c.Stats != nil {
					st = *c.Stats
				}
				stat("mean_pre", st.MeanPre, false)
				stat("mean_post", st.MeanPost, false)
				stat("mean_change", st.MeanChange, false)
				stat("hedges_g", st.Effect.G, false)
				stat("hedges_g_ci_low", st.Effect.CILow, false)
				stat("hedges_g_ci_high", st.Effect.CIHigh, false)
			}
		}
	}
	return out
}

// tableRows are a suppressed table's counts, month by month, then the
// row totals as Month "total".
func tableRows(t SuppressedTable, module, figure string) []Row {
	var out []Row
	row := func(month, key string, c PublishedCount) {
		r := Row{Month: month, Module: module, Figure: figure, Key: key, Count: true, Hidden: c.Hidden()}
		if !r.Hidden {
			r.Value = num(float64(*c.N))
		}
		out = append(out, r)
	}
	for j, col := range t.Cols {
		for i, name := range t.Rows {
			row(col, name, t.Cells[i][j])
		}
	}
	for i, name := range t.Rows {
		row(TotalMonth, name, t.RowTotals[i])
	}
	return out
}

// writeBreakdownsMarkdown writes each breakdown as a table, answers by
// months and total.
func writeBreakdownsMarkdown(sb *strings.Builder, r *Report) {
	if r.Series == nil && r.Profile == nil && r.Outcomes == nil {
		return
	}
	threshold := DefaultThreshold
	table := func(heading string, t SuppressedTable) {
		threshold = t.Threshold
		fmt.Fprintf(sb, "\n### %s\n\n| |", heading)
		for _, c := range t.Cols {
			sb.WriteString(" " + c + " |")
		}
		sb.WriteString(" total |\n|---|")
		for range len(t.Cols) + 1 {
			sb.WriteString("---:|")
		}
		sb.WriteString("\n")
		for i, name := range t.Rows {
			sb.WriteString("| " + name + " |")
			for _, c := range append(t.Cells[i], t.RowTotals[i]) {
				sb.WriteString(" " + countText(c) + " |")
			}
			sb.WriteString("\n")
		}
		sb.WriteString("| total |")
		for _, c := range append(t.ColTotals, t.Total) {
			sb.WriteString(" " + countText(c) + " |")
		}
		sb.WriteString("\n")
	}
	if r.Series != nil {
		sb.WriteString("\n## Counts by month\n")
		for _, sr := range r.Series.Series {
			table(sr.Module+": "+sr.Figure, sr.Table)
		}
	}
	if r.Profile != nil {
		sb.WriteString("\n## Profile\n")
		for _, m := range r.Profile.Modules {
			for _, b := range m.Breakdowns {
				table(fmt.Sprintf("%s (%s): %s", m.Module, m.Unit, b.Question), b.Table)
			}
		}
	}
	if r.Outcomes != nil {
		sb.WriteString("\n## Outcomes (PHQ-9)\n")
		for _, sec := range []struct {
			module string
			cs     []Comparison
		}{{"self-help", r.Outcomes.Selfhelp}, {"guidance", r.Outcomes.Guidance}} {
			for _, c := range sec.cs {
				name := fmt.Sprintf("%s, %s to %s", sec.module, c.From, c.To)
				table(name+": reliable change (6 points)", c.Change)
				table(name+": recovery (from 10 or more to under 10)", c.Recovery)
				fmt.Fprintf(sb, "\n%s over the range: n %s, eligible %s, lost to follow-up %s", name, intText(c.N), intText(c.Eligible), numText(c.LostShare))
				if c.Stats != nil {
					e := c.Stats.Effect
					fmt.Fprintf(sb, "; mean change %s, Hedges' g %s (95%% CI %s to %s)", numText(c.Stats.MeanChange), numText(e.G), numText(e.CILow), numText(e.CIHigh))
				} else {
					fmt.Fprintf(sb, "; no statistics (%s)", c.NotComputable)
				}
				sb.WriteString(".\n")
			}
		}
	}
	fmt.Fprintf(sb, "\n`%s`: a count under %d, or one hidden so that such a count cannot be worked out from the totals or the other months — hidden to protect privacy.\n", Suppressed, threshold)
}

func countText(c PublishedCount) string {
	if c.Hidden() {
		return Suppressed
	}
	return strconv.Itoa(*c.N)
}

func intText(n *int) string {
	if n == nil {
		return Suppressed
	}
	return strconv.Itoa(*n)
}

func numText(x *float64) string {
	if x == nil {
		return "–"
	}
	return strconv.FormatFloat(*x, 'f', 3, 64)
}
