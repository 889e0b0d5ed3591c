package frontend

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/coaching"
)

// Stopping guided help while it runs: the client's own choice, with a
// reason from the taxonomy in their words (coaching.Service.Close as
// dropped out, ended by the client) and, for "another reason", a few
// words of their own (the domain requires them; their clinician reads them
// as the end note). Before it starts, withdrawing the application is the
// way out.

// stopReasons are the reasons a client can give, in the order shown.
var stopReasons = coaching.ClientEndReasons

type stopPage struct {
	Action      string
	CSRF        string
	HomeHref    string
	Reasons     []optionView
	ReasonError string
	Note        string
	NoteError   string
	MaxNote     int
}

func (s *Site) stopPath(c *gin.Context) string { return "/guided/t/" + c.Param("id") + "/stop" }

func (s *Site) renderStop(c *gin.Context, status int, v *view, reason, note string, fieldErrs map[string]string) {
	pg := stopPage{Action: v.Href(s.stopPath(c)), CSRF: csrfToken(c), HomeHref: v.Href("/guided/mine"), Note: note, MaxNote: coaching.MaxNote}
	for _, r := range stopReasons {
		pg.Reasons = append(pg.Reasons, optionView{ID: "reason-" + string(r), Value: string(r), Label: v.T("guided.stop.reason_" + string(r)),
			Checked: reason == string(r)})
	}
	if _, bad := fieldErrs["reason"]; bad {
		pg.ReasonError = v.T("guided.stop.error_reason")
		v.Errors = append(v.Errors, errorLink{Href: "#" + pg.Reasons[0].ID, Text: pg.ReasonError})
	}
	if _, bad := fieldErrs["note"]; bad {
		pg.NoteError = v.T("guided.stop.error_note")
		v.Errors = append(v.Errors, errorLink{Href: "#stop-note", Text: pg.NoteError})
	}
	v.Data = pg
	s.render(c, status, "guided_stop", v)
}

// stopForm asks why, while the trajectory runs.
func (s *Site) stopForm(c *gin.Context) {
	v := s.guidedView(c, "guided.stop.title", s.stopPath(c))
	t, err := s.Coaching.Trajectory(c.Request.Context(), signedIn(c), c.Param("id"), coaching.AccessCare)
	switch {
	case err != nil:
		s.guidedError(c, v, err)
	case t.State != coaching.StateActive: // not started (withdraw instead), or ended
		s.guidedError(c, v, &coaching.TransitionError{From: t.State, To: coaching.StateDroppedOut})
	default:
		s.renderStop(c, http.StatusOK, v, "", "", nil)
	}
}

func (s *Site) stopSubmit(c *gin.Context) {
	v := s.guidedView(c, "guided.stop.title", s.stopPath(c))
	reason, note := c.PostForm("reason"), c.PostForm("note")
	if !slices.Contains(stopReasons, coaching.EndReason(reason)) {
		// The others are not the client's to give (disappeared, referrals).
		s.renderStop(c, http.StatusUnprocessableEntity, v, "", note, map[string]string{"reason": "choose one"})
		return
	}
	_, err := s.Coaching.Close(c.Request.Context(), signedIn(c), c.Param("id"),
		coaching.Outcome{State: coaching.StateDroppedOut, Reason: coaching.EndReason(reason), Note: note})
	var (
		te *coaching.TransitionError
		fe fieldErrors
	)
	switch {
	case err == nil, errors.As(err, &te) && te.From == coaching.StateDroppedOut:
		redirect(c, http.StatusSeeOther, v.Href("/guided/mine")+"?notice=stopped")
	case errors.As(err, &fe):
		s.renderStop(c, http.StatusUnprocessableEntity, v, reason, note, fe.FieldErrors())
	default:
		s.guidedError(c, v, err)
	}
}
