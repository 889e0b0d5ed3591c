package reports

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// statsStore reads, for the profile and outcome figures, the tables that
// selftest, modules and coaching write. It is the only code of these
// figures that touches the database, and it writes nothing. Each query
// returns counts per period and value (grouped in SQL) or one row per
// person (outcomes need both scores of each person), never a text or an
// answer: only bands, scores and the coarse profile answers.
type statsStore struct {
	db *gorm.DB
	// raw ignores the rollups (tests: the recount they must equal).
	raw bool
}

func (s *statsStore) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// periodCase is a CASE expression giving the index of the period col
// falls in (the WHERE keeps rows outside the periods out), with its
// parameters: the same on SQLite and PostgreSQL, and the time column's
// index serves the range. col is a constant of this file, never input.
func periodCase(col string, p Periods) (string, []any) {
	return boundsCase(col, p.Bounds[:len(p.Labels)+1])
}

// valueCount is a count of one value (nil: not answered) in one period.
type valueCount struct {
	Period int
	Value  *string
	N      int
}

// profileRow counts the people (or self-tests) of one period with one
// combination of answers (nil: not answered). Severity is
// "instrument:band".
type profileRow struct {
	Period           int
	AgeBand          *string
	Gender           *string
	Region           *string
	SoughtHelpBefore *string
	Severity         *string
	N                int
	// Only, when set, is the one question the row counts for (a rollup
	// row); the row is none of the others' answers.
	Only string `gorm:"-"`
}

// selftestProfiles counts the self-tests of the periods by their profile
// answers and their instrument and band. Periods that are whole months in
// loc come from the rollup where it covers them: one row per question and
// answer (Only), since the rollup keeps each question's counts, not their
// combinations. The others are counted from the raw rows, in one pass
// over each run of them.
func (s *statsStore) selftestProfiles(ctx context.Context, p Periods, loc *time.Location) ([]profileRow, error) {
	return s.rolledProfiles(ctx, p, loc, sourceSelftests, metricProfile, true, s.rawSelftestProfiles)
}

// rolledProfiles are the profile rows of the periods: for the periods that
// are whole months in loc and that source's rollup covers, one row per
// question and answer (Only) from metric — and, for the self-tests
// (bands), the severity from their instrument and band rows — since the
// rollup keeps each question's counts, not their combinations; for the
// others, raw's rows, in one pass over each run of them.
func (s *statsStore) rolledProfiles(ctx context.Context, p Periods, loc *time.Location, source, metric string, bands bool,
	raw func(context.Context, Periods) ([]profileRow, error)) ([]profileRow, error) {
	months := make([]Month, len(p.Labels))
	whole := make([]bool, len(p.Labels))
	for i, label := range p.Labels {
		m, err := ParseMonth(label)
		whole[i] = err == nil && m.Start(loc).UTC().Equal(p.Bounds[i]) && m.Add(1).Start(loc).UTC().Equal(p.Bounds[i+1])
		months[i] = m
	}
	rolled, answers, err := rolledUp(ctx, s.db, months, loc.String(), source, metric)
	if err != nil {
		return nil, err
	}
	for i := range rolled {
		rolled[i] = rolled[i] && whole[i] && !s.raw
	}
	var rows []profileRow
	for _, c := range answers {
		k, ok := splitKey(c.Key, 2)
		if !ok || !rolled[c.Bucket] {
			continue
		}
		row := profileRow{Period: c.Bucket, Only: k[0], N: int(c.N)}
		var v *string
		if k[1] != "" {
			v = &k[1]
		}
		switch k[0] {
		case QuestionAgeBand:
			row.AgeBand = v
		case QuestionGender:
			row.Gender = v
		case QuestionRegion:
			row.Region = v
		case QuestionSoughtHelpBefore:
			row.SoughtHelpBefore = v
		case QuestionSeverity:
			row.Severity = v
		default:
			continue
		}
		rows = append(rows, row)
	}
	if bands {
		_, counts, err := rolledUp(ctx, s.db, months, loc.String(), source, metricSelftests)
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			k, ok := splitKey(c.Key, 3)
			if !ok || !rolled[c.Bucket] {
				continue
			}
			rows = append(rows, profileRow{Period: c.Bucket, Only: QuestionSeverity, Severity: strPtr(k[0] + ":" + k[1]), N: int(c.N)})
		}
	}
	for _, sp := range liveSpans(rolled) {
		sub := Periods{Labels: p.Labels[sp.from:sp.to], Bounds: p.Bounds[sp.from : sp.to+1]}
		live, err := raw(ctx, sub)
		if err != nil {
			return nil, err
		}
		for _, r := range live {
			r.Period += sp.from
			rows = append(rows, r)
		}
	}
	return rows, nil
}

func strPtr(s string) *string { return &s }

func (s *statsStore) rawSelftestProfiles(ctx context.Context, p Periods) ([]profileRow, error) {
	period, args := periodCase("sub.created_at", p)
	var rows []profileRow
	err := s.q(ctx).Raw("SELECT "+period+` AS period, sub.age_band, sub.gender, sub.region, sub.sought_help_before,
			sub.instrument_id || ':' || sub.band AS severity, COUNT(*) AS n
		FROM selftest_submissions sub WHERE sub.created_at >= ? AND sub.created_at < ?
		GROUP BY 1, 2, 3, 4, 5, 6`, append(args, p.from(), p.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: self-test profile: %w", err)
	}
	return rows, nil
}

// latestAnswer is the SQL, inside personProfiles, for a person's answer
// to one profile question (a column of selftest_submissions): the latest
// of their claimed self-tests taken at or before their start that answered
// it — the first of their candidate rows with the answers first, newest
// first; NULL when none did.
func latestAnswer(column string) string {
	return `FIRST_VALUE(sub.` + column + `) OVER (PARTITION BY b.pk ORDER BY CASE WHEN sub.` + column +
		` IS NULL THEN 1 ELSE 0 END, sub.created_at DESC) AS ` + column
}

// personProfiles counts the people of base — one row per person with a
// key "pk", their user id "uid", start "at", "period" and "severity" — by
// their severity and their answers in the self-tests they claimed to
// their account (selftest_claims): per question, the latest claimed
// self-test taken at or before the start that answered it. One pass: the
// people joined to their claimed self-tests (the claims' index on user_id
// serves it), one row kept per person.
func (s *statsStore) personProfiles(ctx context.Context, base string, args []any, what string) ([]profileRow, error) {
	var rows []profileRow
	err := s.q(ctx).Raw(`WITH base AS (`+base+`), person AS (
			SELECT b.period, b.severity, `+latestAnswer("age_band")+`, `+latestAnswer("gender")+`,
				`+latestAnswer("region")+`, `+latestAnswer("sought_help_before")+`,
				ROW_NUMBER() OVER (PARTITION BY b.pk) AS rn
			FROM base b
			LEFT JOIN selftest_claims c ON c.user_id = b.uid
			LEFT JOIN selftest_submissions sub ON sub.id = c.submission_id AND sub.created_at <= b.at)
		SELECT period, age_band, gender, region, sought_help_before, severity, COUNT(*) AS n
		FROM person WHERE rn = 1
		GROUP BY period, age_band, gender, region, sought_help_before, severity`, args...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: %s profile: %w", what, err)
	}
	return rows, nil
}

// selfhelpProfiles counts the enrolments started in the periods; severity
// is the band of the course questionnaire at point (nil: not taken).
func (s *statsStore) selfhelpProfiles(ctx context.Context, p Periods, point string) ([]profileRow, error) {
	period, args := periodCase("e.started_at", p)
	return s.personProfiles(ctx, `SELECT e.id AS pk, e.user_id AS uid, e.started_at AS at, `+period+` AS period,
			m.instrument || ':' || m.band AS severity
		FROM selfhelp_enrolments e
		LEFT JOIN selfhelp_measurements m ON m.enrolment_id = e.id AND m.point_id = ?
		WHERE e.started_at >= ? AND e.started_at < ?`, append(args, point, p.from(), p.to()), "self-help")
}

// guidanceProfiles counts the applications (trajectories applied for) of
// the periods; severity is the intake PHQ-9's band.
func (s *statsStore) guidanceProfiles(ctx context.Context, p Periods) ([]profileRow, error) {
	period, args := periodCase("t.applied_at", p)
	return s.personProfiles(ctx, `SELECT t.id AS pk, t.client_id AS uid, t.applied_at AS at, `+period+` AS period,
			'phq9:' || t.intake_band AS severity
		FROM coaching_trajectories t WHERE t.applied_at >= ? AND t.applied_at < ?`, append(args, p.from(), p.to()), "guidance")
}

// guidanceOutcomeRow is one trajectory that started and ended in the
// periods: its intake PHQ-9 and the PHQ-9 at the end and at follow-up
// (nil: not taken).
type guidanceOutcomeRow struct {
	Period     int
	State      string
	EndedAt    time.Time
	Intake     int
	End        *int
	FollowUp3  *int
	FollowUp12 *int
}

// guidanceOutcomes returns the trajectories that started and ended in the
// periods, with their PHQ-9 scores.
func (s *statsStore) guidanceOutcomes(ctx context.Context, p Periods) ([]guidanceOutcomeRow, error) {
	period, args := periodCase("t.ended_at", p)
	m := func(alias, point string) string {
		return " LEFT JOIN coaching_measurements " + alias + " ON " + alias + ".trajectory_id = t.id AND " + alias +
			".instrument = 'phq9' AND " + alias + ".point = '" + point + "'"
	}
	var rows []guidanceOutcomeRow
	err := s.q(ctx).Raw("SELECT "+period+` AS period, t.state, t.ended_at, t.intake_score AS intake,
			e.score AS "end", f3.score AS follow_up3, f12.score AS follow_up12
		FROM coaching_trajectories t`+m("e", "end")+m("f3", "followup3")+m("f12", "followup12")+`
		WHERE t.started_at IS NOT NULL AND t.ended_at >= ? AND t.ended_at < ?`,
		append(args, p.from(), p.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: guidance outcomes: %w", err)
	}
	return rows, nil
}

// selfhelpOutcomeRow is one enrolment whose first course questionnaire
// was taken in the periods, with the score of the last (nil: not taken).
type selfhelpOutcomeRow struct {
	Period int
	Start  int
	End    *int
}

// selfhelpOutcomes returns the enrolments whose PHQ-9 at start was taken
// in the periods, with their PHQ-9 at the end when taken (at any time).
func (s *statsStore) selfhelpOutcomes(ctx context.Context, p Periods, start, end string) ([]selfhelpOutcomeRow, error) {
	period, args := periodCase("a.taken_at", p)
	var rows []selfhelpOutcomeRow
	err := s.q(ctx).Raw("SELECT "+period+` AS period, a.score AS start, b.score AS "end"
		FROM selfhelp_measurements a
		LEFT JOIN selfhelp_measurements b ON b.enrolment_id = a.enrolment_id AND b.point_id = ? AND b.instrument = 'phq9'
		WHERE a.point_id = ? AND a.instrument = 'phq9' AND a.taken_at >= ? AND a.taken_at < ?`,
		append(args, end, start, p.from(), p.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: self-help outcomes: %w", err)
	}
	return rows, nil
}
