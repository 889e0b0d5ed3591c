package coaching

// The dropout taxonomy's labels, in Dutch and English, as the JSON API
// gives them (GET /api/v1/trajectories/end-reasons) and the clinician's
// pages show them (frontend's caseload.reason.* say the same, checked by a
// test there).
var reasonLabels = map[EndReason][2]string{ // {nl, en}
	ReasonNoContactAfterSignup: {"Na de aanmelding nooit een hulpverlener bereikt", "Never reached a clinician after applying"},
	ReasonDisappeared:          {"Reageerde niet meer tijdens het traject, zonder reden", "Stopped responding during the trajectory, no reason given"},
	ReasonHelpedEnough:         {"Vroeger gestopt: voelt zich genoeg geholpen", "Stopped early: feels helped enough"},
	ReasonNotSuitable:          {"Online hulp past niet bij de cliënt", "Online care does not suit them"},
	ReasonNotReady:             {"Nog niet klaar om te veranderen", "Not ready to change yet"},
	ReasonReferredAdmission:    {"Doorverwezen voor opname (geen verbetering)", "Referred for admission (no improvement)"},
	ReasonReferredOutpatient:   {"Doorverwezen naar ambulante zorg (geen verbetering)", "Referred to outpatient care (no improvement)"},
	ReasonReferredCrisis:       {"Doorverwezen naar crisishulp", "Referred to crisis care"},
	ReasonPractical:            {"Praktische redenen (tijd, techniek)", "Practical reasons (time, technology)"},
	ReasonOther:                {"Andere reden (zeg welke in de notitie)", "Other reason (say which in the note)"},
}

// Label is the reason's label in lang ("nl" or "en"; Dutch otherwise).
func (r EndReason) Label(lang string) string {
	l, ok := reasonLabels[r]
	if !ok {
		return string(r)
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// NeedsNote reports whether ending for r needs a note saying more:
// "other" says nothing by itself.
func (r EndReason) NeedsNote() bool { return r == ReasonOther }

// ClientEndReasons are the reasons a client may give when they stop
// (the others — disappeared, never reached, referrals — are for staff to
// record), in the order pages show them.
var ClientEndReasons = []EndReason{ReasonHelpedEnough, ReasonNotSuitable, ReasonNotReady, ReasonPractical, ReasonOther}

// ByClient reports whether a client may give r.
func (r EndReason) ByClient() bool {
	for _, x := range ClientEndReasons {
		if r == x {
			return true
		}
	}
	return false
}

// Outcome is the state a trajectory ending for r ends in.
func (r EndReason) Outcome() State {
	if r.Referral() {
		return StateReferred
	}
	return StateDroppedOut
}

// ReasonInfo is one reason of the taxonomy as the API lists it.
type ReasonInfo struct {
	Reason EndReason
	Label  string
	// Outcome is the state it ends a trajectory in; NeedsNote, whether a
	// note must say more; ByClient, whether a client may give it.
	Outcome   State
	NeedsNote bool
	ByClient  bool
}

// Reasons lists the taxonomy with its labels in lang, in the order
// pages show it.
func Reasons(lang string) []ReasonInfo {
	out := make([]ReasonInfo, 0, len(EndReasons))
	for _, r := range EndReasons {
		out = append(out, ReasonInfo{Reason: r, Label: r.Label(lang), Outcome: r.Outcome(), NeedsNote: r.NeedsNote(), ByClient: r.ByClient()})
	}
	return out
}
