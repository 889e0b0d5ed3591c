package coaching

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/selftest"
)

// The points of outcome monitoring: the PHQ-9 (and the GAD-7 when the
// intake showed anxiety) at intake, in week 6, at the end, and three and
// twelve months after the end — the year the modelled service follows its
// clients.
const (
	PointIntake     = "intake"
	PointWeek6      = "week6"
	PointEnd        = "end"
	PointFollowUp3  = "followup3"
	PointFollowUp12 = "followup12"
)

// Points lists the points in order.
var Points = []string{PointIntake, PointWeek6, PointEnd, PointFollowUp3, PointFollowUp12}

// ReliableChange is the PHQ-9 change that is more than measurement error
// (6 points); Recovered is going from 10 or more to under 10.
const (
	ReliableChange = 6
	CaseThreshold  = 10
)

// Due is one questionnaire of the outcome monitoring: when it is due, and
// whether it was taken.
type Due struct {
	Point      string
	Instrument string
	DueAt      time.Time
	Taken      *Score
}

// Score is a questionnaire taken.
type Score struct {
	Point      string
	Instrument string
	Score      int
	Band       string
	Crisis     bool
	TakenAt    time.Time
}

// dueAt is when a point is due for t, or false when its date is not known
// yet (the trajectory has not started or ended).
func (s *Service) dueAt(t *Trajectory, point string) (time.Time, bool) {
	switch point {
	case PointIntake:
		return t.AppliedAt, true
	case PointWeek6:
		if t.StartedAt == nil {
			return time.Time{}, false
		}
		return t.StartedAt.AddDate(0, 0, 42), true
	}
	var end time.Time
	switch {
	case t.EndedAt != nil && t.State == StateCompleted:
		end = *t.EndedAt
	case t.State == StateActive && t.PlannedEnd != nil:
		end = *t.PlannedEnd
	default:
		return time.Time{}, false
	}
	switch point {
	case PointEnd:
		if t.State == StateCompleted {
			return end, true
		}
		return end.AddDate(0, 0, -7), true // in the last week
	case PointFollowUp3:
		return PlannedEnd(end.In(s.cfg.Location), 3).UTC(), t.State == StateCompleted
	case PointFollowUp12:
		return PlannedEnd(end.In(s.cfg.Location), 12).UTC(), t.State == StateCompleted
	}
	return time.Time{}, false
}

// instruments are the questionnaires of each point for t.
func instruments(t *Trajectory) []string {
	if t.IntakeAnxiety {
		return []string{"phq9", "gad7"}
	}
	return []string{"phq9"}
}

// Schedule is t's outcome monitoring: every point with a known date, and
// what was taken.
func (s *Service) schedule(ctx context.Context, st *Store, t *Trajectory) ([]Due, error) {
	taken, err := st.measurements(ctx, []string{t.ID})
	if err != nil {
		return nil, err
	}
	return s.scheduleFrom(t, taken), nil
}

func (s *Service) scheduleFrom(t *Trajectory, taken []measurement) []Due {
	var out []Due
	for _, pt := range Points {
		at, known := s.dueAt(t, pt)
		for _, in := range instruments(t) {
			d := Due{Point: pt, Instrument: in, DueAt: at}
			for _, m := range taken {
				if m.TrajectoryID == t.ID && m.Point == pt && m.Instrument == in {
					d.Taken = &Score{Point: pt, Instrument: in, Score: m.Score, Band: m.Band, Crisis: m.Crisis, TakenAt: m.TakenAt}
				}
			}
			if known || d.Taken != nil {
				out = append(out, d)
			}
		}
	}
	return out
}

// Open reports whether a questionnaire can be taken now: due and not
// taken (a point stays open until the next one is due).
func (d Due) Open(now time.Time) bool { return d.Taken == nil && !now.Before(d.DueAt) }

// Schedule returns the outcome monitoring of a trajectory, for the client
// and their clinician alike (both see the due dates).
func (s *Service) Schedule(ctx context.Context, p auth.Principal, id string) ([]Due, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, err
	}
	return s.schedule(ctx, s.store, t)
}

// TakeMeasurement is the client answering a questionnaire that is due.
// It is scored by the self-test rules: an item-9 answer above 0 shows the
// client crisis help (the outcome's crisis flag) and raises an urgent
// alert for the clinician.
func (s *Service) TakeMeasurement(ctx context.Context, p auth.Principal, id, point, instrument, lang string, answers []selftest.Answer) (*selftest.Outcome, error) {
	if p.Role != auth.RoleClient {
		return nil, auth.ErrForbidden
	}
	out, err := s.qs.Evaluate(instrument, lang, answers)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	// Access first, outside the transaction: a denied attempt is written
	// to the audit log, which SQLite's one write transaction would block.
	if _, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare); err != nil {
		return nil, err
	}
	err = s.store.Tx(ctx, func(st *Store) error {
		t, err := s.trajectoryFor(ctx, st, p, id, AccessCare)
		if err != nil {
			return err
		}
		sched, err := s.schedule(ctx, st, t)
		if err != nil {
			return err
		}
		open := false
		for _, d := range sched {
			if d.Point == point && d.Instrument == instrument {
				open = d.Open(now)
			}
		}
		if !open {
			return fmt.Errorf("coaching: questionnaire %s/%s is not due: %w", point, instrument, ErrNotFound)
		}
		if err := s.saveMeasurement(ctx, st, t, point, out, answers, now); err != nil {
			return err
		}
		if out.Crisis {
			if err := s.raise(ctx, st, t, SourceQuestionnaire, now); err != nil {
				return err
			}
		}
		t.LastClientActivityAt = now
		return st.save(ctx, t, "last_client_activity_at")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) saveMeasurement(ctx context.Context, st *Store, t *Trajectory, point string, o *selftest.Outcome, answers []selftest.Answer, now time.Time) error {
	plain, err := json.Marshal(answers)
	if err != nil {
		return fmt.Errorf("coaching: encode answers: %w", err)
	}
	sealed, err := s.seal(string(plain), "measurement:"+t.ID+":"+point+":"+o.Instrument.ID)
	if err != nil {
		return err
	}
	m := &measurement{TrajectoryID: t.ID, Point: point, Instrument: o.Instrument.ID, Score: o.Score, Band: o.Band, Crisis: o.Crisis,
		AnswersSealed: sealed, KeyID: keyID(sealed), TakenAt: now}
	return st.addMeasurement(ctx, m)
}

// Trend is the PHQ-9 over a trajectory, against the intake: reliable
// change (6 points or more either way) and recovery (from 10 or more to
// under 10).
type Trend struct {
	Scores []Score
	// Change is the latest PHQ-9 minus the intake's (negative is better).
	Change         int
	ReliablyBetter bool
	ReliablyWorse  bool
	Recovered      bool
}

// trendOf computes the PHQ-9 trend of one trajectory's measurements.
func trendOf(ms []measurement, trajectoryID string) Trend {
	var tr Trend
	var first, last *measurement
	for i := range ms {
		m := &ms[i]
		if m.TrajectoryID != trajectoryID || m.Instrument != "phq9" {
			continue
		}
		tr.Scores = append(tr.Scores, Score{Point: m.Point, Instrument: m.Instrument, Score: m.Score, Band: m.Band, Crisis: m.Crisis, TakenAt: m.TakenAt})
		if first == nil || m.TakenAt.Before(first.TakenAt) {
			first = m
		}
		if last == nil || m.TakenAt.After(last.TakenAt) {
			last = m
		}
	}
	if first == nil || last == first {
		return tr
	}
	tr.Change = last.Score - first.Score
	tr.ReliablyBetter = tr.Change <= -ReliableChange
	tr.ReliablyWorse = tr.Change >= ReliableChange
	tr.Recovered = first.Score >= CaseThreshold && last.Score < CaseThreshold
	return tr
}

// Trend returns a trajectory's PHQ-9 trend; a clinician's read is audited.
func (s *Service) Trend(ctx context.Context, p auth.Principal, id string) (*Trend, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleClient {
		if err := s.record(ctx, p, t, audit.ActionClientRead, "trajectory:"+t.ID+":questionnaires"); err != nil {
			return nil, err
		}
	}
	ms, err := s.store.measurements(ctx, []string{t.ID})
	if err != nil {
		return nil, err
	}
	tr := trendOf(ms, t.ID)
	return &tr, nil
}

// addMeasurement inserts a measurement; a point is taken once.
func (s *Store) addMeasurement(ctx context.Context, m *measurement) error {
	res := s.q(ctx).Create(m)
	if res.Error != nil {
		if errors.Is(res.Error, errDuplicate) {
			return fmt.Errorf("coaching: questionnaire %s taken already: %w", m.Point, ErrNotFound)
		}
		return fmt.Errorf("coaching: save questionnaire: %w", res.Error)
	}
	return nil
}

// measurements returns the measurements of trajectories, oldest first.
func (s *Store) measurements(ctx context.Context, ids []string) ([]measurement, error) {
	var out []measurement
	if len(ids) == 0 {
		return out, nil
	}
	if err := s.q(ctx).Where("trajectory_id IN ?", ids).Order("taken_at").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("coaching: measurements: %w", err)
	}
	return out, nil
}
