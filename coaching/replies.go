package coaching

import "time"

// Replies: a client waits for their clinician's reply from their first
// message after the clinician's last one (or the conversation's start)
// until the clinician's next message. The clinician's target is
// ResponseDays working days (Config); a reply later than that is late, and
// a wait past it with no reply is overdue. The dashboard ("waiting since",
// overdue) and the monthly report (reply times against the target, its
// store pairing the messages in SQL) both judge waits by LateReply.

// LateReply reports whether an answer at `at` to a wait since `since`
// misses a target of days working days in loc — for a wait with no answer
// yet, at is now, and late means overdue.
func LateReply(since, at time.Time, days int, loc *time.Location) bool {
	return WorkingDays(since, at, loc) > days
}

// ResponseDays is the clinician's reply target, in working days.
func (s *Service) ResponseDays() int { return s.cfg.ResponseDays }
