package coaching

import "time"

// Event is what happens to a trajectory.
type Event string

// The events.
const (
	EventAssign    Event = "assign"     // a coordinator assigns (or reassigns) a clinician
	EventConsent   Event = "consent"    // the client agrees to the clinician: the trajectory starts
	EventWithdraw  Event = "withdraw"   // the client withdraws the application
	EventExtend    Event = "extend"     // the clinician extends once
	EventComplete  Event = "complete"   // finished as planned
	EventDropOut   Event = "drop_out"   // left early, with a reason
	EventRefer     Event = "refer"      // referred elsewhere, with a reason
	EventNoContact Event = "no_contact" // the job: no contact after sign-up
)

// Events lists every event.
var Events = []Event{EventAssign, EventConsent, EventWithdraw, EventExtend, EventComplete, EventDropOut, EventRefer, EventNoContact}

// transitions is the whole state machine: from a state, an event leads to
// the state named; anything else is impossible.
var transitions = map[State]map[Event]State{
	StateApplied: {
		EventAssign:    StateWaiting,
		EventWithdraw:  StateWithdrawn,
		EventDropOut:   StateDroppedOut,
		EventRefer:     StateReferred,
		EventNoContact: StateNoContact,
	},
	StateWaiting: {
		EventAssign:    StateWaiting, // another clinician: the client agrees to them instead
		EventConsent:   StateActive,
		EventWithdraw:  StateWithdrawn,
		EventDropOut:   StateDroppedOut,
		EventRefer:     StateReferred,
		EventNoContact: StateNoContact,
	},
	StateActive: {
		// Another clinician during the trajectory: the client agrees to
		// them first (what they see is the client's to decide).
		EventAssign:   StateWaiting,
		EventExtend:   StateActive,
		EventComplete: StateCompleted,
		EventDropOut:  StateDroppedOut,
		EventRefer:    StateReferred,
	},
}

// Transition is the one rule for every change of state: the state event
// leads to from from, or a *TransitionError naming both.
func Transition(from State, ev Event) (State, error) {
	if to, ok := transitions[from][ev]; ok {
		return to, nil
	}
	return from, &TransitionError{From: from, To: target(ev)}
}

// target is the state an event aims at, for the error message.
func target(ev Event) State {
	for _, m := range transitions {
		if to, ok := m[ev]; ok {
			return to
		}
	}
	return State(ev)
}

// PlannedEnd is the end of a trajectory that starts at start: three
// calendar months later, on the same day of the month — or, when that
// month is shorter, on its last day (31 January → 30 April, not 1 May: a
// client told "three months" expects the end in the third month).
func PlannedEnd(start time.Time, months int) time.Time {
	y, m, d := start.Date()
	first := time.Date(y, m+time.Month(months), 1, start.Hour(), start.Minute(), start.Second(), start.Nanosecond(), start.Location())
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), start.Hour(), start.Minute(), start.Second(), start.Nanosecond(), start.Location())
}

// WorkingDays counts the working days (Monday to Friday) between from and
// to, as the clinician's response time is measured: a message sent on
// Friday evening and answered on Monday morning took one working day.
// Public holidays are not known to Haven and count as working days.
func WorkingDays(from, to time.Time, loc *time.Location) int {
	if !to.After(from) {
		return 0
	}
	a, b := from.In(loc), to.In(loc)
	day := func(t time.Time) time.Time { y, m, d := t.Date(); return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	n := 0
	for d := day(a); d.Before(day(b)); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}
