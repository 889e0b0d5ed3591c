package reports

import (
	"context"
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
	}{
		{"threshold 1 shows everything", 1, ptr(1)},
		{"default threshold hides 1", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewService(Options{Store: NewStore(f.db), Location: brussels(t), Instruments: testInstruments,
				Now: func() time.Time { return utc("2026-07-01T00:00:00Z") }, Stats: stats, MinCell: tt.minCell})
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Monthly(context.Background(), Month{2026, time.January}, Month{2026, time.March})
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
