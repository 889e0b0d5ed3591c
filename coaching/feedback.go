package coaching

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// Feedback is a clinician's feedback on one of the client's lessons.
type Feedback struct {
	ID            string
	TrajectoryID  string
	LessonID      string
	ClinicianName string
	Body          string
	GivenAt       time.Time
	ReadAt        *time.Time
}

// GiveFeedback is the clinician writing feedback on a lesson; the client
// sees it in the lesson and on their home page, and a feedback moment in
// that lesson opens.
func (s *Service) GiveFeedback(ctx context.Context, p auth.Principal, id, lessonID, body string) (*Feedback, error) {
	if p.Role != auth.RoleClinician {
		return nil, auth.ErrForbidden
	}
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n == 0 || n > MaxMessage {
		return nil, invalid("body", fmt.Sprintf("write your feedback (at most %d characters)", MaxMessage))
	}
	if !s.knownLesson(lessonID) {
		return nil, invalid("lesson", "is not a lesson of the course")
	}
	now := s.now().UTC()
	f := &feedback{ID: newID(), ClinicianID: p.UserID, LessonID: lessonID, CreatedAt: now}
	var err error
	if f.BodySealed, err = s.seal(body, "feedback:"+f.ID); err != nil {
		return nil, err
	}
	f.KeyID = keyID(f.BodySealed)
	var t *Trajectory
	// Access first, outside the transaction: a denied attempt is written
	// to the audit log, which SQLite's one write transaction would block.
	if _, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare); err != nil {
		return nil, err
	}
	err = s.store.Tx(ctx, func(st *Store) error {
		if t, err = s.trajectoryFor(ctx, st, p, id, AccessCare); err != nil {
			return err
		}
		if t.State != StateActive {
			return &TransitionError{From: t.State, To: StateActive}
		}
		f.TrajectoryID = t.ID
		if err := st.q(ctx).Create(f).Error; err != nil {
			return fmt.Errorf("coaching: insert feedback: %w", err)
		}
		return s.notifyClient(ctx, st, t, NotifyFeedback)
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, p, t, audit.ActionClientChange, "trajectory:"+t.ID+":feedback:"+lessonID); err != nil {
		return nil, err
	}
	return &Feedback{ID: f.ID, TrajectoryID: t.ID, LessonID: lessonID, Body: body, GivenAt: now}, nil
}

func (s *Service) knownLesson(lessonID string) bool {
	for _, p := range s.course.Library().Programmes() {
		if p.Lesson(lessonID) != nil {
			return true
		}
	}
	return false
}

// FeedbackFor returns the feedback of a trajectory (on lessonID only, when
// given), newest first. The client reading it marks it read; a clinician's
// read is audited.
func (s *Service) FeedbackFor(ctx context.Context, p auth.Principal, id, lessonID string) ([]Feedback, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleClient {
		if err := s.record(ctx, p, t, audit.ActionClientRead, "trajectory:"+t.ID+":feedback"); err != nil {
			return nil, err
		}
	}
	return s.feedbackOf(ctx, t, lessonID, p.Role == auth.RoleClient)
}

// ClientFeedback is the feedback of the client's trajectory going (or
// latest), for their home page and lessons; nil when they have none.
func (s *Service) ClientFeedback(ctx context.Context, p auth.Principal, lessonID string) ([]Feedback, error) {
	if p.Role != auth.RoleClient {
		return nil, auth.ErrForbidden
	}
	ts, err := s.store.TrajectoriesOf(ctx, p.UserID)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	return s.feedbackOf(ctx, &ts[0], lessonID, true)
}

func (s *Service) feedbackOf(ctx context.Context, t *Trajectory, lessonID string, markRead bool) ([]Feedback, error) {
	q := s.store.q(ctx).Where("trajectory_id = ?", t.ID)
	if lessonID != "" {
		q = q.Where("lesson_id = ?", lessonID)
	}
	var rows []feedback
	if err := q.Order("created_at DESC").Limit(500).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("coaching: feedback: %w", err)
	}
	ids := []string{}
	for _, r := range rows {
		ids = append(ids, r.ClinicianID)
	}
	names, err := s.people.Names(ctx, ids) // the clinician by their display name
	if err != nil {
		return nil, err
	}
	out := make([]Feedback, 0, len(rows))
	for _, r := range rows {
		body, err := s.open(r.BodySealed, "feedback:"+r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, Feedback{ID: r.ID, TrajectoryID: t.ID, LessonID: r.LessonID, ClinicianName: names[r.ClinicianID], Body: body, GivenAt: r.CreatedAt, ReadAt: r.ReadAt})
	}
	if markRead && len(rows) > 0 {
		// Only what was read: one lesson's feedback leaves the others new.
		upd := s.store.q(ctx).Model(&feedback{}).Where("trajectory_id = ? AND read_at IS NULL", t.ID)
		if lessonID != "" {
			upd = upd.Where("lesson_id = ?", lessonID)
		}
		err := upd.Update("read_at", s.now().UTC()).Error
		if err != nil {
			return nil, fmt.Errorf("coaching: mark feedback read: %w", err)
		}
	}
	return out, nil
}

// addWorkingDays is t plus n working days (Monday to Friday).
func (s *Service) addWorkingDays(t time.Time, n int) time.Time {
	d := t.In(s.cfg.Location)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d.UTC()
}
