package coaching

import "time"

// Replies: a client waits for their clinician's reply from their first
// message after the clinician's last one (or the conversation's start)
// until the clinician's next message. The clinician's target is
// ResponseDays working days (Config); a reply later than that is late, and
// a wait past it with no reply is overdue. The dashboard ("waiting since",
// overdue) and the monthly report (reply times against the target) both
// read waits this way.

// MessageAt is a message's sender and time, without its body.
type MessageAt struct {
	Role string // FromClient or FromClinician
	At   time.Time
}

// Wait is one wait for a reply: since the client's first message of the
// wait, until the clinician's reply (nil: none yet).
type Wait struct {
	Since time.Time
	Reply *time.Time
}

// Waits splits one conversation, its messages in the order sent, into the
// client's waits for a reply.
func Waits(msgs []MessageAt) []Wait {
	var out []Wait
	waiting := false
	for _, m := range msgs {
		switch {
		case m.Role == FromClient && !waiting:
			out = append(out, Wait{Since: m.At})
			waiting = true
		case m.Role == FromClinician && waiting:
			at := m.At
			out[len(out)-1].Reply = &at
			waiting = false
		}
	}
	return out
}

// LateReply reports whether an answer at `at` to a wait since `since`
// misses a target of days working days in loc — for a wait with no answer
// yet, at is now, and late means overdue.
func LateReply(since, at time.Time, days int, loc *time.Location) bool {
	return WorkingDays(since, at, loc) > days
}

// ResponseDays is the clinician's reply target, in working days.
func (s *Service) ResponseDays() int { return s.cfg.ResponseDays }
