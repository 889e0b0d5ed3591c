package modules

import "github.com/haven-mh/haven/db/kind"

// Domain errors; the API and the web pages map their kinds to statuses.
var (
	// ErrNotFound: no such programme, lesson, step or entry — or one that
	// belongs to someone else (never reveal which).
	ErrNotFound error = kind.NotFoundError("modules: not found")
	// ErrLocked: the lesson does not open until the previous one is done.
	ErrLocked error = &kind.Conflict{Domain: "modules", Code: "lesson_locked", Message: "the lesson opens when the one before is finished"}
)

// ValidationError names each invalid field of an answer or diary entry
// (the shared invalid-input kind).
type ValidationError = kind.Invalid

func newValidationError() *ValidationError { return kind.NewInvalid("modules") }
