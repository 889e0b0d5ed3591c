package frontend

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/coaching"
)

// Guided care for coordinators: the waiting list (crisis-flagged
// applications first and marked, then by waiting time, with the intake's
// severity), assigning a clinician within capacity or automatically,
// every clinician's caseload, the replies that are overdue, and the
// urgent alerts of applications that have no clinician yet. Coordinators
// see who waits and for how long, never the content of anyone's care.
//
// URLs, under /{lang}/coordination (coordinators only):
//
//	GET  ""                          the overview
//	POST /applications/:id/assign    assign (clinician_id, or how=auto)
//	POST /alerts/:alert              acknowledge an alert, with a note

// coordinationNotices are what a redirect after a post may report.
var coordinationNotices = []string{"assigned", "acknowledged"}

type coordinationView struct {
	Notice       string
	CSRF         string
	Alerts       []caseAlertView
	Waiting      []coordWaitingRow
	Clinicians   []coordClinicianRow
	Overdue      []coordOverdueRow
	ResponseDays int
}

type coordWaitingRow struct {
	ID         string
	Client     string
	Applied    caseWhen
	WaitedDays int
	Score      int
	Band       string
	Crisis     bool
	Clinician  string
	Action     string
	Options    []optionView
	Error      string
}

type coordClinicianRow struct {
	Name         string
	Profession   string
	Caseload     int
	Capacity     int
	Free         int
	LastAssigned *caseWhen
}

type coordOverdueRow struct {
	Clinician string
	Since     caseWhen
}

// coordinationFailure is a refused assignment or acknowledgement, shown on
// its row.
type coordinationFailure struct {
	Application string // the application whose assignment failed
	Alert       string // the alert whose acknowledgement failed
	Message     string
	Note        string
	Chosen      string
}

func (s *Site) coordinationPage(c *gin.Context) {
	s.renderCoordination(c, http.StatusOK, coordinationFailure{})
}

func (s *Site) renderCoordination(c *gin.Context, status int, fail coordinationFailure) {
	v := s.staffView(c, "coordination.title", "/coordination")
	o, err := s.Coaching.Overview(c.Request.Context(), signedIn(c))
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href("/account"), Text: v.T("account.home.title")})
		return
	}
	cv := coordinationView{Notice: caseNotice(v, c, "coordination", coordinationNotices), CSRF: csrfToken(c), ResponseDays: s.Coaching.Config().ResponseDays}
	names := map[string]string{}
	for _, w := range o.Waiting {
		names[w.Trajectory.ID] = w.ClientName
	}
	for _, a := range o.Alerts {
		av := caseAlertView{ID: a.ID, Client: names[a.TrajectoryID], Source: v.T("caseload.source." + a.Source), Raised: s.caseTime(v, a.RaisedAt),
			Action: v.Href("/coordination/alerts/" + a.ID), Href: "#application-" + a.TrajectoryID}
		if a.ID == fail.Alert {
			av.Note, av.NoteError = fail.Note, fail.Message
			v.Errors = append(v.Errors, errorLink{Href: "#note-" + a.ID, Text: fail.Message})
		}
		cv.Alerts = append(cv.Alerts, av)
	}
	for _, w := range o.Waiting {
		t := w.Trajectory
		row := coordWaitingRow{ID: t.ID, Client: w.ClientName, Applied: s.caseDay(v, t.AppliedAt), WaitedDays: int(w.Waited.Hours() / 24),
			Score: t.IntakeScore, Band: s.caseBand(v, "phq9", t.IntakeBand), Crisis: t.IntakeCrisis, Clinician: w.Clinician,
			Action: v.Href("/coordination/applications/" + t.ID + "/assign")}
		for _, cl := range o.Clinicians {
			if cl.Free <= 0 && (t.ClinicianID == nil || *t.ClinicianID != cl.ID) {
				continue
			}
			label := v.T("coordination.assign.option", "Name", cl.Name, "Free", cl.Free)
			if cl.Profession != "" {
				label = v.T("coordination.assign.option_profession", "Name", cl.Name, "Profession", cl.Profession, "Free", cl.Free)
			}
			selected := cl.ID == fail.Chosen && t.ID == fail.Application || fail.Application != t.ID && t.ClinicianID != nil && *t.ClinicianID == cl.ID
			row.Options = append(row.Options, optionView{Value: cl.ID, Label: label, Checked: selected})
		}
		if t.ID == fail.Application {
			row.Error = fail.Message
			target := "#clinician-" + t.ID
			if len(row.Options) == 0 { // nobody has a free place: no list to choose from
				target = "#application-" + t.ID
			}
			v.Errors = append(v.Errors, errorLink{Href: target, Text: v.T("coordination.assign.error_for", "Client", w.ClientName, "Message", fail.Message)})
		}
		cv.Waiting = append(cv.Waiting, row)
	}
	for _, cl := range o.Clinicians {
		row := coordClinicianRow{Name: cl.Name, Profession: cl.Profession, Caseload: cl.Caseload, Capacity: cl.Capacity, Free: cl.Free}
		if !cl.LastAssigned.IsZero() {
			w := s.caseDay(v, cl.LastAssigned)
			row.LastAssigned = &w
		}
		cv.Clinicians = append(cv.Clinicians, row)
	}
	for _, r := range o.Overdue {
		if r.WaitingSince != nil {
			// The domain names the clinician on these rows, not the client.
			cv.Overdue = append(cv.Overdue, coordOverdueRow{Clinician: r.ClientName, Since: s.caseTime(v, *r.WaitingSince)})
		}
	}
	v.Data = cv
	s.render(c, status, "staff_coordination", v)
}

// assignSubmit assigns an application a clinician: the one chosen, or
// (how=auto) the one with the most free places.
func (s *Site) assignSubmit(c *gin.Context) {
	v := s.staffView(c, "coordination.title", "/coordination")
	id, chosen := c.Param("id"), c.PostForm("clinician_id")
	fail := coordinationFailure{Application: id, Chosen: chosen}
	if c.PostForm("how") == "auto" {
		chosen = ""
	} else if chosen == "" {
		fail.Message = v.T("coordination.assign.choose")
		s.renderCoordination(c, http.StatusUnprocessableEntity, fail)
		return
	}
	_, err := s.Coaching.Assign(c.Request.Context(), signedIn(c), id, chosen)
	var cf conflict
	switch {
	case err == nil:
		redirect(c, http.StatusSeeOther, v.Href("/coordination")+"?done=assigned#waiting")
		return
	case errors.Is(err, coaching.ErrCapacity):
		fail.Message = v.T("caseload.conflict.caseload_full")
	case caseFieldMessages(v, err) != nil:
		fail.Message = v.T("coordination.assign.choose")
	case errors.As(err, &cf) && cf.ConflictCode() != "invalid_transition":
		fail.Message = v.T("caseload.conflict.other")
	default:
		s.caseError(c, v, err, linkView{Href: v.Href("/coordination"), Text: v.T("coordination.title")})
		return
	}
	s.renderCoordination(c, http.StatusUnprocessableEntity, fail)
}

// coordinationAcknowledge is a coordinator acknowledging the alert of an
// application that has no clinician yet.
func (s *Site) coordinationAcknowledge(c *gin.Context) {
	v := s.staffView(c, "coordination.title", "/coordination")
	note := c.PostForm("note")
	err := s.Coaching.Acknowledge(c.Request.Context(), signedIn(c), c.Param("alert"), note)
	if msgs := caseFieldMessages(v, err); msgs != nil {
		s.renderCoordination(c, http.StatusUnprocessableEntity, coordinationFailure{Alert: c.Param("alert"), Message: msgs["note"], Note: note})
		return
	}
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href("/coordination"), Text: v.T("coordination.title")})
		return
	}
	redirect(c, http.StatusSeeOther, v.Href("/coordination")+"?done=acknowledged")
}
