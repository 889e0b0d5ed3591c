// Package coaching is Haven's guided trajectory: three months of blended
// care in which a clinician guides a client online — messages, feedback on
// the client's lessons, questionnaires — beside face-to-face, video or
// phone contacts. It owns the client–clinician relation: a clinician sees
// a client only through a trajectory the client applied for and agreed to,
// and the organisation always knows who finished and why the others left
// (a fixed taxonomy of dropout reasons, recorded whenever a trajectory
// ends other than completed).
//
// It is plain Go: the JSON API and the web pages call Service, one method
// per use case; the store is the only code touching the database; every
// transition goes through one pure function (Transition).
package coaching

import (
	"time"

	"github.com/haven-mh/haven/db/kind"
)

// State is where a trajectory stands.
type State string

// The states. A trajectory is applied for, waits for a clinician, runs
// from its start (once the client agreed to the assigned clinician) to its
// planned end three months later (once extendable), and ends completed,
// dropped out or referred. An application may be withdrawn before it
// starts.
const (
	StateApplied    State = "applied"     // the client applied; no clinician yet
	StateWaiting    State = "waiting"     // a clinician is assigned; the client has not agreed yet
	StateActive     State = "active"      // running
	StateCompleted  State = "completed"   // finished as planned
	StateDroppedOut State = "dropped_out" // left early (with a reason)
	StateReferred   State = "referred"    // referred elsewhere (with a reason)
	StateWithdrawn  State = "withdrawn"   // the client withdrew the application
	StateNoContact  State = "no_contact"  // ended by the job: never reached a clinician
)

// States lists every state, for validation and reports.
var States = []State{StateApplied, StateWaiting, StateActive, StateCompleted, StateDroppedOut, StateReferred, StateWithdrawn, StateNoContact}

// Open reports whether a trajectory in s is still going (one at a time per
// client).
func (s State) Open() bool { return s == StateApplied || s == StateWaiting || s == StateActive }

// Ended reports whether s is an end state.
func (s State) Ended() bool { return !s.Open() }

// EndReason is why a trajectory ended other than completed: a fixed
// taxonomy with stable codes (reports count by them) and a free note.
type EndReason string

// The dropout taxonomy.
const (
	ReasonNoContactAfterSignup EndReason = "no_contact_after_signup" // never reached a clinician
	ReasonDisappeared          EndReason = "disappeared"             // stopped responding during treatment, no reason given
	ReasonHelpedEnough         EndReason = "helped_enough"           // stopped early feeling better
	ReasonNotSuitable          EndReason = "not_suitable"            // online care not for them (often after 1–2 contacts)
	ReasonNotReady             EndReason = "not_ready"               // not ready to change yet
	ReasonReferredAdmission    EndReason = "referred_admission"      // no improvement: referred to admission
	ReasonReferredOutpatient   EndReason = "referred_outpatient"     // no improvement: referred to outpatient care
	ReasonReferredCrisis       EndReason = "referred_crisis"         // referred to crisis care
	ReasonPractical            EndReason = "practical"               // time, technology
	ReasonOther                EndReason = "other"
)

// EndReasons lists the taxonomy in the order pages show it.
var EndReasons = []EndReason{ReasonNoContactAfterSignup, ReasonDisappeared, ReasonHelpedEnough, ReasonNotSuitable, ReasonNotReady,
	ReasonReferredAdmission, ReasonReferredOutpatient, ReasonReferredCrisis, ReasonPractical, ReasonOther}

// Valid reports whether r is in the taxonomy.
func (r EndReason) Valid() bool {
	for _, x := range EndReasons {
		if r == x {
			return true
		}
	}
	return false
}

// Referral reports whether ending for r is a referral (state referred)
// rather than a dropout.
func (r EndReason) Referral() bool {
	return r == ReasonReferredAdmission || r == ReasonReferredOutpatient || r == ReasonReferredCrisis
}

// Who ended a trajectory.
const (
	EndedByClient      = "client"
	EndedByClinician   = "clinician"
	EndedBySystem      = "system" // the no-contact job
	EndedByCoordinator = "coordinator"
)

// Contact modes.
const (
	ContactFaceToFace = "face_to_face"
	ContactVideo      = "video"
	ContactPhone      = "phone"
)

// ContactModes lists the modes.
var ContactModes = []string{ContactFaceToFace, ContactVideo, ContactPhone}

// Trajectory is one client's guided trajectory. Clinical free text (the
// intake's answers, end notes) is sealed at rest.
type Trajectory struct {
	ID          string `gorm:"primaryKey"`
	ClientID    string
	ClinicianID *string
	State       State
	// Intake: the PHQ-9 (and GAD-7 when taken) at application.
	IntakeScore  int
	IntakeBand   string
	IntakeCrisis bool
	// IntakeAnxiety is set when the intake's GAD-7 showed anxiety (10 or
	// more): outcome monitoring then adds the GAD-7.
	IntakeAnxiety bool
	// IntakeSealed holds the intake's answers (what they hope for, when
	// they can be reached, care elsewhere), sealed.
	IntakeSealed string
	// NotifySealed is the optional e-mail address for notifications, sealed.
	NotifySealed *string
	// NotifyLanguage is the language the client applied in ("nl", "en"):
	// the notifications are written in it (nil before it was kept: both).
	NotifyLanguage *string
	AppliedAt      time.Time
	AssignedAt     *time.Time
	ConsentAt      *time.Time
	StartedAt      *time.Time
	PlannedEnd     *time.Time
	// Extended is set by the one extension a trajectory may have.
	ExtendedAt      *time.Time
	ExtensionSealed *string
	FirstContactAt  *time.Time
	EndedAt         *time.Time
	EndReason       *EndReason
	EndNoteSealed   *string
	EndedBy         *string
	// At the end: how far the client got.
	EndLessonsCompleted int
	EndMessagesIn       int
	EndMessagesOut      int
	EndContacts         int
	// LastClientActivityAt is the client's latest message, step or
	// questionnaire (for the at-risk flags).
	LastClientActivityAt time.Time
	UpdatedAt            time.Time
}

// TableName is the table created by the migrations.
func (Trajectory) TableName() string { return "coaching_trajectories" }

// Errors, as db/kind kinds so both transports map them once.
var (
	// ErrNotFound: no such trajectory, message or alert — or not yours.
	ErrNotFound error = kind.NotFoundError("coaching: not found")
	// ErrOpenTrajectory: the client already has a trajectory going.
	ErrOpenTrajectory error = &kind.Conflict{Domain: "coaching", Code: "trajectory_open", Message: "there is a trajectory going already"}
	// ErrCapacity: the clinician's caseload is full.
	ErrCapacity error = &kind.Conflict{Domain: "coaching", Code: "caseload_full", Field: "clinician_id", Message: "this clinician's caseload is full"}
	// ErrIdempotencyKeyReused: a retried send with the same key but another body.
	ErrIdempotencyKeyReused error = &kind.Conflict{Domain: "coaching", Code: "idempotency_key_reused", Message: "this idempotency key was used for another message"}
	// ErrFeedbackPending: the lesson waits for the clinician's feedback.
	ErrFeedbackPending error = &kind.Conflict{Domain: "coaching", Code: "feedback_pending", Message: "your clinician's feedback on this lesson comes first"}
	// ErrAlreadyExtended: a trajectory is extended once.
	ErrAlreadyExtended error = &kind.Conflict{Domain: "coaching", Code: "already_extended", Message: "this trajectory was extended already"}
)

// TransitionError is an impossible transition: 409 naming both states.
type TransitionError struct {
	From, To State
}

func (e *TransitionError) Error() string {
	return "coaching: a trajectory cannot go from " + string(e.From) + " to " + string(e.To)
}

// ConflictCode makes it a conflict kind (db/kind).
func (e *TransitionError) ConflictCode() string { return "invalid_transition" }

func invalid(field, msg string) error { return kind.Field("coaching", field, msg) }

func newInvalid() *kind.Invalid { return kind.NewInvalid("coaching") }

// States names the two states, for the transports' message.
func (e *TransitionError) States() (from, to string) { return string(e.From), string(e.To) }
