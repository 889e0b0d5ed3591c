package coaching

import (
	"errors"
	"testing"
)

// TestCheckOutcome: every end but completed needs a reason of the right
// kind, and "other" a note — the one place the rule lives.
func TestCheckOutcome(t *testing.T) {
	tests := []struct {
		name      string
		o         Outcome
		wantField string // "" when valid
	}{
		{"completed", Outcome{State: StateCompleted}, ""},
		{"completed with a reason", Outcome{State: StateCompleted, Reason: ReasonPractical}, "reason"},
		{"dropped out without a reason", Outcome{State: StateDroppedOut}, "reason"},
		{"dropped out, unknown reason", Outcome{State: StateDroppedOut, Reason: "bored"}, "reason"},
		{"dropped out, practical", Outcome{State: StateDroppedOut, Reason: ReasonPractical}, ""},
		{"dropped out for a referral", Outcome{State: StateDroppedOut, Reason: ReasonReferredCrisis}, "reason"},
		{"referred, crisis", Outcome{State: StateReferred, Reason: ReasonReferredCrisis}, ""},
		{"referred for a dropout reason", Outcome{State: StateReferred, Reason: ReasonNotReady}, "reason"},
		{"other without a note", Outcome{State: StateDroppedOut, Reason: ReasonOther}, "note"},
		{"other with a blank note", Outcome{State: StateDroppedOut, Reason: ReasonOther, Note: " \n "}, "note"},
		{"other with a note", Outcome{State: StateDroppedOut, Reason: ReasonOther, Note: "moved abroad"}, ""},
		{"withdrawn is not an end here", Outcome{State: StateWithdrawn}, "state"},
	}
	for _, tt := range tests {
		err := checkOutcome(&tt.o)
		var fe interface{ FieldErrors() map[string]string }
		switch {
		case tt.wantField == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantField == "":
		case !errors.As(err, &fe) || fe.FieldErrors()[tt.wantField] == "":
			t.Errorf("%s: %v, want an error on %s", tt.name, err, tt.wantField)
		}
	}
}

// TestReasonsAreLabelled: every reason has a Dutch and an English label
// of its own.
func TestReasonsAreLabelled(t *testing.T) {
	seen := map[string]EndReason{}
	for _, l := range []string{"nl", "en"} {
		rs := Reasons(l)
		if len(rs) != len(EndReasons) {
			t.Fatalf("%s: %d reasons", l, len(rs))
		}
		for _, r := range rs {
			if r.Label == "" || r.Label == string(r.Reason) {
				t.Errorf("%s %s: label %q", l, r.Reason, r.Label)
			}
			if other, dup := seen[r.Label]; dup {
				t.Errorf("%s: %s and %s share the label %q", l, r.Reason, other, r.Label)
			}
			seen[r.Label] = r.Reason
		}
	}
}
