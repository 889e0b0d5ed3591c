package reports

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"
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
	// raw ignores the rollups (tests: the recount they must equal).
	raw bool
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

// selftests counts the anonymous self-tests per month, instrument and
// band: from the rollup for the months it covers, from the raw rows for
// the others (rollup.go). A (month, instrument, band) may come in two
// rows (with and without crisis); the caller adds them up.
func (s *Store) selftests(ctx context.Context, b buckets) ([]selftestRow, error) {
	rolled, counts, err := rolledUp(ctx, s.db, b.months, b.zone, sourceSelftests, metricSelftests)
	if err != nil {
		return nil, err
	}
	if s.raw {
		rolled, counts = make([]bool, len(b.months)), nil
	}
	var rows []selftestRow
	for _, c := range counts {
		k, ok := splitKey(c.Key, 3)
		if !ok {
			continue
		}
		row := selftestRow{Bucket: c.Bucket, InstrumentID: k[0], Band: k[1], N: c.N}
		if k[2] == "1" {
			row.Crisis = c.N
		}
		rows = append(rows, row)
	}
	for _, sp := range liveSpans(rolled) {
		live, err := s.rawSelftests(ctx, b.sub(sp))
		if err != nil {
			return nil, err
		}
		for _, r := range live {
			r.Bucket += sp.from
			rows = append(rows, r)
		}
	}
	return rows, nil
}

func (s *Store) rawSelftests(ctx context.Context, b buckets) ([]selftestRow, error) {
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

// events counts the self-help events that reports use, per month and
// kind: from the rollup for the months it covers, from the raw rows for
// the others (rollup.go).
func (s *Store) events(ctx context.Context, b buckets) ([]eventRow, error) {
	kinds := []string{modules.EventStarted, modules.EventLessonCompleted, modules.EventCourseCompleted}
	rolled, counts, err := rolledUp(ctx, s.db, b.months, b.zone, sourceEvents, metricEvents)
	if err != nil {
		return nil, err
	}
	if s.raw {
		rolled, counts = make([]bool, len(b.months)), nil
	}
	var rows []eventRow
	for _, c := range counts {
		if slices.Contains(kinds, c.Key) {
			rows = append(rows, eventRow{Bucket: c.Bucket, Kind: c.Key, N: c.N})
		}
	}
	for _, sp := range liveSpans(rolled) {
		sb := b.sub(sp)
		bucket, args := monthCase("occurred_at", sb)
		var live []eventRow
		err := s.q(ctx).Raw("SELECT "+bucket+` AS bucket, kind, COUNT(*) AS n
			FROM selfhelp_events WHERE kind IN ? AND occurred_at >= ? AND occurred_at < ?
			GROUP BY 1, 2`, append(args, kinds, sb.from(), sb.to())...).Scan(&live).Error
		if err != nil {
			return nil, fmt.Errorf("reports: self-help events: %w", err)
		}
		for _, r := range live {
			r.Bucket += sp.from
			rows = append(rows, r)
		}
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

// lessonHist is, per month rolled up, how many starters completed how
// many lessons so far.
type lessonHist struct {
	rolled []bool
	counts []struct {
		Bucket  int
		Lessons int64
		N       int64
	}
}

// lessonsRolled reads the rollup of lessons per starter for b's months.
func (s *Store) lessonsRolled(ctx context.Context, b buckets) (lessonHist, error) {
	rolled, counts, err := rolledUp(ctx, s.db, b.months, b.zone, sourceStarterLessons, metricStarterLessons)
	if err != nil || s.raw {
		return lessonHist{}, err
	}
	h := lessonHist{rolled: rolled}
	for _, c := range counts {
		n, err := strconv.ParseInt(c.Key, 10, 64)
		if err != nil {
			continue
		}
		h.counts = append(h.counts, struct {
			Bucket  int
			Lessons int64
			N       int64
		}{c.Bucket, n, c.N})
	}
	return h, nil
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

// trajectories counts trajectories per month of col: from the rollup for
// the months it covers, from the raw rows for the others.
func (s *Store) trajectories(ctx context.Context, col string, b buckets) ([]countRow, error) {
	source, metric := sourceApplied, metricApplied
	if col == colExtended {
		source, metric = sourceExtended, metricExtended
	}
	return mixed(ctx, s, b, source, metric,
		func(c rolledCount) (countRow, bool) { return countRow{Bucket: c.Bucket, N: c.N}, true },
		func(sb buckets) ([]countRow, error) { return s.rawTrajectories(ctx, col, sb) },
		func(r *countRow, off int) { r.Bucket += off })
}

func (s *Store) rawTrajectories(ctx context.Context, col string, b buckets) ([]countRow, error) {
	bucket, args := monthCase(col, b)
	var rows []countRow
	err := s.q(ctx).Raw("SELECT "+bucket+" AS bucket, COUNT(*) AS n FROM coaching_trajectories WHERE "+
		col+" >= ? AND "+col+" < ? GROUP BY 1", append(args, b.from(), b.to())...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: trajectories by %s: %w", col, err)
	}
	return rows, nil
}

// mixed reads source's rows for b: metric's rollup rows (as) for the
// months it covers, and raw's rows for each run of the others (shift
// moves a row of a run to its place in b).
func mixed[T any](ctx context.Context, s *Store, b buckets, source, metric string, as func(rolledCount) (T, bool),
	raw func(buckets) ([]T, error), shift func(*T, int)) ([]T, error) {
	rolled, counts, err := rolledUp(ctx, s.db, b.months, b.zone, source, metric)
	if err != nil {
		return nil, err
	}
	if s.raw {
		rolled, counts = make([]bool, len(b.months)), nil
	}
	var out []T
	for _, c := range counts {
		if row, ok := as(c); ok {
			out = append(out, row)
		}
	}
	for _, sp := range liveSpans(rolled) {
		live, err := raw(b.sub(sp))
		if err != nil {
			return nil, err
		}
		for i := range live {
			shift(&live[i], sp.from)
		}
		out = append(out, live...)
	}
	return out, nil
}

type endRow struct {
	Bucket    int
	State     string
	EndReason *string
	N         int64
}

// ends counts the trajectories that ended, per month, state and reason:
// from the rollup for the months it covers, from the raw rows for the
// others.
func (s *Store) ends(ctx context.Context, b buckets) ([]endRow, error) {
	return mixed(ctx, s, b, sourceEnded, metricEnded,
		func(c rolledCount) (endRow, bool) {
			k, ok := splitKey(c.Key, 2)
			if !ok {
				return endRow{}, false
			}
			row := endRow{Bucket: c.Bucket, State: k[0], N: c.N}
			if k[1] != "" {
				row.EndReason = &k[1]
			}
			return row, true
		},
		func(sb buckets) ([]endRow, error) { return s.rawEnds(ctx, sb) },
		func(r *endRow, off int) { r.Bucket += off })
}

func (s *Store) rawEnds(ctx context.Context, b buckets) ([]endRow, error) {
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

type waitRow struct {
	Since instant
	Reply *instant
}

// waits returns the clients' waits for a reply that began in the range:
// a client message whose message before (in its conversation) is not the
// client's starts a wait, and the clinician's next message ends it (none
// yet: Reply nil). The database pairs them in one pass over the messages
// (a window per conversation) and returns only the waits, never a body.
func (s *Store) waits(ctx context.Context, b buckets) ([]waitRow, error) {
	var rows []waitRow
	err := s.q(ctx).Raw(`SELECT since, reply FROM (
			SELECT sender_role, created_at AS since,
				LAG(sender_role) OVER (PARTITION BY trajectory_id ORDER BY created_at, id) AS prev,
				-- the clinician's first message from this one on: a running
				-- minimum over the conversation read backwards (one pass,
				-- where a frame to its end would be recomputed per row)
				MIN(CASE WHEN sender_role = ? THEN created_at END) OVER (PARTITION BY trajectory_id ORDER BY created_at DESC, id DESC
					ROWS UNBOUNDED PRECEDING) AS reply
			FROM coaching_messages
		) m WHERE sender_role = ? AND (prev IS NULL OR prev <> ?) AND since >= ? AND since < ?`,
		coaching.FromClinician, coaching.FromClient, coaching.FromClient, b.from(), b.to()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: waits for a reply: %w", err)
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
