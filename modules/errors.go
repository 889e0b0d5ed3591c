package modules

import (
	"time"

	"github.com/haven-mh/haven/db/kind"
)

// Domain errors; the API and the web pages map their kinds to statuses.
var (
	// ErrNotFound: no such programme, lesson, step or entry — or one that
	// belongs to someone else (never reveal which).
	ErrNotFound error = kind.NotFoundError("modules: not found")
	// ErrLocked: the lesson is not open yet. What the services return is a
	// *LockedError, which says why; errors.Is(err, ErrLocked) matches it.
	ErrLocked error = &kind.Conflict{Domain: "modules", Code: "lesson_locked", Message: "the lesson opens when the one before is finished"}
	// ErrWaiting: the step comes after a feedback moment the client waits
	// at; it opens once the clinician has given feedback on the lesson.
	ErrWaiting error = &kind.Conflict{Domain: "modules", Code: "waiting_for_feedback", Message: "the step opens once your clinician has given feedback on this lesson"}
	// ErrMailNotConfigured: a reminder address is refused when this
	// deployment sends no e-mail (no HAVEN_SMTP_URL): nothing would ever
	// be sent to it. Removing an address is always allowed.
	ErrMailNotConfigured error = &kind.Conflict{Domain: "modules", Code: "mail_not_configured", Message: "this service sends no e-mail, so it takes no reminder address"}
)

// ValidationError names each invalid field of an answer or diary entry
// (the shared invalid-input kind).
type ValidationError = kind.Invalid

func newValidationError() *ValidationError { return kind.NewInvalid("modules") }

// Why a lesson is locked (LockedError.Reason).
const (
	// LockSequential: the lesson opens when the one before is finished.
	LockSequential = "sequential"
	// LockGuided: a clinician guides the course and opens the lessons in
	// their order (guided.go); this one is not next.
	LockGuided = "guided"
	// LockPaced: the programme's pace (pacing.go) opens the lesson at
	// OpensAt, some days after the one before was finished.
	LockPaced = "paced"
)

// LockedError is a locked lesson with the reason, the same rule the course
// page shows: the lesson before, the clinician's order or the pace (with
// when the lesson opens). It is a conflict (lesson_locked) and matches
// ErrLocked.
type LockedError struct {
	Lesson  string
	Reason  string
	OpensAt *time.Time
}

func (e *LockedError) Error() string {
	msg := "modules: lesson " + e.Lesson + ": lesson_locked: "
	switch e.Reason {
	case LockGuided:
		return msg + "your clinician opens the lessons in their order"
	case LockPaced:
		return msg + "the lesson opens at " + e.OpensAt.Format(time.RFC3339)
	}
	return msg + "the lesson opens when the one before is finished"
}

// ConflictCode is the conflict kind's behaviour (db/kind).
func (e *LockedError) ConflictCode() string { return "lesson_locked" }

// Is makes errors.Is(err, ErrLocked) hold.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// LockReason is why the lesson is locked and, when paced, when it opens.
func (e *LockedError) LockReason() (string, *time.Time) { return e.Reason, e.OpensAt }

// locked is the error for a locked lesson of pr: the clinician's order in a
// guided course (which sets no pace), the pace when it says when the
// lesson opens, else the lesson before.
func (pr *Progress) locked(lp *LessonProgress) error {
	e := &LockedError{Lesson: lp.Lesson.ID, Reason: LockSequential}
	switch {
	case pr.Guided:
		e.Reason = LockGuided
	case lp.OpensAt != nil:
		e.Reason, e.OpensAt = LockPaced, lp.OpensAt
	}
	return e
}
