package reports

// Rollups: the monthly report at a national service's volumes.
//
// The report's largest sources are the anonymous self-tests (every
// visitor who takes one: half a million in 18 months) and the self-help
// events (each lesson completed). Grouping them per month on every
// report costs time in proportion to the rows. So, for every closed
// month — a month in the report's time zone that is over — the
// `reports-rollup` job keeps their counts per month (report_month_counts):
// self-tests per instrument, band and crisis flag, the self-test profile
// answers per question, and self-help events per kind. The report reads
// those few rows for the closed months it covers and counts the months
// not rolled up (the current one, and any the job has not reached yet)
// from the raw rows, so its cost grows with the number of months, not
// with the rows. Figures are the same either way (rollup_test.go).
//
// Why a job rather than counting as events arrive: a submit would then
// update one hot row per month and band, serialising every self-test of
// a busy evening on the same lock and slowing the path that must stay
// fast; and a counter kept beside the data drifts when a write fails
// half-way. The job recounts a closed month from the raw rows in one
// transaction, so its rollup is always a recount.
//
// A row may still arrive in a closed month (a replica's clock, a retried
// request) or leave it (erasure): each run compares every closed month's
// raw row count with the count its rollup was made from
// (report_rollups.raw_rows) and rolls that month up again when they
// differ — a count per month on the time column's index. Rollups are
// made in the deployment's zone (HAVEN_TIMEZONE) and recorded with it:
// after a change of zone the report ignores them until the job has
// rolled the months up again in the new one. Running the job twice
// changes nothing.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Rollup sources and the metrics each writes.
const (
	sourceSelftests = "selftests"
	sourceEvents    = "selfhelp_events"

	// metricSelftests: key "instrument|band|crisis" (crisis 0 or 1).
	metricSelftests = "selftests"
	// metricProfile: key "question|answer", answer "" when not answered.
	metricProfile = "selftest_profile"
	// metricEvents: key the event kind.
	metricEvents = "selfhelp_events"

	// The profiles of the people who started self-help and who applied
	// for guided care: key "question|answer" (severity included).
	sourceSelfhelpPeople  = "selfhelp_people"
	sourceGuidancePeople  = "guidance_people"
	metricSelfhelpProfile = "selfhelp_profile"
	metricGuidanceProfile = "guidance_profile"

	// Trajectories by the month of an instant: applications and
	// extensions (key ""), ends (key "state|reason", reason "" for none).
	sourceApplied  = "trajectories_applied"
	sourceExtended = "trajectories_extended"
	sourceEnded    = "trajectories_ended"
	metricApplied  = "applications"
	metricExtended = "extensions"
	metricEnded    = "ends"

	// The lessons each starter of the month has completed so far: key the
	// number of lessons, n the starters (the median's distribution).
	sourceStarterLessons = "selfhelp_starters"
	metricStarterLessons = "starter_lessons"
)

type monthCount struct {
	Month  string
	Metric string
	Key    string
	N      int64
}

func (monthCount) TableName() string { return "report_month_counts" }

type rollupMark struct {
	Month    string `gorm:"primaryKey"`
	Source   string `gorm:"primaryKey"`
	Zone     string
	RawRows  int64
	RolledAt time.Time
}

func (rollupMark) TableName() string { return "report_rollups" }

// rollupSource is one raw table the job rolls up.
type rollupSource struct {
	name, table, col string
	metrics          []string
	// recount: the month's counts may change without its rows changing
	// (a person's profile comes from self-tests they claim later), so
	// every run recounts the month and rewrites it when its counts
	// differ.
	recount bool
	// where narrows the raw rows counted (the rows the rollup counts).
	where     string
	whereArgs []any
	// read counts one month's rows: the rollup's rows and the raw rows
	// they count.
	read func(ctx context.Context, q *gorm.DB, month string, from, to time.Time) ([]monthCount, int64, error)
}

func rollupSources() []rollupSource {
	return []rollupSource{
		{name: sourceSelftests, table: "selftest_submissions", col: "created_at", metrics: []string{metricSelftests, metricProfile}, read: readSelftestMonth},
		{name: sourceEvents, table: "selfhelp_events", col: "occurred_at", metrics: []string{metricEvents}, read: readEventMonth},
		{name: sourceApplied, table: "coaching_trajectories", col: colApplied, metrics: []string{metricApplied}, read: readTrajectoryCount(colApplied, metricApplied)},
		{name: sourceExtended, table: "coaching_trajectories", col: colExtended, metrics: []string{metricExtended}, read: readTrajectoryCount(colExtended, metricExtended)},
		{name: sourceEnded, table: "coaching_trajectories", col: "ended_at", metrics: []string{metricEnded}, read: readEnds},
		{name: sourceStarterLessons, table: "selfhelp_events", col: "occurred_at", metrics: []string{metricStarterLessons}, recount: true,
			where: "kind = ? AND enrolment_id IS NOT NULL", whereArgs: []any{eventStarted}, read: readStarterLessons},
		{name: sourceSelfhelpPeople, table: "selfhelp_enrolments", col: "started_at", metrics: []string{metricSelfhelpProfile}, recount: true,
			read: func(ctx context.Context, q *gorm.DB, month string, from, to time.Time) ([]monthCount, int64, error) {
				return readPeopleMonth(month, metricSelfhelpProfile, func(st *statsStore, p Periods) ([]profileRow, error) {
					return st.selfhelpProfiles(ctx, p, selfhelpStartPoint)
				}, q, from, to)
			}},
		{name: sourceGuidancePeople, table: "coaching_trajectories", col: "applied_at", metrics: []string{metricGuidanceProfile}, recount: true,
			read: func(ctx context.Context, q *gorm.DB, month string, from, to time.Time) ([]monthCount, int64, error) {
				return readPeopleMonth(month, metricGuidanceProfile, func(st *statsStore, p Periods) ([]profileRow, error) {
					return st.guidanceProfiles(ctx, p)
				}, q, from, to)
			}},
	}
}

// readTrajectoryCount counts the trajectories whose col falls in the month.
func readTrajectoryCount(col, metric string) func(context.Context, *gorm.DB, string, time.Time, time.Time) ([]monthCount, int64, error) {
	return func(ctx context.Context, q *gorm.DB, month string, from, to time.Time) ([]monthCount, int64, error) {
		var n int64
		if err := q.Table("coaching_trajectories").Where(col+" >= ? AND "+col+" < ?", from, to).Count(&n).Error; err != nil {
			return nil, 0, fmt.Errorf("trajectories by %s: %w", col, err)
		}
		if n == 0 {
			return nil, 0, nil
		}
		return []monthCount{{Month: month, Metric: metric, Key: "", N: n}}, n, nil
	}
}

// readEnds counts the trajectories that ended in the month by state and
// reason.
func readEnds(ctx context.Context, q *gorm.DB, month string, from, to time.Time) ([]monthCount, int64, error) {
	var rows []struct {
		State     string
		EndReason *string
		N         int64
	}
	if err := q.Raw(`SELECT state, end_reason, COUNT(*) AS n FROM coaching_trajectories
		WHERE ended_at >= ? AND ended_at < ? GROUP BY state, end_reason`, from, to).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("trajectory ends: %w", err)
	}
	sums := map[string]int64{}
	var order []string
	var total int64
	for _, r := range rows {
		k := r.State + "|"
		if r.EndReason != nil {
			k += *r.EndReason
		}
		if _, ok := sums[k]; !ok {
			order = append(order, k)
		}
		sums[k] += r.N
		total += r.N
	}
	out := make([]monthCount, 0, len(order))
	for _, k := range order {
		out = append(out, monthCount{Month: month, Metric: metricEnded, Key: k, N: sums[k]})
	}
	return out, total, nil
}

// readStarterLessons counts the month's starters by the distinct lessons
// each has completed so far.
func readStarterLessons(ctx context.Context, q *gorm.DB, month string, from, to time.Time) ([]monthCount, int64, error) {
	var rows []struct {
		Lessons int64
		N       int64
	}
	err := q.Raw(`SELECT lessons, COUNT(*) AS n FROM (
			SELECT s.id, COUNT(DISTINCT l.lesson_id) AS lessons FROM selfhelp_events s
			LEFT JOIN selfhelp_events l ON l.enrolment_id = s.enrolment_id AND l.kind = ?
			WHERE s.kind = ? AND s.enrolment_id IS NOT NULL AND s.occurred_at >= ? AND s.occurred_at < ?
			GROUP BY s.id) per GROUP BY lessons`, eventLesson, eventStarted, from, to).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("lessons per starter: %w", err)
	}
	out := make([]monthCount, 0, len(rows))
	var total int64
	for _, r := range rows {
		out = append(out, monthCount{Month: month, Metric: metricStarterLessons, Key: strconv.FormatInt(r.Lessons, 10), N: r.N})
		total += r.N
	}
	return out, total, nil
}

// selfhelpStartPoint is the course questionnaire whose band is a
// starter's severity (StatsOptions.SelfhelpStart's default).
const selfhelpStartPoint = "start"

// readPeopleMonth counts one month's people by each profile question's
// answer.
func readPeopleMonth(month, metric string, profiles func(*statsStore, Periods) ([]profileRow, error), q *gorm.DB, from, to time.Time) ([]monthCount, int64, error) {
	rows, err := profiles(&statsStore{db: q}, Periods{Labels: []string{month}, Bounds: []time.Time{from, to}})
	if err != nil {
		return nil, 0, err
	}
	sums := map[string]int64{}
	var order []string
	var total int64
	for _, r := range rows {
		for _, a := range []struct {
			q string
			v *string
		}{{QuestionAgeBand, r.AgeBand}, {QuestionGender, r.Gender}, {QuestionRegion, r.Region},
			{QuestionSoughtHelpBefore, r.SoughtHelpBefore}, {QuestionSeverity, r.Severity}} {
			k := a.q + "|"
			if a.v != nil {
				k += *a.v
			}
			if _, ok := sums[k]; !ok {
				order = append(order, k)
			}
			sums[k] += int64(r.N)
		}
		total += int64(r.N)
	}
	out := make([]monthCount, 0, len(order))
	for _, k := range order {
		out = append(out, monthCount{Month: month, Metric: metric, Key: k, N: sums[k]})
	}
	return out, total, nil
}

// Rollup keeps the closed months' counts (the `reports-rollup` job).
type Rollup struct {
	db  *gorm.DB
	loc *time.Location
}

// NewRollup returns the rollup of db's months in loc (HAVEN_TIMEZONE).
func NewRollup(db *gorm.DB, loc *time.Location) (*Rollup, error) {
	if db == nil || loc == nil {
		return nil, errors.New("reports: a rollup needs a database and a time zone")
	}
	return &Rollup{db: db, loc: loc}, nil
}

// Run rolls up every closed month (before now's month, in the zone) from
// the first month with rows, where the rollup is missing, was made in
// another zone, or counted another number of raw rows than the month now
// holds. It returns how many months of each source it rolled up.
func (r *Rollup) Run(ctx context.Context, now time.Time) (int, error) {
	current := MonthOf(now, r.loc)
	done := 0
	for _, src := range rollupSources() {
		var first struct{ M *instant }
		if err := r.db.WithContext(ctx).Raw("SELECT MIN(" + src.col + ") AS m FROM " + src.table).Scan(&first).Error; err != nil {
			return done, fmt.Errorf("reports: rollup %s: first month: %w", src.name, err)
		}
		if first.M == nil {
			continue
		}
		for m := MonthOf(first.M.Time, r.loc); m.Before(current); m = m.Add(1) {
			rolled, err := r.month(ctx, src, m)
			if err != nil {
				return done, err
			}
			if rolled {
				done++
			}
		}
	}
	return done, nil
}

// month rolls up one month of src unless its rollup is current.
func (r *Rollup) month(ctx context.Context, src rollupSource, m Month) (bool, error) {
	from, to := m.Start(r.loc).UTC(), m.Add(1).Start(r.loc).UTC()
	q := r.db.WithContext(ctx)
	var raw int64
	count := q.Table(src.table).Where(src.col+" >= ? AND "+src.col+" < ?", from, to)
	if src.where != "" {
		count = count.Where(src.where, src.whereArgs...)
	}
	if err := count.Count(&raw).Error; err != nil {
		return false, fmt.Errorf("reports: rollup %s %s: count: %w", src.name, m, err)
	}
	var marks []rollupMark
	if err := q.Where("month = ? AND source = ?", m.String(), src.name).Find(&marks).Error; err != nil {
		return false, fmt.Errorf("reports: rollup %s %s: %w", src.name, m, err)
	}
	current := len(marks) == 1 && marks[0].Zone == r.loc.String() && marks[0].RawRows == raw
	if current && !src.recount {
		return false, nil
	}
	var counted []monthCount
	var rows int64
	if src.recount {
		var err error
		if counted, rows, err = src.read(ctx, q, m.String(), from, to); err != nil {
			return false, fmt.Errorf("reports: rollup %s %s: %w", src.name, m, err)
		}
		if current {
			var stored []monthCount
			if err := q.Where("month = ? AND metric IN ?", m.String(), src.metrics).Find(&stored).Error; err != nil {
				return false, fmt.Errorf("reports: rollup %s %s: %w", src.name, m, err)
			}
			if sameCounts(stored, counted) {
				return false, nil
			}
		}
	}
	err := q.Transaction(func(tx *gorm.DB) error {
		counts := counted
		if !src.recount {
			var err error
			if counts, rows, err = src.read(ctx, tx, m.String(), from, to); err != nil {
				return err
			}
		}
		if err := tx.Where("month = ? AND metric IN ?", m.String(), src.metrics).Delete(&monthCount{}).Error; err != nil {
			return err
		}
		if err := tx.Where("month = ? AND source = ?", m.String(), src.name).Delete(&rollupMark{}).Error; err != nil {
			return err
		}
		if len(counts) > 0 {
			if err := tx.CreateInBatches(counts, 200).Error; err != nil {
				return err
			}
		}
		return tx.Create(&rollupMark{Month: m.String(), Source: src.name, Zone: r.loc.String(), RawRows: rows, RolledAt: time.Now().UTC()}).Error
	})
	if err != nil {
		return false, fmt.Errorf("reports: rollup %s %s: %w", src.name, m, err)
	}
	return true, nil
}

func readSelftestMonth(ctx context.Context, q *gorm.DB, month string, from, to time.Time) ([]monthCount, int64, error) {
	var rows []struct {
		InstrumentID, Band                        string
		Crisis                                    bool
		AgeBand, Gender, Region, SoughtHelpBefore *string
		N                                         int64
	}
	err := q.Raw(`SELECT instrument_id, band, crisis, age_band, gender, region, sought_help_before, COUNT(*) AS n
		FROM selftest_submissions WHERE created_at >= ? AND created_at < ?
		GROUP BY instrument_id, band, crisis, age_band, gender, region, sought_help_before`, from, to).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("self-tests: %w", err)
	}
	sums := map[[2]string]int64{}
	var order [][2]string
	add := func(metric, key string, n int64) {
		k := [2]string{metric, key}
		if _, ok := sums[k]; !ok {
			order = append(order, k)
		}
		sums[k] += n
	}
	var total int64
	for _, r := range rows {
		crisis := "0"
		if r.Crisis {
			crisis = "1"
		}
		add(metricSelftests, r.InstrumentID+"|"+r.Band+"|"+crisis, r.N)
		for _, a := range []struct {
			q string
			v *string
		}{{QuestionAgeBand, r.AgeBand}, {QuestionGender, r.Gender}, {QuestionRegion, r.Region}, {QuestionSoughtHelpBefore, r.SoughtHelpBefore}} {
			v := ""
			if a.v != nil {
				v = *a.v
			}
			add(metricProfile, a.q+"|"+v, r.N)
		}
		total += r.N
	}
	out := make([]monthCount, 0, len(order))
	for _, k := range order {
		out = append(out, monthCount{Month: month, Metric: k[0], Key: k[1], N: sums[k]})
	}
	return out, total, nil
}

func readEventMonth(ctx context.Context, q *gorm.DB, month string, from, to time.Time) ([]monthCount, int64, error) {
	var rows []struct {
		Kind string
		N    int64
	}
	if err := q.Raw(`SELECT kind, COUNT(*) AS n FROM selfhelp_events WHERE occurred_at >= ? AND occurred_at < ? GROUP BY kind`,
		from, to).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("self-help events: %w", err)
	}
	out := make([]monthCount, 0, len(rows))
	var total int64
	for _, r := range rows {
		out = append(out, monthCount{Month: month, Metric: metricEvents, Key: r.Kind, N: r.N})
		total += r.N
	}
	return out, total, nil
}

// sameCounts reports whether two sets of a month's rollup rows are equal.
func sameCounts(a, b []monthCount) bool {
	if len(a) != len(b) {
		return false
	}
	m := make(map[[2]string]int64, len(a))
	for _, c := range a {
		m[[2]string{c.Metric, c.Key}] = c.N
	}
	for _, c := range b {
		if n, ok := m[[2]string{c.Metric, c.Key}]; !ok || n != c.N {
			return false
		}
	}
	return true
}

// rolledCount is one rollup row of a month of the report's range.
type rolledCount struct {
	Bucket int
	Key    string
	N      int64
}

// rolledUp returns which of the months (in zone) source's rollup covers,
// and metric's rows for them, numbered by month.
func rolledUp(ctx context.Context, q *gorm.DB, months []Month, zone, source, metric string) ([]bool, []rolledCount, error) {
	names := make([]string, len(months))
	index := make(map[string]int, len(months))
	for i, m := range months {
		names[i] = m.String()
		index[names[i]] = i
	}
	var marked []string
	if err := q.WithContext(ctx).Model(&rollupMark{}).Where("source = ? AND zone = ? AND month IN ?", source, zone, names).
		Pluck("month", &marked).Error; err != nil {
		return nil, nil, fmt.Errorf("reports: rollups of %s: %w", source, err)
	}
	rolled := make([]bool, len(months))
	var in []string
	for _, m := range marked {
		rolled[index[m]] = true
		in = append(in, m)
	}
	if len(in) == 0 {
		return rolled, nil, nil
	}
	var rows []monthCount
	if err := q.WithContext(ctx).Where("metric = ? AND month IN ?", metric, in).Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("reports: rollup %s: %w", metric, err)
	}
	out := make([]rolledCount, 0, len(rows))
	for _, r := range rows {
		out = append(out, rolledCount{Bucket: index[r.Month], Key: r.Key, N: r.N})
	}
	return rolled, out, nil
}

// span is a run of consecutive months not rolled up: bounds[from..to]
// delimit months from..to-1 of the range.
type span struct{ from, to int }

// liveSpans are the runs of months that rolled leaves to count from the
// raw rows.
func liveSpans(rolled []bool) []span {
	var out []span
	for i := 0; i < len(rolled); i++ {
		if rolled[i] {
			continue
		}
		j := i
		for j < len(rolled) && !rolled[j] {
			j++
		}
		out = append(out, span{i, j})
		i = j
	}
	return out
}

// splitKey splits a rollup key into n parts ("phq9|mild|0").
func splitKey(key string, n int) ([]string, bool) {
	parts := strings.SplitN(key, "|", n)
	return parts, len(parts) == n
}
