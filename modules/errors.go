package modules

import "github.com/haven-mh/haven/db/kind"

// Domain errors; the API and the web pages map their kinds to statuses.
var (
	// ErrNotFound: no such programme, lesson, step or entry — or one that
	// belongs to someone else (never reveal which).
	ErrNotFound error = kind.NotFoundError("modules: not found")
	// ErrLocked: the lesson does not open until the previous one is done.
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
