package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
)

// The guided trajectory for staff: a clinician's caseload and their
// client's work, lessons, feedback, contacts, extension and alerts; the
// coordinators' waiting list, assignment and overview. Every read of a
// client's data is audited by the domain; a trajectory that is not the
// clinician's is a 404 (and the attempt is audited as denied).

type alertView struct {
	ID           string    `json:"id"`
	TrajectoryID string    `json:"trajectory_id"`
	Kind         string    `json:"kind"`
	Source       string    `json:"source"`
	RaisedAt     time.Time `json:"raised_at"`
}

func toAlert(a *coaching.Alert) alertView {
	return alertView{ID: a.ID, TrajectoryID: a.TrajectoryID, Kind: a.Kind, Source: a.Source, RaisedAt: a.RaisedAt.UTC()}
}

func toAlerts(as []coaching.Alert) []alertView {
	out := make([]alertView, 0, len(as))
	for i := range as {
		out = append(out, toAlert(&as[i]))
	}
	return out
}

type caseloadRow struct {
	Trajectory   trajectoryView `json:"trajectory"`
	ClientName   string         `json:"client_name"`
	DaysLeft     *int           `json:"days_left,omitempty"`
	LastContact  *time.Time     `json:"last_contact,omitempty"`
	Unread       int            `json:"unread"`
	WaitingSince *time.Time     `json:"waiting_since,omitempty"`
	Overdue      bool           `json:"overdue"`
	Trend        trendView      `json:"trend"`
	Alerts       []alertView    `json:"alerts"`
	Risks        []string       `json:"risks"`
}

// caseload is the clinician's dashboard: urgent alerts first.
func (h *handlers) caseload(c *gin.Context) {
	rows, err := h.Coaching.Dashboard(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := make([]caseloadRow, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		v := caseloadRow{Trajectory: toTrajectory(&r.Trajectory), ClientName: r.ClientName, LastContact: utc(r.LastContact),
			Unread: r.Unread, WaitingSince: utc(r.WaitingSince), Overdue: r.Overdue, Trend: toTrend(&r.Trend),
			Alerts: toAlerts(r.Alerts), Risks: r.Risks}
		if r.Trajectory.PlannedEnd != nil {
			v.DaysLeft = &r.DaysLeft
		}
		if v.Risks == nil {
			v.Risks = []string{}
		}
		out = append(out, v)
	}
	c.JSON(http.StatusOK, gin.H{"caseload": out})
}

type pendingFeedbackView struct {
	TrajectoryID string    `json:"trajectory_id"`
	ClientName   string    `json:"client_name"`
	Programme    string    `json:"programme"`
	Lesson       string    `json:"lesson"`
	CompletedAt  time.Time `json:"completed_at"`
	By           time.Time `json:"due_by"`
	Overdue      bool      `json:"overdue"`
}

// pendingFeedback lists the lessons the clinician's clients finished
// without feedback since.
func (h *handlers) pendingFeedback(c *gin.Context) {
	ps, err := h.Coaching.PendingFeedback(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := make([]pendingFeedbackView, 0, len(ps))
	for _, p := range ps {
		out = append(out, pendingFeedbackView{TrajectoryID: p.TrajectoryID, ClientName: p.ClientName, Programme: p.ProgrammeID,
			Lesson: p.LessonID, CompletedAt: p.CompletedAt.UTC(), By: p.By.UTC(), Overdue: p.Overdue})
	}
	c.JSON(http.StatusOK, gin.H{"pending": out})
}

// work is the client's course work in a programme as their clinician
// reads it: progress, every saved answer (homework included) and the
// lessons the clinician set.
func (h *handlers) work(c *gin.Context) {
	w, err := h.Coaching.Work(c.Request.Context(), principal(c), c.Param("id"), c.Param("programme"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := gin.H{"programme": w.Programme.ID, "answers": []answerView{}, "assigned": []string{}}
	if w.Progress != nil {
		out["progress"] = h.progressOut(c, w.Progress)
	}
	answers := make([]answerView, 0, len(w.Answers))
	for _, a := range w.Answers {
		answers = append(answers, answerOut(a))
	}
	out["answers"] = answers
	if w.Assigned != nil {
		out["assigned"] = w.Assigned
	}
	c.JSON(http.StatusOK, out)
}

// clientDiary is the client's mood diary between two days (default the
// last 4 weeks).
func (h *handlers) clientDiary(c *gin.Context) {
	from, to, ok := h.diaryRange(c)
	if !ok {
		return
	}
	entries, err := h.Coaching.Diary(c.Request.Context(), principal(c), c.Param("id"), from, to)
	if err != nil {
		h.respondError(c, err)
		return
	}
	if entries == nil {
		entries = []modules.DiaryEntry{}
	}
	c.JSON(http.StatusOK, gin.H{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "entries": entries})
}

// diaryRange reads ?from= and ?to= (days), by default the last 4 weeks to
// today; it answers a bad range itself.
func (h *handlers) diaryRange(c *gin.Context) (from, to time.Time, ok bool) {
	to = h.Selfhelp.Today()
	from = to.AddDate(0, 0, -27)
	var err error
	if s := c.Query("from"); s != "" {
		if from, err = time.Parse(time.DateOnly, s); err != nil {
			abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Dates are written YYYY-MM-DD.", map[string]string{"from": "not a date"})
			return from, to, false
		}
	}
	if s := c.Query("to"); s != "" {
		if to, err = time.Parse(time.DateOnly, s); err != nil {
			abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Dates are written YYYY-MM-DD.", map[string]string{"to": "not a date"})
			return from, to, false
		}
	}
	if to.Sub(from) > 400*24*time.Hour || to.Before(from) {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Ask for at most a year, from before to.", map[string]string{"from": "range too long or reversed"})
		return from, to, false
	}
	return from, to, true
}

type lessonsRequest struct {
	Lessons []string `json:"lessons"`
}

// assignLessons sets the lessons the client follows in a programme, in
// this order (replacing the ones set before).
func (h *handlers) assignLessons(c *gin.Context) {
	var req lessonsRequest
	if !decodeJSON(c, &req) {
		return
	}
	if req.Lessons == nil {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Give the lessons in order (an empty list clears them).",
			map[string]string{"lessons": "is required"})
		return
	}
	if err := h.Coaching.AssignLessons(c.Request.Context(), principal(c), c.Param("id"), c.Param("programme"), req.Lessons); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type feedbackRequest struct {
	Lesson string `json:"lesson"`
	Body   string `json:"body"`
}

// giveFeedback is the clinician's feedback on one of the client's lessons.
func (h *handlers) giveFeedback(c *gin.Context) {
	var req feedbackRequest
	if !decodeJSON(c, &req) {
		return
	}
	f, err := h.Coaching.GiveFeedback(c.Request.Context(), principal(c), c.Param("id"), req.Lesson, req.Body)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toFeedback(f))
}

type contactRequest struct {
	Mode       string `json:"mode"`
	OccurredAt string `json:"occurred_at"`
	Minutes    int    `json:"minutes"`
	Note       string `json:"note"`
}

// parseTime reads an RFC 3339 time of field; it answers a bad one itself.
func parseTime(c *gin.Context, field, s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Times are written as RFC 3339, such as 2026-03-01T14:30:00+01:00.",
			map[string]string{field: "must be a date and time (RFC 3339)"})
		return time.Time{}, false
	}
	return t, true
}

// logContact records a face-to-face, video or phone contact.
func (h *handlers) logContact(c *gin.Context) {
	var req contactRequest
	if !decodeJSON(c, &req) {
		return
	}
	at, ok := parseTime(c, "occurred_at", req.OccurredAt)
	if !ok {
		return
	}
	ct, err := h.Coaching.LogContact(c.Request.Context(), principal(c), c.Param("id"),
		coaching.Contact{Mode: req.Mode, OccurredAt: at, Minutes: req.Minutes, Note: req.Note})
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toContact(ct))
}

type extendRequest struct {
	Until  string `json:"until"`
	Reason string `json:"reason"`
}

// extend is the clinician's one extension: a reason and a new planned end.
func (h *handlers) extend(c *gin.Context) {
	var req extendRequest
	if !decodeJSON(c, &req) {
		return
	}
	until, ok := parseTime(c, "until", req.Until)
	if !ok {
		return
	}
	t, err := h.Coaching.Extend(c.Request.Context(), principal(c), c.Param("id"), until, req.Reason)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTrajectory(t))
}

type acknowledgeRequest struct {
	Note string `json:"note"`
}

// acknowledge is a clinician (or, while none is assigned, a coordinator)
// saying what they did about an urgent alert.
func (h *handlers) acknowledge(c *gin.Context) {
	var req acknowledgeRequest
	if !decodeJSON(c, &req) {
		return
	}
	if err := h.Coaching.Acknowledge(c.Request.Context(), principal(c), c.Param("id"), req.Note); err != nil {
		h.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type waitingView struct {
	Trajectory    trajectoryView `json:"trajectory"`
	ClientName    string         `json:"client_name"`
	ClinicianName string         `json:"clinician_name,omitempty"`
	WaitedDays    int            `json:"waited_days"`
	Crisis        bool           `json:"crisis"`
}

func toWaiting(ws []coaching.Waiting) []waitingView {
	out := make([]waitingView, 0, len(ws))
	for i := range ws {
		w := &ws[i]
		out = append(out, waitingView{Trajectory: toTrajectory(&w.Trajectory), ClientName: w.ClientName, ClinicianName: w.Clinician,
			WaitedDays: int(w.Waited.Hours() / 24), Crisis: w.Trajectory.IntakeCrisis})
	}
	return out
}

// waitingList is the applications without a trajectory going: crisis
// first, then by waiting time.
func (h *handlers) waitingList(c *gin.Context) {
	ws, err := h.Coaching.WaitingList(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"applications": toWaiting(ws)})
}

type clinicianView struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Profession   string     `json:"profession"`
	Capacity     int        `json:"capacity"`
	Caseload     int        `json:"caseload"`
	Free         int        `json:"free"`
	LastAssigned *time.Time `json:"last_assigned_at,omitempty"`
}

func toClinicians(cs []coaching.Clinician) []clinicianView {
	out := make([]clinicianView, 0, len(cs))
	for _, cl := range cs {
		v := clinicianView{ID: cl.ID, Name: cl.Name, Profession: cl.Profession, Capacity: cl.Capacity, Caseload: cl.Caseload, Free: cl.Free}
		if !cl.LastAssigned.IsZero() {
			v.LastAssigned = utc(&cl.LastAssigned)
		}
		out = append(out, v)
	}
	return out
}

// clinicians are the active clinicians with their caseload and free
// places, for assignment.
func (h *handlers) clinicians(c *gin.Context) {
	cs, err := h.Coaching.Clinicians(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"clinicians": toClinicians(cs)})
}

type assignRequest struct {
	ClinicianID string `json:"clinician_id"`
}

// assign gives an application a clinician within their capacity; without
// clinician_id the one with the most free places.
func (h *handlers) assign(c *gin.Context) {
	var req assignRequest
	if !decodeJSON(c, &req) {
		return
	}
	t, err := h.Coaching.Assign(c.Request.Context(), principal(c), c.Param("id"), req.ClinicianID)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTrajectory(t))
}

type overdueView struct {
	TrajectoryID  string    `json:"trajectory_id"`
	ClinicianID   string    `json:"clinician_id"`
	ClinicianName string    `json:"clinician_name"`
	WaitingSince  time.Time `json:"waiting_since"`
}

// overview is the coordinators' view: the waiting list, every clinician's
// caseload, the replies past the target (naming the clinician, not the
// client) and urgent alerts on applications without a clinician.
func (h *handlers) overview(c *gin.Context) {
	o, err := h.Coaching.Overview(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	overdue := make([]overdueView, 0, len(o.Overdue))
	for _, r := range o.Overdue {
		v := overdueView{TrajectoryID: r.Trajectory.ID, ClinicianName: r.ClientName}
		if r.Trajectory.ClinicianID != nil {
			v.ClinicianID = *r.Trajectory.ClinicianID
		}
		if r.WaitingSince != nil {
			v.WaitingSince = r.WaitingSince.UTC()
		}
		overdue = append(overdue, v)
	}
	c.JSON(http.StatusOK, gin.H{"waiting": toWaiting(o.Waiting), "clinicians": toClinicians(o.Clinicians), "overdue": overdue,
		"alerts": toAlerts(o.Alerts)})
}
