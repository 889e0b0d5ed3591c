package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/haven-mh/haven/db/seal"
)

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
	// Waiting is set when the client waits at this lesson's feedback
	// moment: the steps after it open with the clinician's feedback.
	Waiting *Waiting
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
		return nil, pr.locked(&pr.Lessons[l.Number-1])
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
	v := &LessonView{Programme: p, Lesson: l, State: state, Answers: map[string]StepAnswer{}, Waiting: pr.Lessons[l.Number-1].Waiting}
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
	// Safety lists the safety signals the saved answer holds (options or
	// scale values the content marks, safety.go).
	Safety []SafetySignal
	// Waiting is set when the client finished a feedback moment and now
	// waits for the clinician's feedback before NextStep (guided.go).
	Waiting *Waiting
	// ShowCrisisHelp is set when this save chose a safety signal that the
	// step's saved answer did not hold before: show crisis help at once,
	// before the next step. It is recorded (EventSafetySignal, no answer
	// content) for the clinician's alert of the guided trajectory.
	ShowCrisisHelp bool
}

// SaveStep validates and saves the client's answers to one step (sealed at
// rest) and moves their bookmark. complete marks the step done: required
// fields must then be filled, and finishing the last step finishes the
// lesson (and, after the last lesson, the course).
func (s *Service) SaveStep(ctx context.Context, userID, programmeID, lessonID, stepID string, raw Values, complete bool) (*SaveResult, error) {
	p, l, step, err := s.lib.step(programmeID, lessonID, stepID)
	if err != nil {
		return nil, err
	}
	e, err := s.store.Enrolment(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	pr, err := s.progress(ctx, s.store, p, e, false)
	if err != nil {
		return nil, err
	}
	switch pr.Lessons[l.Number-1].State {
	case LessonLocked:
		return nil, pr.locked(&pr.Lessons[l.Number-1])
	case LessonOpen: // open the lesson first (OpenLesson)
		return nil, fmt.Errorf("modules: lesson %q is not opened yet: %w", lessonID, ErrNotFound)
	}
	if pr.Lessons[l.Number-1].Waiting.Blocks(l, step.ID) {
		return nil, fmt.Errorf("modules: step %s/%s: %w", lessonID, stepID, ErrWaiting)
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
	res := &SaveResult{Answer: StepAnswer{LessonID: l.ID, StepID: step.ID, Values: values, UpdatedAt: now, CompletedAt: a.CompletedAt}}
	res.NextLesson, res.NextStep = nextPosition(pr, l, step, complete)
	if res.Safety = safetySignals(step, values); len(res.Safety) > 0 {
		before, err := s.savedValues(ctx, e, l.ID, step.ID)
		if err != nil {
			return nil, err
		}
		res.ShowCrisisHelp = len(newSignals(res.Safety, safetySignals(step, before))) > 0
	}
	if res.ShowCrisisHelp {
		if err := s.raiseCrisis(ctx, userID); err != nil {
			return nil, err
		}
	}
	err = s.store.Tx(ctx, func(st *Store) error {
		if err := st.SaveAnswer(ctx, a); err != nil {
			return err
		}
		if res.ShowCrisisHelp {
			// Only the fact and where: never which option or what was written.
			if err := st.RecordEvent(ctx, EventSafetySignal, p.ID, l.ID, e.ID, now); err != nil {
				return err
			}
		}
		if complete && l.StepIndex(step.ID) == len(l.Steps)-1 {
			if err := finishLesson(ctx, st, pr, l, now, res); err != nil {
				return err
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
	if complete && step.FeedbackMoment {
		waits, err := feedbackWaits(ctx, s.store, p, e, pr.guidance)
		if err != nil {
			return nil, err
		}
		res.Waiting = waits[l.ID]
	}
	return res, nil
}

// savedValues returns the saved answer to one step (nil when none).
func (s *Service) savedValues(ctx context.Context, e *Enrolment, lessonID, stepID string) (Values, error) {
	answers, err := s.answers(ctx, e, lessonID)
	if err != nil {
		return nil, err
	}
	for _, a := range answers {
		if a.StepID == stepID {
			return a.Values, nil
		}
	}
	return nil, nil
}

// nextPosition is where the client goes after saving a step: the same step
// when it is not complete, else the next step, the next lesson's first
// step (in a guided course, of the clinician's next lesson), or nowhere
// ("") after the last step of the course.
func nextPosition(pr *Progress, l *Lesson, step *Step, complete bool) (lesson, stepID string) {
	if !complete {
		return l.ID, step.ID
	}
	if idx := l.StepIndex(step.ID); idx+1 < len(l.Steps) {
		return l.ID, l.Steps[idx+1].ID
	}
	if next := pr.nextLesson(l); next != nil {
		return next.ID, next.Steps[0].ID
	}
	return l.ID, ""
}

// finishLesson records a lesson done — and the course, after its last
// lesson — once each, with their events.
func finishLesson(ctx context.Context, st *Store, pr *Progress, l *Lesson, now time.Time, res *SaveResult) error {
	e, p := pr.Enrolment, pr.Programme
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
	if !allDone(pr, l.ID) {
		return nil
	}
	finished, err := st.CompleteEnrolment(ctx, e.ID, now)
	if err != nil || !finished {
		return err
	}
	res.CourseCompleted = true
	return st.RecordEvent(ctx, EventCourseCompleted, p.ID, "", e.ID, now)
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
