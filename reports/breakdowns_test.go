package reports

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestMonthlyBreakdowns: the report carries the profile and outcome
// sections over its own months, suppressed at the service's threshold, and
// the self-test profile's column totals (published to a coordinator) are
// the report's own monthly self-test counts.
func TestMonthlyBreakdowns(t *testing.T) {
	f := profileFixture(t)
	stats := newTestStats(t, f, "2026-07-01 00:00")
	tests := []struct {
		name    string
		minCell int
		// want: the self-test profile's age band 25_34 in January, nil
		// when hidden.
		want *int
		// csv and md: the same count in the CSV and the Markdown.
		csv, md string
	}{
		{"threshold 1 shows everything", 1, ptr(1), "2026-01,profile_selftest,age_band,25_34,1\n", "| 25_34 | 1 | 0 | 0 | 1 |"},
		{"default threshold hides 1", 0, nil, "2026-01,profile_selftest,age_band,25_34,suppressed\n", "| 25_34 | suppressed | 0 | 0 | suppressed |"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewService(Options{Store: NewStore(f.db), Location: brussels(t), Instruments: testInstruments,
				Now: func() time.Time { return utc("2026-07-01T00:00:00Z") }, Stats: stats, MinCell: tt.minCell})
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Monthly(context.Background(), Month{2026, time.January}, Month{2026, time.March}, AudienceCoordinator)
			if err != nil {
				t.Fatal(err)
			}
			if r.Profile == nil || r.Outcomes == nil {
				t.Fatalf("profile %v, outcomes %v", r.Profile, r.Outcomes)
			}
			b := breakdown(t, r.Profile, ProfileSelftest, QuestionAgeBand)
			if got := b.Table.Cols; len(got) != 3 || got[0] != "2026-01" || got[2] != "2026-03" {
				t.Errorf("columns %v", got)
			}
			wantThreshold := tt.minCell
			if wantThreshold == 0 {
				wantThreshold = DefaultThreshold
			}
			if b.Table.Threshold != wantThreshold || s.MinCell() != wantThreshold {
				t.Errorf("threshold %d (service %d), want %d", b.Table.Threshold, s.MinCell(), wantThreshold)
			}
			i := indexOf(b.Table.Rows, "25_34")
			if got := b.Table.Cells[i][0].N; (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
				t.Errorf("25_34 in January: %v, want %v", got, tt.want)
			}
			for j, m := range r.Months {
				ct := b.Table.ColTotals[j]
				if ct.Hidden() || int64(*ct.N) != m.Reach.SelfTests {
					t.Errorf("%s: profile column total %v, report's self-tests %d", m.Month, ct.N, m.Reach.SelfTests)
				}
			}
			if len(r.Outcomes.Selfhelp) != 1 || len(r.Outcomes.Guidance) != 3 {
				t.Errorf("outcomes: %d self-help, %d guidance comparisons", len(r.Outcomes.Selfhelp), len(r.Outcomes.Guidance))
			}

			var csv, md strings.Builder
			if err := WriteCSV(&csv, r); err != nil {
				t.Fatal(err)
			}
			if err := WriteMarkdown(&md, r); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(csv.String(), tt.csv) || !strings.Contains(csv.String(), "total,outcome_guidance,intake_to_end_hedges_g,,\n") {
				t.Errorf("CSV lacks %q or the guidance's g:\n%s", tt.csv, csv.String())
			}
			mdText := md.String()
			k := strings.Index(mdText, "### selftest (self_tests): age_band")
			if k < 0 || !strings.Contains(mdText[k:], tt.md) || !strings.Contains(mdText, "### guidance, intake to followup3: reliable change") {
				t.Errorf("Markdown lacks %q:\n%s", tt.md, mdText)
			}
		})
	}
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
