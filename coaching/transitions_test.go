package coaching

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// Every state × every event: the allowed ones lead where the table says,
// every other one is a TransitionError naming both states (a 409).
func TestTransitionsAllowedAndForbidden(t *testing.T) {
	allowed := map[string]State{
		"applied/assign": StateWaiting, "applied/withdraw": StateWithdrawn, "applied/drop_out": StateDroppedOut,
		"applied/refer": StateReferred, "applied/no_contact": StateNoContact,
		"waiting/assign": StateWaiting, "waiting/consent": StateActive, "waiting/withdraw": StateWithdrawn,
		"waiting/drop_out": StateDroppedOut, "waiting/refer": StateReferred, "waiting/no_contact": StateNoContact,
		"active/assign": StateWaiting, "active/extend": StateActive, "active/complete": StateCompleted,
		"active/drop_out": StateDroppedOut, "active/refer": StateReferred,
	}
	n := 0
	for _, from := range States {
		for _, ev := range Events {
			key := fmt.Sprintf("%s/%s", from, ev)
			to, err := Transition(from, ev)
			want, ok := allowed[key]
			switch {
			case ok && (err != nil || to != want):
				t.Errorf("%s = %s, %v; want %s", key, to, err, want)
			case !ok:
				var te *TransitionError
				if !errors.As(err, &te) || te.From != from || te.ConflictCode() != "invalid_transition" || to != from {
					t.Errorf("%s is impossible but gave %s, %v", key, to, err)
				}
			}
			if ok {
				n++
			}
		}
	}
	if n != len(allowed) {
		t.Errorf("%d allowed transitions checked, want %d", n, len(allowed))
	}
	// The ends are ends.
	for _, s := range []State{StateCompleted, StateDroppedOut, StateReferred, StateWithdrawn, StateNoContact} {
		if s.Open() || !s.Ended() {
			t.Errorf("%s is not an end", s)
		}
	}
}

func TestPlannedEndIsThreeCalendarMonths(t *testing.T) {
	brussels, _ := time.LoadLocation("Europe/Brussels")
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, brussels) }
	tests := []struct {
		start, want time.Time
	}{
		{day(2027, time.January, 31), day(2027, time.April, 30)}, // not 1 May
		{day(2027, time.January, 15), day(2027, time.April, 15)},
		{day(2026, time.November, 30), day(2027, time.February, 28)},
		{day(2027, time.November, 30), day(2028, time.February, 29)}, // a leap year
		{day(2026, time.December, 2), day(2027, time.March, 2)},
		{day(2027, time.March, 31), day(2027, time.June, 30)},
	}
	for _, tt := range tests {
		if got := PlannedEnd(tt.start, 3); !got.Equal(tt.want) {
			t.Errorf("PlannedEnd(%s) = %s, want %s", tt.start.Format(time.DateOnly), got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
}

func TestWorkingDays(t *testing.T) {
	brussels, _ := time.LoadLocation("Europe/Brussels")
	at := func(d int, h int) time.Time { return time.Date(2026, time.December, d, h, 0, 0, 0, brussels) } // 4 Dec 2026 is a Friday
	tests := []struct {
		from, to time.Time
		want     int
	}{
		{at(4, 18), at(7, 9), 1}, // Friday evening → Monday morning
		{at(4, 9), at(4, 17), 0}, // the same day
		{at(4, 9), at(11, 9), 5}, // a week
		{at(5, 9), at(7, 9), 0},  // from Saturday
		{at(7, 9), at(10, 9), 3}, // Monday → Thursday
		{at(7, 9), at(4, 9), 0},  // backwards
	}
	for _, tt := range tests {
		if got := WorkingDays(tt.from, tt.to, brussels); got != tt.want {
			t.Errorf("WorkingDays(%s, %s) = %d, want %d", tt.from.Format("Mon 2 15h"), tt.to.Format("Mon 2 15h"), got, tt.want)
		}
	}
}
