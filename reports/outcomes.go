package reports

// Outcomes: the PHQ-9 at the start and at the end (and, for guidance, at
// follow-up) of self-help and guidance, per cohort month.
//
// Who is in a cohort, and who is lost to follow-up:
//
//   - self-help, start → end: every enrolment whose course questionnaire at
//     "start" was taken in the month; measured when the one at "end" has
//     been taken (at any time until now); the others are lost to follow-up
//     — so far: recent months have had less time to finish the course.
//   - guidance, intake → end: every trajectory that started (the client met
//     a clinician) and ended in the month, however it ended; measured when
//     the end questionnaire was taken. A client who dropped out is not
//     asked for one, so dropouts count as lost to follow-up: the share lost
//     is the honest share of entrants whose outcome is unknown.
//   - guidance, intake → 3 and 12 months after the end: every trajectory
//     completed in the month whose follow-up is due by now (follow-ups are
//     asked of completed trajectories only); measured when it was taken.
//
// Each comparison publishes, in the cohort's months and in total:
//
//   - a table of reliable change — reliably improved, no reliable change,
//     reliably deteriorated (the criteria: 6 points on the PHQ-9) and not
//     measured — and a table of recovery among those measured who were
//     cases at the start (recovered, not recovered), both suppressed as
//     suppress.go describes; their totals are never treated as published,
//     whoever reads them;
//   - n (the people measured) when it follows from what those tables show,
//     and the shares lost, improved, deteriorated and recovered when their
//     counts are shown;
//   - over the whole range only (never per month): mean scores, mean change,
//     the SDs, the pre/post correlation and Hedges' g with its 95% CI
//     (stats.go), when at least Threshold people were measured; else none.
//
// Reading overlapping ranges (January–June, then January–July) lets a
// reader difference the means; readers who may not see single records
// should be given fixed periods (see suppress.go).

import (
	"context"
	"time"

	"github.com/haven-mh/haven/coaching"
)

// The rows of the outcome tables.
const (
	RowReliablyImproved     = "reliably_improved"
	RowNoReliableChange     = "no_reliable_change"
	RowReliablyDeteriorated = "reliably_deteriorated"
	RowNotMeasured          = "not_measured"
	RowRecovered            = "recovered"
	RowNotRecovered         = "not_recovered"
)

// OutcomeSection holds the comparisons of self-help and guidance.
type OutcomeSection struct {
	Selfhelp []Comparison `json:"selfhelp"`
	Guidance []Comparison `json:"guidance"`
}

// Comparison is one pre/post comparison of a cohort (see the file comment).
type Comparison struct {
	// From and To name the two measurement points ("start" → "end",
	// "intake" → "followup3").
	From string `json:"from"`
	To   string `json:"to"`
	// Change: reliable change and not measured, by cohort month.
	Change SuppressedTable `json:"change"`
	// Recovery: of those measured who were cases at the start.
	Recovery SuppressedTable `json:"recovery"`
	// N is the number of people measured, nil when it would disclose a
	// hidden count; the statistics then rest on at least Threshold people.
	N *int `json:"n"`
	// Eligible is the cohort (measured or not), nil when hidden.
	Eligible              *int     `json:"eligible"`
	LostShare             *float64 `json:"lost_share"`
	ReliablyImprovedShare *float64 `json:"reliably_improved_share"`
	DeterioratedShare     *float64 `json:"reliably_deteriorated_share"`
	RecoveredShare        *float64 `json:"recovered_share"`
	// Stats over the whole range, nil when fewer than Threshold people
	// were measured (NotComputable then says "suppressed").
	Stats         *OutcomeStats `json:"stats"`
	NotComputable string        `json:"not_computable,omitempty"`
	Threshold     int           `json:"threshold"`
}

// OutcomeStats are the paired statistics of the people measured.
type OutcomeStats struct {
	MeanPre    *float64   `json:"mean_pre"`
	MeanPost   *float64   `json:"mean_post"`
	MeanChange *float64   `json:"mean_change"`
	SDPre      *float64   `json:"sd_pre"`
	SDChange   *float64   `json:"sd_change"`
	R          *float64   `json:"r"`
	Effect     EffectSize `json:"effect"`
}

// cohortMember is one person of a cohort: their month, their score at the
// start and at the later point (nil: not measured).
type cohortMember struct {
	period int
	pre    int
	post   *int
}

// Outcomes returns the outcome comparisons over the periods. Only
// opt.Threshold is used: outcome tables never treat their totals as
// published.
func (s *StatsService) Outcomes(ctx context.Context, p Periods, opt SuppressOptions) (*OutcomeSection, error) {
	if !p.valid() {
		return nil, ErrPeriods
	}
	opt.ColumnTotalsPublished = false
	out := &OutcomeSection{}

	sh, err := s.store.selfhelpOutcomes(ctx, p, s.start, s.end)
	if err != nil {
		return nil, err
	}
	var members []cohortMember
	for _, r := range sh {
		members = append(members, cohortMember{period: r.Period, pre: r.Start, post: r.End})
	}
	out.Selfhelp = append(out.Selfhelp, s.compare(p, s.start, s.end, members, opt))

	g, err := s.store.guidanceOutcomes(ctx, p)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, point := range []string{coaching.PointEnd, coaching.PointFollowUp3, coaching.PointFollowUp12} {
		members = members[:0]
		for _, r := range g {
			m := cohortMember{period: r.Period, pre: r.Intake}
			switch point {
			case coaching.PointEnd:
				m.post = r.End
			case coaching.PointFollowUp3, coaching.PointFollowUp12:
				months := 3
				m.post = r.FollowUp3
				if point == coaching.PointFollowUp12 {
					months, m.post = 12, r.FollowUp12
				}
				if r.State != string(coaching.StateCompleted) || followUpDue(r.EndedAt, months, s.loc).After(now) {
					continue // not asked, or not due yet
				}
			}
			members = append(members, m)
		}
		out.Guidance = append(out.Guidance, s.compare(p, coaching.PointIntake, point, members, opt))
	}
	return out, nil
}

// compare builds one Comparison from a cohort.
func (s *StatsService) compare(p Periods, from, to string, members []cohortMember, opt SuppressOptions) Comparison {
	change := CountTable{Rows: []string{RowReliablyImproved, RowNoReliableChange, RowReliablyDeteriorated, RowNotMeasured},
		Cols: p.Labels, Cells: zeroCells(4, len(p.Labels))}
	recovery := CountTable{Rows: []string{RowRecovered, RowNotRecovered}, Cols: p.Labels, Cells: zeroCells(2, len(p.Labels))}
	var pairs []Pair
	for _, m := range members {
		if m.period < 0 || m.period >= len(p.Labels) {
			continue
		}
		if m.post == nil {
			change.Cells[3][m.period]++
			continue
		}
		pr := Pair{Pre: float64(m.pre), Post: float64(*m.post)}
		pairs = append(pairs, pr)
		ch := s.criteria.Classify(pr)
		switch {
		case ch.Improved:
			change.Cells[0][m.period]++
		case ch.Deteriorated:
			change.Cells[2][m.period]++
		default:
			change.Cells[1][m.period]++
		}
		if ch.Case {
			row := 1
			if ch.Recovered {
				row = 0
			}
			recovery.Cells[row][m.period]++
		}
	}
	c := Comparison{From: from, To: to, Change: Suppress(change, opt), Recovery: Suppress(recovery, opt), Threshold: opt.threshold()}
	rt := c.Change.RowTotals
	if !c.Change.Total.Hidden() {
		c.Eligible = c.Change.Total.N
	}
	switch {
	case !rt[0].Hidden() && !rt[1].Hidden() && !rt[2].Hidden():
		n := *rt[0].N + *rt[1].N + *rt[2].N
		c.N = &n
	case !rt[3].Hidden() && c.Eligible != nil:
		n := *c.Eligible - *rt[3].N
		c.N = &n
	}
	c.LostShare = shareOf(rt[3], c.Change.Total)
	if c.N != nil {
		measured := PublishedCount{N: c.N}
		c.ReliablyImprovedShare = shareOf(rt[0], measured)
		c.DeterioratedShare = shareOf(rt[2], measured)
	}
	c.RecoveredShare = shareOf(c.Recovery.RowTotals[0], c.Recovery.Total)
	switch {
	case len(pairs) == 0:
		c.NotComputable = NotComputableTooFew
		return c
	case len(pairs) < opt.threshold():
		c.NotComputable = NotComputableSuppressed
		return c
	}
	ps := Paired(pairs, s.criteria)
	c.Stats = &OutcomeStats{MeanPre: ps.MeanPre, MeanPost: ps.MeanPost, MeanChange: ps.MeanChange, SDPre: ps.SDPre,
		SDChange: ps.SDChange, R: ps.R, Effect: ps.Effect}
	return c
}

func zeroCells(rows, cols int) [][]int {
	c := make([][]int, rows)
	for i := range c {
		c[i] = make([]int, cols)
	}
	return c
}

// followUpDue is when the follow-up months after an end falls, as the
// trajectory schedules it (coaching.PlannedEnd in the deployment's zone).
func followUpDue(end time.Time, months int, loc *time.Location) time.Time {
	return coaching.PlannedEnd(end.In(loc), months)
}
