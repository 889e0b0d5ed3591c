package modules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/selftest"
)

// LapseAfter is how long a client may stay away before a nudge.
const LapseAfter = 7 * 24 * time.Hour

// Lesson states as the client sees them.
const (
	LessonLocked     = "locked"
	LessonOpen       = "open"
	LessonInProgress = "in_progress"
	LessonDone       = "done"
)

// Service runs the self-help programmes for clients.
type Service struct {
	lib    *Library
	store  *Store
	sealer *seal.Sealer
	scorer Scorer
	crisis CrisisLines
	alert  CrisisAlerter
	// guidance is the guided trajectory's say over the course (guided.go).
	guidance Guidance
	now      func() time.Time
	loc      *time.Location
	// lessonDays is the deployment's pace for every programme
	// (HAVEN_SELFHELP_LESSON_DAYS), nil for each programme's own (pacing.go).
	lessonDays *int
	// audit records the coordinators' changes to a programme's pace.
	audit Auditor
	// mail says e-mail can be sent (Options.MailConfigured).
	mail bool
}

// Scorer scores the questionnaires a course offers; selftest.Service
// satisfies it, so the instruments' rules (the crisis rule first) apply
// inside the course exactly as in the self-test.
type Scorer interface {
	// Evaluate validates and scores answers without storing them.
	Evaluate(instrumentID, lang string, answers []selftest.Answer) (*selftest.Outcome, error)
	// Restore rebuilds the outcome of a questionnaire scored before.
	Restore(instrumentID, lang string, score int, band string, crisis bool, at time.Time) (*selftest.Outcome, error)
}

// CrisisLines gives the deployment's crisis help in a language, to print in
// what the course hands out (the plan, the reminder e-mail);
// selftest.Service satisfies it.
type CrisisLines interface {
	// CrisisHelpForAll is every configured country's lines (the default
	// country first) with those for young people, in lang.
	CrisisHelpForAll(lang, country string) *selftest.CrisisHelp
}

// Auditor appends to the audit log (audit.Log).
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) error
}

// Options are what a Service is built from.
type Options struct {
	Library *Library
	Store   *Store
	Sealer  *seal.Sealer
	Scorer  Scorer
	Crisis  CrisisLines
	// Alerter is told of every crisis answer in the course (optional:
	// cmd/haven/wire gives the guided trajectory's).
	Alerter CrisisAlerter
	// Guidance is the clinician's order and feedback moments of the
	// guided trajectory (optional: cmd/haven/wire gives it).
	Guidance Guidance
	Now      func() time.Time
	// Location is the deployment's time zone: a diary day is a day there.
	Location *time.Location
	// LessonDays is the deployment's pace for every sequential programme
	// (HAVEN_SELFHELP_LESSON_DAYS): a lesson opens this many days after the
	// one before was finished, at midnight in Location; 0 opens it at
	// once. Nil leaves each programme's own (its content's lesson_days). A
	// coordinator's choice (SetPace) comes before either (pacing.go).
	LessonDays *int
	// Audit records a coordinator's change of pace (required for SetPace;
	// cmd/haven/wire gives the audit log).
	Audit Auditor
	// MailConfigured says e-mail can be sent (cmd/haven/wire sets it when
	// a mailer exists, HAVEN_SMTP_URL): without it no reminder address is
	// taken (SetNudgeEmail, ErrMailNotConfigured).
	MailConfigured bool
}

// NewService returns a self-help service.
func NewService(o Options) (*Service, error) {
	if o.Library == nil || o.Store == nil || o.Sealer == nil || o.Scorer == nil || o.Crisis == nil || o.Now == nil {
		return nil, errors.New("modules: NewService needs a library, a store, a sealer, a scorer, crisis lines and a clock")
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.LessonDays != nil && (*o.LessonDays < 0 || *o.LessonDays > MaxLessonDays) {
		return nil, fmt.Errorf("modules: LessonDays must be from 0 to %d", MaxLessonDays)
	}
	return &Service{lib: o.Library, store: o.Store, sealer: o.Sealer, scorer: o.Scorer, crisis: o.Crisis, alert: o.Alerter, guidance: o.Guidance,
		now: o.Now, loc: o.Location, lessonDays: o.LessonDays, audit: o.Audit, mail: o.MailConfigured}, nil
}

// Library returns the programmes on offer.
func (s *Service) Library() *Library { return s.lib }

// Today is the current day in the deployment's time zone, as a date at
// midnight UTC (the form diary days are compared in).
func (s *Service) Today() time.Time {
	y, m, d := s.now().In(s.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Progress is where a client stands in a programme.
type Progress struct {
	Enrolment *Enrolment
	Programme *Programme
	Lessons   []LessonProgress
	// Resume is the lesson and step to continue at.
	ResumeLesson string
	ResumeStep   string
	Measures     []MeasureState
	// Advice is what the questionnaires taken say about the course
	// (advice.go), or nil.
	Advice *CourseAdvice
	// Nudge is a "welcome back" reminder to show once, or nil.
	Nudge *Nudge
	// Guided is set when a clinician guides the course: the lessons open
	// in the order of Assigned (guided.go) instead of the programme's.
	Guided   bool
	Assigned []string
	// guidance is the guided trajectory's answer this progress was
	// computed with (asked once per read).
	guidance CourseGuidance
	// Waiting is the first feedback moment the client waits at, or nil.
	Waiting *Waiting
}

// LessonProgress is one lesson's state.
type LessonProgress struct {
	Lesson      *Lesson
	State       string
	OpenedAt    *time.Time
	CompletedAt *time.Time
	// Waiting is set when the client finished a feedback moment of this
	// lesson and waits for their clinician's feedback (guided.go).
	Waiting *Waiting
	// OpensAt is when a lesson locked by the programme's pace opens (the
	// one before is finished); nil otherwise.
	OpensAt *time.Time
}

// MeasureState is one questionnaire point: due now, taken, or later.
type MeasureState struct {
	Point MeasurePoint
	Due   bool
	Taken *Measurement
}

// Start enrols the user in a programme (once) and returns their progress.
func (s *Service) Start(ctx context.Context, userID, programmeID string) (*Progress, error) {
	p, err := s.lib.Programme(programmeID)
	if err != nil {
		return nil, err
	}
	if _, err := s.enrol(ctx, s.store, p, userID, s.now().UTC()); err != nil {
		return nil, err
	}
	return s.Progress(ctx, userID, programmeID)
}

// enrol returns the user's enrolment in p, creating it at the first lesson
// when there is none.
func (s *Service) enrol(ctx context.Context, st *Store, p *Programme, userID string, now time.Time) (*Enrolment, error) {
	first := p.Lessons[0]
	e := &Enrolment{ID: uuid.NewString(), UserID: userID, ProgrammeID: p.ID, ProgrammeVersion: p.Version,
		StartedAt: now, LastActiveAt: now, CurrentLesson: first.ID, CurrentStep: first.Steps[0].ID}
	if _, err := st.CreateEnrolment(ctx, e); err != nil {
		return nil, err
	}
	return st.Enrolment(ctx, userID, p.ID)
}

// Progress returns the client's progress, or ErrNotFound when not enrolled.
// It only reads: a pending "welcome back" nudge is included until the page
// that shows it calls AckNudge, so opening a lesson or a questionnaire
// first never swallows it.
func (s *Service) Progress(ctx context.Context, userID, programmeID string) (*Progress, error) {
	p, err := s.lib.Programme(programmeID)
	if err != nil {
		return nil, err
	}
	e, err := s.store.Enrolment(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	pr, err := s.progress(ctx, s.store, p, e, true)
	if err != nil {
		return nil, err
	}
	if pr.Nudge, err = s.store.UnshownNudge(ctx, e.ID); err != nil {
		return nil, err
	}
	return pr, nil
}

// AckNudge marks the pending nudges of an enrolment as shown, after the
// client has seen the "welcome back" message.
func (s *Service) AckNudge(ctx context.Context, pr *Progress) error {
	if pr.Nudge == nil {
		return nil
	}
	return s.store.MarkNudgesShown(ctx, pr.Enrolment.ID, s.now().UTC())
}

// progress computes lesson states (and, with measures, the questionnaire
// points, which the hot save path does not need).
func (s *Service) progress(ctx context.Context, st *Store, p *Programme, e *Enrolment, measures bool) (*Progress, error) {
	states, err := st.Lessons(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	byID := map[string]LessonState{}
	for _, ls := range states {
		byID[ls.LessonID] = ls
	}
	pr := &Progress{Enrolment: e, Programme: p, ResumeLesson: e.CurrentLesson, ResumeStep: e.CurrentStep}
	if pr.guidance, err = s.course(ctx, e.UserID, p); err != nil {
		return nil, err
	}
	waits, err := feedbackWaits(ctx, st, p, e, pr.guidance)
	if err != nil {
		return nil, err
	}
	prevDone := true
	var prevCompleted *time.Time
	now := s.now()
	// The pace is read once, and only when a lesson waits for it.
	var pace *Pace
	for _, l := range p.Lessons {
		lp := LessonProgress{Lesson: l}
		ls, opened := byID[l.ID]
		switch {
		case opened && ls.CompletedAt != nil:
			lp.State = LessonDone
		case opened:
			lp.State = LessonInProgress
		case p.Unlock == UnlockOpen:
			lp.State = LessonOpen
		case prevDone:
			lp.State = LessonOpen
			if prevCompleted != nil && p.Unlock == UnlockSequential && pace == nil {
				if pace, err = s.pace(ctx, st, p); err != nil {
					return nil, err
				}
			}
			if pace != nil {
				if at := s.paceOpens(p, pace.Days, prevCompleted); at != nil && now.Before(*at) {
					lp.State, lp.OpensAt = LessonLocked, at
				}
			}
		default:
			lp.State = LessonLocked
		}
		if opened {
			lp.OpenedAt, lp.CompletedAt = &ls.OpenedAt, ls.CompletedAt
		}
		if lp.Waiting = waits[l.ID]; lp.Waiting != nil && pr.Waiting == nil {
			pr.Waiting = lp.Waiting
		}
		prevDone, prevCompleted = lp.State == LessonDone && lp.Waiting == nil, lp.CompletedAt
		pr.Lessons = append(pr.Lessons, lp)
	}
	pr.Assigned, pr.Guided = pr.guidance.Assigned, pr.guidance.Guided()
	if pr.Guided {
		guide(pr)
	}
	// A lesson removed from the content since: resume at the first
	// unfinished lesson instead.
	if l := p.Lesson(pr.ResumeLesson); l == nil || l.Step(pr.ResumeStep) == nil {
		pr.ResumeLesson, pr.ResumeStep = p.Lessons[0].ID, p.Lessons[0].Steps[0].ID
		for _, lp := range pr.Lessons {
			if lp.State != LessonDone && lp.State != LessonLocked {
				pr.ResumeLesson, pr.ResumeStep = lp.Lesson.ID, lp.Lesson.Steps[0].ID
				break
			}
		}
	}
	if measures && p.Measures != nil {
		taken, err := st.Measurements(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		for _, pt := range p.Measures.Points {
			ms := MeasureState{Point: pt}
			for i := range taken {
				if taken[i].PointID == pt.ID {
					ms.Taken = &taken[i]
				}
			}
			if ms.Taken == nil {
				if pt.Before != "" {
					ms.Due = byID[pt.Before].CompletedAt == nil
				} else {
					ms.Due = byID[pt.After].CompletedAt != nil
				}
			}
			pr.Measures = append(pr.Measures, ms)
		}
		if pr.Advice, err = s.adviceFor(p, taken); err != nil {
			return nil, err
		}
	}
	return pr, nil
}

// EraseUser removes the user's self-help data for good, keeping anonymous counts.
func (s *Service) EraseUser(ctx context.Context, userID string) error {
	return s.store.EraseUser(ctx, userID)
}

// Completions lists the lessons several clients finished, in one query
// whatever their number (for a clinician's caseload).
func (s *Service) Completions(ctx context.Context, userIDs []string) ([]Completion, error) {
	return s.store.Completions(ctx, userIDs)
}
