package frontend

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/coaching"
)

// Extending a trajectory once, and ending it: completed, or dropped out or
// referred with a reason from the taxonomy and a note. See caseload.go.

type caseEndView struct {
	Head   caseHead
	Notice string
	CSRF   string
	Active bool
	Ended  bool
	// The state now.
	PlannedEnd      *caseWhen
	DaysLeft        string
	ExtendedAt      *caseWhen
	ExtensionReason string
	EndedText       string
	// Extending.
	CanExtend   bool
	MinUntil    string
	MaxUntil    string
	Months      int
	Until       string
	Reason      string
	UntilError  string
	ReasonError string
	// Ending.
	Outcomes     []optionView
	Note         string
	NoteError    string
	OutcomeError string
	MaxNote      int
	Keeps        []caseTerm
}

// caseEndForm is what the clinician typed, shown again when it is wrong.
type caseEndForm struct {
	Until, Reason, Outcome, Note string
	Errors                       map[string]string
}

func (s *Site) endPage(c *gin.Context) {
	s.renderEnd(c, http.StatusOK, caseEndForm{})
}

func (s *Site) renderEnd(c *gin.Context, status int, f caseEndForm) {
	h := headingOf(c)
	v := s.staffView(c, "", casePath(c, "/end"))
	v.Title = v.T("caseload.end.title", "Client", h.ClientName)
	r, err := s.Coaching.Record(c.Request.Context(), signedIn(c), h.TrajectoryID)
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "")), Text: v.T("caseload.tab.record")})
		return
	}
	t := r.Trajectory
	loc := s.Coaching.Config().Location
	ev := caseEndView{Head: s.caseHead(c, v, "end"), Notice: caseNotice(v, c, "caseload", caseNotices), CSRF: csrfToken(c),
		Active: t.State == coaching.StateActive, Ended: t.EndedAt != nil, PlannedEnd: s.caseWhenPtr(v, t.PlannedEnd), ExtendedAt: s.caseWhenPtr(v, t.ExtendedAt),
		ExtensionReason: r.ExtensionReason, Months: s.Coaching.Config().Months, MaxNote: coaching.MaxNote,
		Until: f.Until, Reason: f.Reason, Note: f.Note}
	if t.PlannedEnd != nil {
		ev.DaysLeft = caseDaysLeft(v, r.DaysLeft)
		end := t.PlannedEnd.In(loc)
		ev.MinUntil = end.AddDate(0, 0, 1).Format(time.DateOnly)
		ev.MaxUntil = coaching.PlannedEnd(end, ev.Months).Format(time.DateOnly)
	}
	ev.CanExtend = ev.Active && t.ExtendedAt == nil && t.PlannedEnd != nil
	if t.EndedAt != nil {
		ev.EndedText = v.T("caseload.state." + string(t.State))
		if t.EndReason != nil {
			ev.EndedText += ": " + v.T("caseload.reason."+string(*t.EndReason))
		}
	}
	// Ending: completed, or a reason; the reason decides between dropped
	// out and referred. Never reaching a clinician is the no-contact
	// job's, not an end a clinician gives.
	ev.Outcomes = append(ev.Outcomes, optionView{ID: "outcome-completed", Value: "completed", Label: v.T("caseload.end.completed"), Checked: f.Outcome == "completed"})
	for _, reason := range coaching.EndReasons {
		if reason == coaching.ReasonNoContactAfterSignup {
			continue
		}
		ev.Outcomes = append(ev.Outcomes, optionView{ID: "outcome-" + string(reason), Value: string(reason),
			Label: v.T("caseload.reason." + string(reason)), Checked: f.Outcome == string(reason)})
	}
	p := r.Progress
	ev.Keeps = []caseTerm{
		{Term: v.T("caseload.progress.lessons"), Desc: strconv.Itoa(p.LessonsCompleted)},
		{Term: v.T("caseload.progress.messages_in"), Desc: strconv.Itoa(p.MessagesIn)},
		{Term: v.T("caseload.progress.messages_out"), Desc: strconv.Itoa(p.MessagesOut)},
		{Term: v.T("caseload.progress.contacts"), Desc: strconv.Itoa(p.Contacts)},
	}
	ev.UntilError, ev.ReasonError = f.Errors["until"], f.Errors["reason_extend"]
	ev.NoteError = f.Errors["note"]
	ev.OutcomeError = f.Errors["outcome"]
	for _, e := range []struct{ msg, id string }{{ev.UntilError, "until"}, {ev.ReasonError, "extend-reason"}, {ev.OutcomeError, "outcome-completed"}, {ev.NoteError, "note"}} {
		if e.msg != "" {
			v.Errors = append(v.Errors, errorLink{Href: "#" + e.id, Text: e.msg})
		}
	}
	v.Data = ev
	s.render(c, status, "staff_end", v)
}

// extendSubmit extends the trajectory once: a new planned end (a date:
// the start of that day in the deployment's time zone) and a reason.
func (s *Site) extendSubmit(c *gin.Context) {
	h := headingOf(c)
	f := caseEndForm{Until: c.PostForm("until"), Reason: c.PostForm("reason")}
	until, _ := time.ParseInLocation(time.DateOnly, f.Until, s.Coaching.Config().Location)
	_, err := s.Coaching.Extend(c.Request.Context(), signedIn(c), h.TrajectoryID, until, f.Reason)
	v := s.staffView(c, "caseload.title", casePath(c, "/end"))
	if msgs := caseFieldMessages(v, err); msgs != nil {
		f.Errors = map[string]string{"until": msgs["until"]}
		if _, ok := msgs["reason"]; ok {
			f.Errors["reason_extend"] = v.T("caseload.error.extend_reason")
		}
		s.renderEnd(c, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "/end")), Text: v.T("caseload.tab.end")})
		return
	}
	redirect(c, http.StatusSeeOther, v.Href(casePath(c, "/end"))+"?done=extended")
}

// closeSubmit ends the trajectory: "completed", or a reason from the
// taxonomy (a referral ends it as referred, any other as dropped out).
func (s *Site) closeSubmit(c *gin.Context) {
	h := headingOf(c)
	f := caseEndForm{Outcome: c.PostForm("outcome"), Note: c.PostForm("note")}
	o := coaching.Outcome{Note: f.Note}
	switch reason := coaching.EndReason(f.Outcome); {
	case f.Outcome == string(coaching.StateCompleted):
		o.State = coaching.StateCompleted
	case reason.Referral():
		o.State, o.Reason = coaching.StateReferred, reason
	case f.Outcome != "":
		o.State, o.Reason = coaching.StateDroppedOut, reason
	}
	_, err := s.Coaching.Close(c.Request.Context(), signedIn(c), h.TrajectoryID, o)
	v := s.staffView(c, "caseload.title", casePath(c, "/end"))
	if msgs := caseFieldMessages(v, err); msgs != nil {
		f.Errors = map[string]string{"note": msgs["note"]}
		if m, ok := msgs["reason"]; ok {
			f.Errors["outcome"] = m
		} else if _, ok := msgs["state"]; ok {
			f.Errors["outcome"] = v.T("caseload.error.outcome")
		}
		s.renderEnd(c, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "/end")), Text: v.T("caseload.tab.end")})
		return
	}
	redirect(c, http.StatusSeeOther, v.Href(casePath(c, ""))+"?done=closed")
}
