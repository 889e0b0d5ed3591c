package reports

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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
}

func (s *statsStore) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// periodCase is a CASE expression giving the index of the period col
// falls in (the WHERE keeps rows outside the periods out), with its
// parameters: the same on SQLite and PostgreSQL, and the time column's
// index serves the range. col is a constant of this file, never input.
func periodCase(col string, p Periods) (string, []any) {
	var sb strings.Builder
	args := make([]any, 0, len(p.Labels))
	sb.WriteString("CASE")
	for i := range p.Labels {
		sb.WriteString(" WHEN " + col + " < ? THEN " + strconv.Itoa(i))
		args = append(args, p.Bounds[i+1])
	}
	sb.WriteString(" END")
	return sb.String(), args
}

// valueCount is a count of one value (nil: not answered) in one period.
type valueCount struct {
	Period int
	Value  *string
	N      int
}

// The profile questions, as the self-test stores them (selftest.Profile):
// the column of selftest_submissions holding each.
var profileColumns = map[string]string{
	QuestionAgeBand:          "age_band",
	QuestionGender:           "gender",
	QuestionRegion:           "region",
	QuestionSoughtHelpBefore: "sought_help_before",
}

// selftestProfile counts the self-tests of the periods by one profile
// question's answer, or by instrument and band for severity.
func (s *statsStore) selftestProfile(ctx context.Context, p Periods, question string) ([]valueCount, error) {
	value := "sub.instrument_id || ':' || sub.band"
	if question != QuestionSeverity {
		value = "sub." + profileColumns[question]
	}
	period, args := periodCase("sub.created_at", p)
	var rows []valueCount
	err := s.q(ctx).Raw("SELECT "+period+" AS period, "+value+` AS value, COUNT(*) AS n
		FROM selftest_submissions sub WHERE sub.created_at >= ? AND sub.created_at < ?
		GROUP BY 1, 2`, append(args, p.from(), p.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: self-test profile %s: %w", question, err)
	}
	return rows, nil
}

// claimedAnswer is the SQL for the answer a person gave to one profile
// question: of the self-tests they claimed (selftest_claims, linked to
// their account), the latest taken at or before their start that answered
// it. It reads the people of the CTE base (one row each: a key "pk", the
// user id "uid", the start "at" and its "period") and numbers each
// person's candidate answers, the one to count first (rn = 1); a person
// with none gets one row with a NULL answer: not answered.
func claimedAnswer(question string) string {
	c := "sub." + profileColumns[question]
	return `SELECT b.period, ` + c + ` AS value,
			ROW_NUMBER() OVER (PARTITION BY b.pk ORDER BY CASE WHEN ` + c + ` IS NULL THEN 1 ELSE 0 END, sub.created_at DESC) AS rn
		FROM base b
		LEFT JOIN selftest_claims c ON c.user_id = b.uid
		LEFT JOIN selftest_submissions sub ON sub.id = c.submission_id AND sub.created_at <= b.at`
}

// personProfile counts the people of a module (base: one row per person
// with pk, uid, at and period) by their claimed answer to a question.
func (s *statsStore) personProfile(ctx context.Context, base string, baseArgs []any, question, what string) ([]valueCount, error) {
	var rows []valueCount
	err := s.q(ctx).Raw(`WITH base AS (`+base+`)
		SELECT period, value, COUNT(*) AS n FROM (`+claimedAnswer(question)+`) a
		WHERE rn = 1 GROUP BY 1, 2`, baseArgs...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: %s profile %s: %w", what, question, err)
	}
	return rows, nil
}

// selfhelpBase is one row per enrolment started in the periods.
func selfhelpBase(p Periods) (string, []any) {
	period, args := periodCase("e.started_at", p)
	return `SELECT e.id AS pk, e.user_id AS uid, e.started_at AS at, ` + period + ` AS period
		FROM selfhelp_enrolments e WHERE e.started_at >= ? AND e.started_at < ?`, append(args, p.from(), p.to())
}

// guidanceBase is one row per application (trajectory) made in the periods.
func guidanceBase(p Periods) (string, []any) {
	period, args := periodCase("t.applied_at", p)
	return `SELECT t.id AS pk, t.client_id AS uid, t.applied_at AS at, ` + period + ` AS period
		FROM coaching_trajectories t WHERE t.applied_at >= ? AND t.applied_at < ?`, append(args, p.from(), p.to())
}

// selfhelpSeverity counts the enrolments started in the periods by the
// band of their course questionnaire at point (nil: not taken).
func (s *statsStore) selfhelpSeverity(ctx context.Context, p Periods, point string) ([]valueCount, error) {
	period, args := periodCase("e.started_at", p)
	var rows []valueCount
	err := s.q(ctx).Raw("SELECT "+period+` AS period, m.instrument || ':' || m.band AS value, COUNT(*) AS n
		FROM selfhelp_enrolments e
		LEFT JOIN selfhelp_measurements m ON m.enrolment_id = e.id AND m.point_id = ?
		WHERE e.started_at >= ? AND e.started_at < ?
		GROUP BY 1, 2`, append(args, point, p.from(), p.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: self-help severity: %w", err)
	}
	return rows, nil
}

// guidanceSeverity counts the applications of the periods by the intake
// PHQ-9's band.
func (s *statsStore) guidanceSeverity(ctx context.Context, p Periods) ([]valueCount, error) {
	period, args := periodCase("t.applied_at", p)
	var rows []valueCount
	err := s.q(ctx).Raw("SELECT "+period+` AS period, 'phq9:' || t.intake_band AS value, COUNT(*) AS n
		FROM coaching_trajectories t WHERE t.applied_at >= ? AND t.applied_at < ?
		GROUP BY 1, 2`, append(args, p.from(), p.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: guidance severity: %w", err)
	}
	return rows, nil
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
