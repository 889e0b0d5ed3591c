package reports

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/haven-mh/haven/db/dbtest"
)

// TestReplies: the clinicians' reply times against their target of three
// working days, hand-computed: waits by the month (in Brussels) their
// first client message was sent, answered within or after the target,
// unanswered and overdue or still open, and the median hours to a reply;
// a wait that began before the range is an earlier month's.
func TestReplies(t *testing.T) {
	d := dbtest.Open(t)
	n := 0
	msg := func(traj, role, at string) {
		t.Helper()
		n++
		err := d.DB.Exec(`INSERT INTO coaching_messages (id, trajectory_id, sender_id, sender_role, body_sealed, key_id, body_mac, created_at)
			VALUES (?, ?, ?, ?, 'sealed', 'k1', ?, ?)`, fmt.Sprintf("m%03d", n), traj, traj+"-"+role, role, fmt.Sprint("mac", n), utc(at)).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	// A: answered within the target (Friday → Monday is one working day:
	// 71 h), then late (Tuesday → next Monday is four: 144 h).
	msg("A", "client", "2026-01-30T10:00:00Z")
	msg("A", "client", "2026-01-31T11:00:00Z") // the same wait
	msg("A", "clinician", "2026-02-02T09:00:00Z")
	msg("A", "client", "2026-02-10T08:00:00Z")
	msg("A", "clinician", "2026-02-16T08:00:00Z")
	// B: not answered since 2 March: overdue on 20 March.
	msg("B", "clinician", "2026-01-05T09:00:00Z")
	msg("B", "client", "2026-03-02T09:00:00Z")
	// C: not answered since the day before: open.
	msg("C", "client", "2026-03-19T10:00:00Z")
	// D: waiting since 31 December (an earlier month's wait), answered on
	// 3 January; then a Saturday message answered on Monday (48 h, no
	// working day).
	msg("D", "client", "2025-12-31T10:00:00Z")
	msg("D", "client", "2026-01-02T10:00:00Z")
	msg("D", "clinician", "2026-01-03T10:00:00Z")
	msg("D", "client", "2026-01-10T10:00:00Z")
	msg("D", "clinician", "2026-01-12T10:00:00Z")
	// E: 23:30 UTC on 31 January is 00:30 on 1 February in Brussels: a
	// February wait, answered 32.5 h later.
	msg("E", "client", "2026-01-31T23:30:00Z")
	msg("E", "clinician", "2026-02-02T08:00:00Z")

	s, err := NewService(Options{Store: NewStore(d.DB), Location: brussels(t), Instruments: testInstruments,
		Now: func() time.Time { return utc("2026-03-20T12:00:00Z") }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Monthly(context.Background(), Month{2026, time.January}, Month{2026, time.March}, AudienceCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	med := func(v float64, n int64) Median { return Median{Value: &v, N: n} }
	want := []Replies{
		{Waits: 2, InTarget: 2, HoursToReply: med(59.5, 2)},
		{Waits: 2, InTarget: 1, Late: 1, HoursToReply: med(88.3, 2)},
		{Waits: 2, Overdue: 1, Open: 1, HoursToReply: Median{N: 0}},
	}
	for i, w := range want {
		if got := r.Months[i].Guidance.Replies; !sameReplies(got, w) {
			t.Errorf("%s: %s, want %s", r.Months[i].Month, repliesText(got), repliesText(w))
		}
	}
	if got, w := r.Total.Guidance.Replies, (Replies{Waits: 6, InTarget: 3, Late: 1, Overdue: 1, Open: 1, HoursToReply: med(59.5, 4)}); !sameReplies(got, w) {
		t.Errorf("total: %s, want %s", repliesText(got), repliesText(w))
	}
	if r.ReplyTargetDays != 3 {
		t.Errorf("reply target %d working days, want coaching's default 3", r.ReplyTargetDays)
	}
}

func sameReplies(a, b Replies) bool { return repliesText(a) == repliesText(b) }

func repliesText(r Replies) string {
	v := "none"
	if r.HoursToReply.Value != nil {
		v = fmt.Sprint(*r.HoursToReply.Value)
	}
	return fmt.Sprintf("%d waits (%d in target, %d late, %d overdue, %d open), median %s h of %d",
		r.Waits, r.InTarget, r.Late, r.Overdue, r.Open, v, r.HoursToReply.N)
}
