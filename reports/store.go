package reports

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
)

// Store reads, for the report, the tables other domains write. It is the
// only code in this package that touches the database, and it writes
// nothing.
//
// Months are bucketed in SQL where rows are many (page views are already
// days; self-tests and self-help events are grouped per month): a CASE over
// the months' first instants, computed in Go in the report's time zone and
// passed as parameters, works alike on SQLite and PostgreSQL and lets each
// query use the index on its time column for the whole range. Durations
// (medians) need each person's two instants; those rows are few (one per
// trajectory or starter) and are bucketed in Go.
type Store struct {
	db *gorm.DB
}

// NewStore returns a store on db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

func (s *Store) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// monthCase is a CASE expression giving the index of the month col falls in
// (rows outside the range are filtered by the WHERE), and its parameters.
// col is a constant of this file, never input.
func monthCase(col string, b buckets) (string, []any) { return boundsCase(col, b.bounds) }

// boundsCase numbers col's period among the consecutive periods that
// bounds delimit (n periods: n+1 bounds), in one CASE that reads the same
// on SQLite and PostgreSQL.
func boundsCase(col string, bounds []time.Time) (string, []any) {
	var sb strings.Builder
	args := make([]any, 0, len(bounds)-1)
	sb.WriteString("CASE")
	for i := 1; i < len(bounds); i++ {
		sb.WriteString(" WHEN " + col + " < ? THEN " + strconv.Itoa(i-1))
		args = append(args, bounds[i])
	}
	sb.WriteString(" END")
	return sb.String(), args
}

type dayRow struct {
	Day            string
	PageViews      int64
	UniqueVisitors *int64
}

// visitDays returns the counted days of the range (days in the
// deployment's time zone, as db/visits writes them).
func (s *Store) visitDays(ctx context.Context, b buckets) ([]dayRow, error) {
	var rows []dayRow
	from, to := b.months[0].String()+"-01", b.months[len(b.months)-1].Add(1).String()+"-01"
	err := s.q(ctx).Raw("SELECT day, page_views, unique_visitors FROM visit_days WHERE day >= ? AND day < ?", from, to).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: visits: %w", err)
	}
	return rows, nil
}

type selftestRow struct {
	Bucket       int
	InstrumentID string
	Band         string
	N            int64
	Crisis       int64
}

// selftests counts the anonymous self-tests per month, instrument and band.
func (s *Store) selftests(ctx context.Context, b buckets) ([]selftestRow, error) {
	bucket, args := monthCase("created_at", b)
	var rows []selftestRow
	err := s.q(ctx).Raw("SELECT "+bucket+` AS bucket, instrument_id, band, COUNT(*) AS n,
			SUM(CASE WHEN crisis THEN 1 ELSE 0 END) AS crisis
		FROM selftest_submissions WHERE created_at >= ? AND created_at < ?
		GROUP BY 1, 2, 3`, append(args, b.from(), b.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: self-tests: %w", err)
	}
	return rows, nil
}

type eventRow struct {
	Bucket int
	Kind   string
	N      int64
}

// events counts the self-help events that reports use, per month and kind.
func (s *Store) events(ctx context.Context, b buckets) ([]eventRow, error) {
	bucket, args := monthCase("occurred_at", b)
	kinds := []string{modules.EventStarted, modules.EventLessonCompleted, modules.EventCourseCompleted}
	var rows []eventRow
	err := s.q(ctx).Raw("SELECT "+bucket+` AS bucket, kind, COUNT(*) AS n
		FROM selfhelp_events WHERE kind IN ? AND occurred_at >= ? AND occurred_at < ?
		GROUP BY 1, 2`, append(args, kinds, b.from(), b.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: self-help events: %w", err)
	}
	return rows, nil
}

type starterRow struct {
	Bucket      int
	EnrolmentID string
}

type lessonCountRow struct {
	EnrolmentID string
	Lessons     int64
}

// starters returns the enrolments started in the range that are still
// linked to their events (erasure cuts the link), with their month.
func (s *Store) starters(ctx context.Context, b buckets) ([]starterRow, error) {
	bucket, args := monthCase("occurred_at", b)
	var rows []starterRow
	err := s.q(ctx).Raw("SELECT "+bucket+` AS bucket, enrolment_id FROM selfhelp_events
		WHERE kind = ? AND enrolment_id IS NOT NULL AND occurred_at >= ? AND occurred_at < ?`,
		append(args, modules.EventStarted, b.from(), b.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: starters: %w", err)
	}
	return rows, nil
}

// lessonsDone counts, per enrolment, the distinct lessons completed in the
// range. A starter of the range completes lessons only after starting, so
// the range bounds them too, and the (kind, occurred_at) index serves the
// query without a join.
func (s *Store) lessonsDone(ctx context.Context, b buckets) ([]lessonCountRow, error) {
	var rows []lessonCountRow
	err := s.q(ctx).Raw(`SELECT enrolment_id, COUNT(DISTINCT lesson_id) AS lessons FROM selfhelp_events
		WHERE kind = ? AND enrolment_id IS NOT NULL AND occurred_at >= ? AND occurred_at < ?
		GROUP BY enrolment_id`, modules.EventLessonCompleted, b.from(), b.to()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: lessons per enrolment: %w", err)
	}
	return rows, nil
}

// Nudge instants the report counts by month: a lapse nudged, and the
// client's return to see it.
const (
	colNudged = "created_at"
	colShown  = "shown_at"
)

// nudges counts self-help nudges per month of col.
func (s *Store) nudges(ctx context.Context, col string, b buckets) ([]countRow, error) {
	bucket, args := monthCase(col, b)
	var rows []countRow
	err := s.q(ctx).Raw("SELECT "+bucket+" AS bucket, COUNT(*) AS n FROM selfhelp_nudges WHERE "+
		col+" >= ? AND "+col+" < ? GROUP BY 1", append(args, b.from(), b.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: nudges by %s: %w", col, err)
	}
	return rows, nil
}

type countRow struct {
	Bucket int
	N      int64
}

// Trajectory time columns the report counts by month.
const (
	colApplied  = "applied_at"
	colExtended = "extended_at"
)

// trajectories counts trajectories per month of col.
func (s *Store) trajectories(ctx context.Context, col string, b buckets) ([]countRow, error) {
	bucket, args := monthCase(col, b)
	var rows []countRow
	err := s.q(ctx).Raw("SELECT "+bucket+" AS bucket, COUNT(*) AS n FROM coaching_trajectories WHERE "+
		col+" >= ? AND "+col+" < ? GROUP BY 1", append(args, b.from(), b.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: trajectories by %s: %w", col, err)
	}
	return rows, nil
}

type endRow struct {
	Bucket    int
	State     string
	EndReason *string
	N         int64
}

// ends counts the trajectories that ended, per month, state and reason.
func (s *Store) ends(ctx context.Context, b buckets) ([]endRow, error) {
	bucket, args := monthCase("ended_at", b)
	var rows []endRow
	err := s.q(ctx).Raw("SELECT "+bucket+` AS bucket, state, end_reason, COUNT(*) AS n
		FROM coaching_trajectories WHERE ended_at >= ? AND ended_at < ?
		GROUP BY 1, 2, 3`, append(args, b.from(), b.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: trajectory ends: %w", err)
	}
	return rows, nil
}

// Trajectory instants whose time since application the report gives.
const (
	colStarted      = "started_at"
	colFirstContact = "first_contact_at"
)

type spanRow struct {
	AppliedAt instant
	At        instant
}

// spans returns, for each trajectory with col in the range, its
// application and col: two instants a row.
func (s *Store) spans(ctx context.Context, col string, b buckets) ([]spanRow, error) {
	var rows []spanRow
	err := s.q(ctx).Raw("SELECT applied_at, "+col+" AS at FROM coaching_trajectories WHERE "+col+" >= ? AND "+col+" < ?",
		b.from(), b.to()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: trajectories by %s: %w", col, err)
	}
	return rows, nil
}

type messageRow struct {
	TrajectoryID string
	SenderRole   string
	CreatedAt    instant
	// Prev is the sender of the message before, in the same conversation
	// (nil for the first).
	Prev *string
}

// conversations returns, for each conversation with a client message in
// the range, its messages from the range's start on (replies after its
// end included), in order, each with the sender of the message before:
// the metadata of messages only, never a body.
func (s *Store) conversations(ctx context.Context, b buckets) ([]messageRow, error) {
	var rows []messageRow
	err := s.q(ctx).Raw(`SELECT trajectory_id, sender_role, created_at, prev FROM (
			SELECT trajectory_id, sender_role, created_at, id,
				LAG(sender_role) OVER (PARTITION BY trajectory_id ORDER BY created_at, id) AS prev
			FROM coaching_messages
			WHERE trajectory_id IN (SELECT DISTINCT trajectory_id FROM coaching_messages
				WHERE sender_role = ? AND created_at >= ? AND created_at < ?)
		) m WHERE created_at >= ? ORDER BY trajectory_id, created_at, id`,
		coaching.FromClient, b.from(), b.to(), b.from()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: conversations: %w", err)
	}
	return rows, nil
}

// selftestToApplication returns, for each client whose first application
// after a self-test they claimed into their account falls in the range,
// that application and the earliest such self-test (taken at or before
// it): two instants a row. Anonymous self-tests that were never claimed
// belong to nobody and cannot be linked; neither can an erased client's,
// whose claims went with the account.
func (s *Store) selftestToApplication(ctx context.Context, b buckets) ([]spanRow, error) {
	var rows []spanRow
	err := s.q(ctx).Raw(`SELECT MIN(s.created_at) AS applied_at, t.applied_at AS at
		FROM coaching_trajectories t
		JOIN selftest_claims c ON c.user_id = t.client_id
		JOIN selftest_submissions s ON s.id = c.submission_id AND s.created_at <= t.applied_at
		WHERE t.applied_at >= ? AND t.applied_at < ?
		AND NOT EXISTS (SELECT 1 FROM coaching_trajectories e
			JOIN selftest_claims ec ON ec.user_id = e.client_id
			JOIN selftest_submissions es ON es.id = ec.submission_id AND es.created_at <= e.applied_at
			WHERE e.client_id = t.client_id AND e.applied_at < t.applied_at)
		GROUP BY t.id, t.applied_at`, b.from(), b.to()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: self-test to application: %w", err)
	}
	return rows, nil
}

type endedRow struct {
	StartedAt instant
	EndedAt   instant
	In, Out   int64
}

// endedInCare returns, for each trajectory that ended in the range after
// it had started, its start and end and the messages each way it counted
// at its end.
func (s *Store) endedInCare(ctx context.Context, b buckets) ([]endedRow, error) {
	var rows []endedRow
	err := s.q(ctx).Raw(`SELECT started_at, ended_at, end_messages_in AS "in", end_messages_out AS "out" FROM coaching_trajectories
		WHERE ended_at >= ? AND ended_at < ? AND started_at IS NOT NULL`, b.from(), b.to()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: trajectories ended in care: %w", err)
	}
	return rows, nil
}

// instant reads a time column: PostgreSQL gives a time, SQLite may give
// the text it stored.
type instant struct{ time.Time }

// Scan implements sql.Scanner.
func (t *instant) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		t.Time = x
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	}
	return fmt.Errorf("reports: cannot read %T as a time", v)
}

// Value implements driver.Valuer, so gorm treats it as a column.
func (t instant) Value() (driver.Value, error) { return t.Time, nil }

func (t *instant) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05"} {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("reports: %q is not a time", s)
}

// The self-help events the report counts.
const (
	eventStarted = modules.EventStarted
	eventLesson  = modules.EventLessonCompleted
	eventCourse  = modules.EventCourseCompleted
)
