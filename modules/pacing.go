package modules

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// Pacing: in a sequential programme each lesson opens when the one before
// is finished — and, with a pace, only that many days later, at midnight in
// the deployment's time zone, so a lesson that builds on days of diary
// keeping ("last week …") does not open the minute the one before ends; the
// course page says on which day. A lesson already opened stays open.
// progress (service.go) applies it, so the course page, OpenLesson and
// SaveStep all follow the same rule. Inside a running guided trajectory
// the clinician's order decides instead (guided.go clears the pace).
//
// A programme's pace is, first that which applies:
//
//  1. what a coordinator set for it (SetPace; the selfhelp_paces table);
//  2. the deployment's, HAVEN_SELFHELP_LESSON_DAYS (Options.LessonDays);
//  3. the programme's content (programme.yaml's lesson_days);
//  4. none: the next lesson opens at once.

// MaxLessonDays is the longest pace: a lesson opens at most this many days
// after the one before.
const MaxLessonDays = 60

// Where a programme's pace comes from (Pace.Source, Pace.DefaultSource).
const (
	PaceFromCoordinator = "coordinator" // SetPace
	PaceFromDeployment  = "deployment"  // HAVEN_SELFHELP_LESSON_DAYS
	PaceFromProgramme   = "programme"   // the content's lesson_days
	PaceNone            = "none"        // nothing sets one: at once
)

// Pace is a programme's rhythm: a lesson opens Days days after the one
// before was finished (0: at once).
type Pace struct {
	Programme *Programme
	Days      int
	Source    string
	// DefaultDays and DefaultSource are what applies without a
	// coordinator's choice (the deployment's, else the content's).
	DefaultDays   int
	DefaultSource string
	// SetAt is when a coordinator last set it (nil: never).
	SetAt *time.Time
}

// storedPace is a coordinator's choice for one programme.
type storedPace struct {
	ProgrammeID string `gorm:"primaryKey"`
	LessonDays  int
	SetBy       string
	SetAt       time.Time
}

func (storedPace) TableName() string { return "selfhelp_paces" }

// defaultPace is p's pace without a coordinator's choice.
func (s *Service) defaultPace(p *Programme) (int, string) {
	switch {
	case s.lessonDays != nil:
		return *s.lessonDays, PaceFromDeployment
	case p.LessonDays != nil:
		return *p.LessonDays, PaceFromProgramme
	}
	return 0, PaceNone
}

// pace is p's pace read through st.
func (s *Service) pace(ctx context.Context, st *Store, p *Programme) (*Pace, error) {
	pc := &Pace{Programme: p}
	pc.DefaultDays, pc.DefaultSource = s.defaultPace(p)
	pc.Days, pc.Source = pc.DefaultDays, pc.DefaultSource
	row, err := st.Pace(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if row != nil {
		at := row.SetAt
		pc.Days, pc.Source, pc.SetAt = row.LessonDays, PaceFromCoordinator, &at
	}
	return pc, nil
}

// Pace is a programme's rhythm and where it comes from, for the
// coordinators who may change it.
func (s *Service) Pace(ctx context.Context, programmeID string) (*Pace, error) {
	p, err := s.lib.Programme(programmeID)
	if err != nil {
		return nil, err
	}
	return s.pace(ctx, s.store, p)
}

// Paces are the rhythms of every programme on offer, in the library's order.
func (s *Service) Paces(ctx context.Context) ([]*Pace, error) {
	var out []*Pace
	for _, p := range s.lib.Programmes() {
		pc, err := s.pace(ctx, s.store, p)
		if err != nil {
			return nil, err
		}
		out = append(out, pc)
	}
	return out, nil
}

// SetPace is a coordinator setting a programme's rhythm: from now on a
// lesson opens days days (0–MaxLessonDays; 0 at once) after the one before
// was finished, for every client of the programme — a lesson already
// opened stays open. It is audited (selfhelp.pace_change, the programme and
// the days as the object); when the entry cannot be written nothing
// changes.
func (s *Service) SetPace(ctx context.Context, actor auth.Principal, programmeID string, days int) (*Pace, error) {
	if actor.Role != auth.RoleCoordinator || actor.UserID == "" {
		return nil, auth.ErrForbidden
	}
	p, err := s.lib.Programme(programmeID)
	if err != nil {
		return nil, err
	}
	if days < 0 || days > MaxLessonDays {
		v := newValidationError()
		v.Add("lesson_days", fmt.Sprintf("must be a whole number of days from 0 to %d", MaxLessonDays))
		return nil, v
	}
	if s.audit == nil {
		return nil, errors.New("modules: set pace: no audit log")
	}
	// The audit entry first, outside the write (SQLite has one writer):
	// no entry, no change.
	e := audit.Entry{ActorID: audit.Str(actor.UserID), ActorRole: string(actor.Role), SessionID: audit.Str(actor.SessionID),
		Action: audit.ActionPaceChange, Object: "selfhelp_programme:" + p.ID + ":lesson_days:" + strconv.Itoa(days),
		RequestID: actor.RequestID, Outcome: audit.OutcomeSuccess}
	if err := s.audit.Append(ctx, e); err != nil {
		return nil, fmt.Errorf("modules: audit pace: %w", err)
	}
	if err := s.store.SetPace(ctx, &storedPace{ProgrammeID: p.ID, LessonDays: days, SetBy: actor.UserID, SetAt: s.now().UTC()}); err != nil {
		return nil, err
	}
	return s.pace(ctx, s.store, p)
}

// Pace is the coordinator's choice for a programme, or nil.
func (s *Store) Pace(ctx context.Context, programmeID string) (*storedPace, error) {
	var row storedPace
	err := s.db.WithContext(ctx).Where("programme_id = ?", programmeID).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("modules: read pace: %w", err)
	}
	return &row, nil
}

// SetPace stores the coordinator's choice for a programme.
func (s *Store) SetPace(ctx context.Context, row *storedPace) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "programme_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"lesson_days", "set_by", "set_at"}),
	}).Create(row).Error
	if err != nil {
		return fmt.Errorf("modules: set pace: %w", err)
	}
	return nil
}

// paceOpens is when the lesson after one finished at done opens under a
// pace of days, or nil when it opens at once (no pace, an open programme,
// or the first lesson).
func (s *Service) paceOpens(p *Programme, days int, done *time.Time) *time.Time {
	if days == 0 || p.Unlock != UnlockSequential || done == nil {
		return nil
	}
	y, m, d := done.In(s.loc).Date()
	at := time.Date(y, m, d+days, 0, 0, 0, 0, s.loc)
	return &at
}
