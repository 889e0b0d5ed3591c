package modules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/haven-mh/haven/db/kind"
	"github.com/haven-mh/haven/db/seal"
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
	now    func() time.Time
}

// NewService returns a self-help service.
func NewService(lib *Library, store *Store, sealer *seal.Sealer, now func() time.Time) *Service {
	return &Service{lib: lib, store: store, sealer: sealer, now: now}
}

// Library returns the programmes on offer.
func (s *Service) Library() *Library { return s.lib }

// Progress is where a client stands in a programme.
type Progress struct {
	Enrolment *Enrolment
	Programme *Programme
	Lessons   []LessonProgress
	// Resume is the lesson and step to continue at.
	ResumeLesson string
	ResumeStep   string
	Measures     []MeasureState
	// Nudge is a "welcome back" reminder to show once, or nil.
	Nudge *Nudge
}

// LessonProgress is one lesson's state.
type LessonProgress struct {
	Lesson      *Lesson
	State       string
	OpenedAt    *time.Time
	CompletedAt *time.Time
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
	now := s.now().UTC()
	first := p.Lessons[0]
	e := &Enrolment{ID: uuid.NewString(), UserID: userID, ProgrammeID: p.ID, ProgrammeVersion: p.Version,
		StartedAt: now, LastActiveAt: now, CurrentLesson: first.ID, CurrentStep: first.Steps[0].ID}
	if _, err := s.store.CreateEnrolment(ctx, e); err != nil {
		return nil, err
	}
	return s.Progress(ctx, userID, programmeID)
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
	pr, err := s.progress(ctx, p, e, true)
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
func (s *Service) progress(ctx context.Context, p *Programme, e *Enrolment, measures bool) (*Progress, error) {
	states, err := s.store.Lessons(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	byID := map[string]LessonState{}
	for _, st := range states {
		byID[st.LessonID] = st
	}
	pr := &Progress{Enrolment: e, Programme: p, ResumeLesson: e.CurrentLesson, ResumeStep: e.CurrentStep}
	prevDone := true
	for _, l := range p.Lessons {
		lp := LessonProgress{Lesson: l}
		st, opened := byID[l.ID]
		switch {
		case opened && st.CompletedAt != nil:
			lp.State = LessonDone
		case opened:
			lp.State = LessonInProgress
		case prevDone || p.Unlock == UnlockOpen:
			lp.State = LessonOpen
		default:
			lp.State = LessonLocked
		}
		if opened {
			lp.OpenedAt, lp.CompletedAt = &st.OpenedAt, st.CompletedAt
		}
		prevDone = lp.State == LessonDone
		pr.Lessons = append(pr.Lessons, lp)
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
		taken, err := s.store.Measurements(ctx, e.ID)
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
	}
	return pr, nil
}

// LessonView is a lesson as the client works on it.
type LessonView struct {
	Programme *Programme
	Lesson    *Lesson
	State     string
	// Answers holds the saved answers of this lesson, by step id.
	Answers map[string]StepAnswer
	// CarriedHomework is the previous lesson's homework and the client's
	// answer to it, shown at the start of this lesson; nil when none.
	CarriedHomework *CarriedHomework
}

// StepAnswer is a saved, decrypted answer.
type StepAnswer struct {
	LessonID    string
	StepID      string
	Values      Values
	UpdatedAt   time.Time
	CompletedAt *time.Time
	// Removed is set when the step no longer exists in the content; the
	// answer is kept and exported.
	Removed bool
}

// CarriedHomework is last lesson's homework, brought forward.
type CarriedHomework struct {
	Lesson *Lesson
	Step   *Step
	Answer *StepAnswer
}

// OpenLesson opens a lesson for the client (enrolling them if needed),
// records its first opening, and returns it with their saved answers.
func (s *Service) OpenLesson(ctx context.Context, userID, programmeID, lessonID string) (*LessonView, error) {
	pr, err := s.Start(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	p := pr.Programme
	l := p.Lesson(lessonID)
	if l == nil {
		return nil, fmt.Errorf("modules: lesson %q: %w", lessonID, ErrNotFound)
	}
	state := pr.Lessons[l.Number-1].State
	if state == LessonLocked {
		return nil, fmt.Errorf("modules: lesson %q: %w", lessonID, ErrLocked)
	}
	now := s.now().UTC()
	e := pr.Enrolment
	err = s.store.Tx(ctx, func(st *Store) error {
		first, err := st.OpenLesson(ctx, e.ID, l.ID, now)
		if err != nil {
			return err
		}
		if first && l.Number == 1 {
			if err := st.RecordEvent(ctx, EventStarted, p.ID, "", e.ID, now); err != nil {
				return err
			}
		}
		if first {
			state = LessonInProgress
			return st.UpdatePosition(ctx, e.ID, l.ID, l.Steps[0].ID, now)
		}
		return st.Touch(ctx, e.ID, now)
	})
	if err != nil {
		return nil, err
	}
	answers, err := s.answers(ctx, e, l.ID)
	if err != nil {
		return nil, err
	}
	v := &LessonView{Programme: p, Lesson: l, State: state, Answers: map[string]StepAnswer{}}
	for _, a := range answers {
		v.Answers[a.StepID] = a
	}
	if prev := p.Previous(l); prev != nil && prev.Homework() != nil {
		hw := &CarriedHomework{Lesson: prev, Step: prev.Homework()}
		prevAnswers, err := s.answers(ctx, e, prev.ID)
		if err != nil {
			return nil, err
		}
		for i := range prevAnswers {
			if prevAnswers[i].StepID == hw.Step.ID {
				hw.Answer = &prevAnswers[i]
			}
		}
		v.CarriedHomework = hw
	}
	return v, nil
}

// SaveResult says what saving a step did.
type SaveResult struct {
	Answer StepAnswer
	// NextLesson and NextStep are where the client goes next; NextStep is
	// empty when the lesson is finished.
	NextLesson      string
	NextStep        string
	LessonCompleted bool
	CourseCompleted bool
}

// SaveStep validates and saves the client's answers to one step (sealed at
// rest) and moves their bookmark. complete marks the step done: required
// fields must then be filled, and finishing the last step finishes the
// lesson (and, after the last lesson, the course).
func (s *Service) SaveStep(ctx context.Context, userID, programmeID, lessonID, stepID string, raw Values, complete bool) (*SaveResult, error) {
	p, err := s.lib.Programme(programmeID)
	if err != nil {
		return nil, err
	}
	l := p.Lesson(lessonID)
	if l == nil {
		return nil, fmt.Errorf("modules: lesson %q: %w", lessonID, ErrNotFound)
	}
	step := l.Step(stepID)
	if step == nil {
		return nil, fmt.Errorf("modules: step %q: %w", stepID, ErrNotFound)
	}
	e, err := s.store.Enrolment(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	pr, err := s.progress(ctx, p, e, false)
	if err != nil {
		return nil, err
	}
	if st := pr.Lessons[l.Number-1].State; st == LessonLocked || st == LessonOpen {
		// Open the lesson first (OpenLesson); a locked one cannot be saved.
		if st == LessonLocked {
			return nil, fmt.Errorf("modules: lesson %q: %w", lessonID, ErrLocked)
		}
		return nil, fmt.Errorf("modules: lesson %q is not opened yet: %w", lessonID, ErrNotFound)
	}
	values, err := NormalizeValues(step, raw, complete)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(values)
	if err != nil {
		return nil, fmt.Errorf("modules: encode answer: %w", err)
	}
	sealed, err := s.sealer.Seal(plain, answerContext(e.ID, l.ID, step.ID))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	a := &storedAnswer{EnrolmentID: e.ID, LessonID: l.ID, StepID: step.ID, Sealed: sealed, KeyID: seal.KeyID(sealed),
		ProgrammeVersion: p.Version, UpdatedAt: now}
	if complete {
		a.CompletedAt = &now
	}
	res := &SaveResult{Answer: StepAnswer{LessonID: l.ID, StepID: step.ID, Values: values, UpdatedAt: now, CompletedAt: a.CompletedAt},
		NextLesson: l.ID, NextStep: step.ID}
	idx := l.StepIndex(step.ID)
	if complete {
		if idx+1 < len(l.Steps) {
			res.NextStep = l.Steps[idx+1].ID
		} else {
			res.NextStep = ""
			if next := p.Next(l); next != nil {
				res.NextLesson, res.NextStep = next.ID, next.Steps[0].ID
			}
		}
	}
	err = s.store.Tx(ctx, func(st *Store) error {
		if err := st.SaveAnswer(ctx, a); err != nil {
			return err
		}
		if complete && idx == len(l.Steps)-1 {
			done, err := st.CompleteLesson(ctx, e.ID, l.ID, now)
			if err != nil {
				return err
			}
			if done {
				res.LessonCompleted = true
				if err := st.RecordEvent(ctx, EventLessonCompleted, p.ID, l.ID, e.ID, now); err != nil {
					return err
				}
			}
			if allDone(pr, l.ID) {
				finished, err := st.CompleteEnrolment(ctx, e.ID, now)
				if err != nil {
					return err
				}
				if finished {
					res.CourseCompleted = true
					if err := st.RecordEvent(ctx, EventCourseCompleted, p.ID, "", e.ID, now); err != nil {
						return err
					}
				}
			}
		}
		lesson, stepID := res.NextLesson, res.NextStep
		if stepID == "" { // the very end: keep the bookmark on the last step
			lesson, stepID = l.ID, step.ID
		}
		return st.UpdatePosition(ctx, e.ID, lesson, stepID, now)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// allDone reports whether every lesson is done once justFinished is.
func allDone(pr *Progress, justFinished string) bool {
	for _, lp := range pr.Lessons {
		if lp.Lesson.ID != justFinished && lp.State != LessonDone {
			return false
		}
	}
	return true
}

func answerContext(enrolmentID, lessonID, stepID string) string {
	return "selfhelp-answer:" + enrolmentID + ":" + lessonID + ":" + stepID
}

// answers decrypts the saved answers of an enrolment (one lesson, or all
// when lessonID is empty). Answers to steps that no longer exist are kept
// and marked Removed.
func (s *Service) answers(ctx context.Context, e *Enrolment, lessonID string) ([]StepAnswer, error) {
	rows, err := s.store.Answers(ctx, e.ID, lessonID)
	if err != nil {
		return nil, err
	}
	p, _ := s.lib.Programme(e.ProgrammeID)
	out := make([]StepAnswer, 0, len(rows))
	for _, r := range rows {
		plain, err := s.sealer.Open(r.Sealed, answerContext(r.EnrolmentID, r.LessonID, r.StepID))
		if err != nil {
			return nil, fmt.Errorf("modules: open answer %s/%s: %w", r.LessonID, r.StepID, err)
		}
		var v Values
		if err := json.Unmarshal(plain, &v); err != nil {
			return nil, fmt.Errorf("modules: decode answer %s/%s: %w", r.LessonID, r.StepID, err)
		}
		removed := p == nil || p.Lesson(r.LessonID) == nil || p.Lesson(r.LessonID).Step(r.StepID) == nil
		out = append(out, StepAnswer{LessonID: r.LessonID, StepID: r.StepID, Values: v, UpdatedAt: r.UpdatedAt,
			CompletedAt: r.CompletedAt, Removed: removed})
	}
	return out, nil
}

// Answers returns all of a client's saved answers in a programme,
// including those to steps since removed from the content.
func (s *Service) Answers(ctx context.Context, userID, programmeID string) ([]StepAnswer, error) {
	e, err := s.store.Enrolment(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	return s.answers(ctx, e, "")
}

// RecordMeasurement links a questionnaire the client just took (through
// the self-test service) to a measurement point of the programme.
func (s *Service) RecordMeasurement(ctx context.Context, userID, programmeID, pointID, submissionID string, score int, band string) error {
	pr, err := s.Progress(ctx, userID, programmeID)
	if err != nil {
		return err
	}
	var due bool
	for _, m := range pr.Measures {
		if m.Point.ID == pointID {
			due = m.Due
		}
	}
	if !due {
		return fmt.Errorf("modules: measurement %q is not due: %w", pointID, ErrNotFound)
	}
	now := s.now().UTC()
	return s.store.Tx(ctx, func(st *Store) error {
		saved, err := st.SaveMeasurement(ctx, &Measurement{EnrolmentID: pr.Enrolment.ID, PointID: pointID,
			SubmissionID: submissionID, Score: score, Band: band, TakenAt: now})
		if err != nil || !saved {
			return err
		}
		if err := st.RecordEvent(ctx, EventMeasurement, programmeID, "", pr.Enrolment.ID, now); err != nil {
			return err
		}
		return st.Touch(ctx, pr.Enrolment.ID, now)
	})
}

// DiaryEntry is one day of the mood diary.
type DiaryEntry struct {
	Day        string   `json:"day"`
	Mood       int      `json:"mood"`
	Note       string   `json:"note,omitempty"`
	Activities []string `json:"activities,omitempty"`
}

func diaryContext(userID, day, part string) string {
	return "selfhelp-diary:" + userID + ":" + day + ":" + part
}

// SaveDiary saves the entry of one day (replacing an earlier one). The day
// may not be in the future nor more than a year back.
func (s *Service) SaveDiary(ctx context.Context, userID string, in DiaryEntry) (*DiaryEntry, error) {
	verr := newValidationError()
	day, err := time.Parse(time.DateOnly, in.Day)
	today := s.now().UTC().Truncate(24 * time.Hour)
	switch {
	case err != nil:
		verr.Add("day", "must be a date written YYYY-MM-DD")
	case day.After(today.Add(24 * time.Hour)):
		verr.Add("day", "cannot be in the future")
	case day.Before(today.AddDate(-1, 0, 0)):
		verr.Add("day", "cannot be more than a year ago")
	}
	if in.Mood < ScaleMin || in.Mood > ScaleMax {
		verr.Add("mood", fmt.Sprintf("must be a whole number from %d to %d", ScaleMin, ScaleMax))
	}
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > MaxTextLen {
		verr.Add("note", fmt.Sprintf("must be at most %d characters", MaxTextLen))
	}
	var acts []string
	for _, a := range in.Activities {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(acts, a) {
			acts = append(acts, a)
		}
		if len([]rune(a)) > MaxListItemLen {
			verr.Add("activities", fmt.Sprintf("each activity must be at most %d characters", MaxListItemLen))
		}
	}
	if len(acts) > MaxListItems {
		verr.Add("activities", fmt.Sprintf("at most %d activities", MaxListItems))
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	in.Activities = acts
	row := &storedDiaryEntry{UserID: userID, Day: in.Day, Mood: in.Mood, KeyID: s.sealer.CurrentKeyID(), UpdatedAt: s.now().UTC()}
	if in.Note != "" {
		sealed, err := s.sealer.Seal([]byte(in.Note), diaryContext(userID, in.Day, "note"))
		if err != nil {
			return nil, err
		}
		row.NoteSealed = &sealed
	}
	if len(acts) > 0 {
		b, _ := json.Marshal(acts)
		sealed, err := s.sealer.Seal(b, diaryContext(userID, in.Day, "activities"))
		if err != nil {
			return nil, err
		}
		row.ActivitiesSealed = &sealed
	}
	if err := s.store.SaveDiary(ctx, row); err != nil {
		return nil, err
	}
	return &in, nil
}

// Diary returns the entries from day from to day to (inclusive), oldest first.
func (s *Service) Diary(ctx context.Context, userID string, from, to time.Time) ([]DiaryEntry, error) {
	rows, err := s.store.Diary(ctx, userID, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	out := make([]DiaryEntry, 0, len(rows))
	for _, r := range rows {
		e := DiaryEntry{Day: r.Day, Mood: r.Mood}
		if r.NoteSealed != nil {
			b, err := s.sealer.Open(*r.NoteSealed, diaryContext(userID, r.Day, "note"))
			if err != nil {
				return nil, fmt.Errorf("modules: open diary note %s: %w", r.Day, err)
			}
			e.Note = string(b)
		}
		if r.ActivitiesSealed != nil {
			b, err := s.sealer.Open(*r.ActivitiesSealed, diaryContext(userID, r.Day, "activities"))
			if err != nil {
				return nil, fmt.Errorf("modules: open diary activities %s: %w", r.Day, err)
			}
			if err := json.Unmarshal(b, &e.Activities); err != nil {
				return nil, fmt.Errorf("modules: decode diary activities %s: %w", r.Day, err)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// DeleteDiary removes one day's entry.
func (s *Service) DeleteDiary(ctx context.Context, userID, day string) error {
	return s.store.DeleteDiary(ctx, userID, day)
}

// Mailer sends the nudge e-mail. Implementations must not log the address.
type Mailer interface {
	SendNudge(ctx context.Context, to, programmeTitle, lang string) error
}

// SetNudgeEmail stores the address the client opted in with (sealed, used
// for nudges alone); an empty address removes it.
func (s *Service) SetNudgeEmail(ctx context.Context, userID, programmeID, address string) error {
	e, err := s.store.Enrolment(ctx, userID, programmeID)
	if err != nil {
		return err
	}
	address = strings.TrimSpace(address)
	if address == "" {
		return s.store.SetNudgeEmail(ctx, e.ID, nil)
	}
	if !strings.Contains(address, "@") || len(address) > 254 || strings.ContainsAny(address, " \r\n<>") {
		return kind.Field("modules", "email", "is not an e-mail address")
	}
	sealed, err := s.sealer.Seal([]byte(address), "selfhelp-nudge-email:"+e.ID)
	if err != nil {
		return err
	}
	return s.store.SetNudgeEmail(ctx, e.ID, &sealed)
}

// RunNudges is the scheduled job: every unfinished enrolment without
// activity for LapseAfter gets one nudge per lapse — shown in the app on
// return, and e-mailed when the client opted in. A lapse is claimed in the
// database before anything is sent, so it is never nudged twice, even when
// the job runs again or on two replicas.
func (s *Service) RunNudges(ctx context.Context, now time.Time, mailer Mailer) (int, error) {
	lapsed, err := s.store.LapsedEnrolments(ctx, now.Add(-LapseAfter))
	if err != nil {
		return 0, err
	}
	var errs []error
	sent := 0
	for _, e := range lapsed {
		n := &Nudge{EnrolmentID: e.ID, LapseSince: e.LastActiveAt.UTC(), CreatedAt: now.UTC()}
		created, err := s.store.CreateNudge(ctx, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !created || e.NudgeEmailSealed == nil || mailer == nil {
			continue
		}
		addr, err := s.sealer.Open(*e.NudgeEmailSealed, "selfhelp-nudge-email:"+e.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("modules: open nudge address of %s: %w", e.ID, err))
			continue
		}
		title := e.ProgrammeID
		if p, err := s.lib.Programme(e.ProgrammeID); err == nil {
			title = p.Title.In(p.Languages[0])
		}
		if err := mailer.SendNudge(ctx, string(addr), title, ""); err != nil {
			errs = append(errs, fmt.Errorf("modules: send nudge for %s: %w", e.ID, err))
			continue
		}
		if err := s.store.MarkNudgeEmailed(ctx, n, now.UTC()); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	return sent, errors.Join(errs...)
}

// EraseUser removes the user's self-help data for good, keeping anonymous counts.
func (s *Service) EraseUser(ctx context.Context, userID string) error {
	return s.store.EraseUser(ctx, userID)
}
