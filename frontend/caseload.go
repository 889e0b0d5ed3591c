package frontend

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
)

// Guided care for clinicians: their caseload (the dashboard) and, per
// client, the trajectory's pages — the record, messages, the lessons with
// the client's answers and the clinician's feedback, the diary, contacts,
// and extending or ending it. The coordinators' pages are in
// coordination.go.
//
// URLs, under /{lang}/caseload (clinicians only):
//
//	GET       ""                              the dashboard: urgent alerts first, then every client
//	GET       /:id                            the record: state, dates, intake, alerts, questionnaires, notifications, history
//	POST      /:id/alerts/:alert              acknowledge an alert, with a note
//	GET, POST /:id/messages                   the conversation; send (with an idempotency key)
//	GET, POST /:id/lessons                    the client's lessons; the clinician's choice and order
//	GET       /:id/lessons/:lesson            one lesson: the client's answers, feedback
//	POST      /:id/lessons/:lesson/feedback   write feedback on it
//	GET       /:id/diary                      the mood diary of four weeks
//	GET, POST /:id/contacts                   contacts; log one
//	GET       /:id/end                        extend once, or end the trajectory
//	POST      /:id/extend, /:id/close
//
// Every page about one trajectory passes caseGuard first, which asks the
// domain for its heading (whose record it is): another clinician's
// trajectory is the not-found page, and the domain audits the attempt.
// Each handler then calls one coaching.Service method, which audits its
// read. Forms post and redirect (POST-redirect-GET); nothing needs
// JavaScript.

// caseloadKeys are the message ids the staff pages build at run time.
func caseloadKeys() []string {
	ids := []string{"caseload.error.invalid", "caseload.error.outcome", "caseload.error.extend_reason", "caseload.conflict.other"}
	for _, st := range coaching.States {
		ids = append(ids, "caseload.state."+string(st))
	}
	for _, r := range coaching.EndReasons {
		ids = append(ids, "caseload.reason."+string(r))
	}
	for _, k := range []string{coaching.RiskInactive, coaching.RiskUnanswered, coaching.RiskMissedQuest, coaching.RiskDeteriorated} {
		ids = append(ids, "caseload.risk."+k)
	}
	for _, k := range []string{coaching.SourceIntake, coaching.SourceQuestionnaire, coaching.SourceCourse} {
		ids = append(ids, "caseload.source."+k)
	}
	for _, k := range coaching.Points {
		ids = append(ids, "caseload.point."+k)
	}
	for _, k := range coaching.ContactModes {
		ids = append(ids, "caseload.mode."+k)
	}
	for _, k := range coaching.CareOptions {
		ids = append(ids, "caseload.care."+k)
	}
	for _, k := range []string{coaching.NotifyAssigned, coaching.NotifyMessage, coaching.NotifyFeedback, coaching.NotifyDue,
		coaching.NotificationNoMailServer, coaching.NotificationNoAddress} {
		ids = append(ids, "caseload.notify."+k)
	}
	for _, k := range []string{coaching.EndedByClient, coaching.EndedByClinician, coaching.EndedBySystem, coaching.EndedByCoordinator} {
		ids = append(ids, "caseload.by."+k)
	}
	for _, t := range caseTabs {
		ids = append(ids, "caseload.tab."+t[0])
	}
	for _, k := range caseFields {
		ids = append(ids, "caseload.error."+k)
	}
	for _, k := range caseConflicts {
		ids = append(ids, "caseload.conflict."+k)
	}
	for _, k := range caseNotices {
		ids = append(ids, "caseload.done."+k)
	}
	for _, k := range coordinationNotices {
		ids = append(ids, "coordination.done."+k)
	}
	return ids
}

// caseFields are the form fields whose errors have their own message.
var caseFields = []string{"body", "note", "reason", "until", "mode", "occurred_at", "minutes", "lesson", "lessons", "state", "clinician_id"}

// caseConflicts are the conflicts with their own explanation.
var caseConflicts = []string{"caseload_full", "already_extended", "idempotency_key_reused", "trajectory_open", "feedback_pending"}

// caseNotices are what a redirect after a post may report (?done=).
var caseNotices = []string{"acknowledged", "sent", "lessons", "feedback", "contact", "extended", "closed"}

// staffView starts a staff page: never cached, never indexed, and wide
// enough for the tables on a laptop.
func (s *Site) staffView(c *gin.Context, titleKey, path string) *view {
	v := s.accountView(c, titleKey, path)
	v.Wide = true
	return v
}

// notice is the message of a page reached by a redirect after a post.
func caseNotice(v *view, c *gin.Context, prefix string, allowed []string) string {
	done := c.Query("done")
	for _, k := range allowed {
		if k == done {
			return v.T(prefix + ".done." + k)
		}
	}
	return ""
}

// caseWhen is a moment on a page: machine-readable and as shown, in the
// deployment's time zone.
type caseWhen struct {
	ISO  string
	Text string
}

func (s *Site) caseTime(v *view, t time.Time) caseWhen {
	l := t.In(s.location())
	return caseWhen{ISO: l.Format(time.RFC3339), Text: s.dateTimeText(v, t)}
}

func (s *Site) caseDay(v *view, t time.Time) caseWhen {
	l := t.In(s.location())
	return caseWhen{ISO: l.Format(time.DateOnly), Text: s.dateText(v, t)}
}

func (s *Site) caseWhenPtr(v *view, t *time.Time) *caseWhen {
	if t == nil {
		return nil
	}
	w := s.caseTime(v, *t)
	return &w
}

// caseBand is a band of an instrument in the page's language.
func (s *Site) caseBand(v *view, instrument, band string) string {
	in, err := s.Selftest.Catalog().Instrument(instrument)
	if err != nil {
		return band
	}
	t, _ := in.Text(v.Lang)
	if b, ok := t.Bands[band]; ok {
		return b.Label
	}
	return band
}

// caseInstrument is a questionnaire's short name ("PHQ-9").
func (s *Site) caseInstrument(id string) string {
	if in, err := s.Selftest.Catalog().Instrument(id); err == nil && in.Name != "" {
		return in.Name
	}
	return id
}

// caseFormKey is a fresh idempotency key for a form: a retried post (a
// double click, a reload) is recognised by the domain and not repeated.
func caseFormKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// caseError answers a domain error on a staff page: not found (or not
// yours) is the not-found page, a state that does not allow it a 409 page
// saying what stands in the way, anything else the 500 page. Field errors
// are each form's own (caseFieldMessages).
func (s *Site) caseError(c *gin.Context, v *view, err error, back linkView) {
	var (
		nf notFound
		cf conflict
		te *coaching.TransitionError
	)
	switch {
	case errors.As(err, &nf):
		s.notFound(c, http.StatusNotFound)
		return
	case errors.Is(err, auth.ErrForbidden):
		v.Title = v.T("account.forbidden")
		v.Data = messagePage{Heading: v.Title, Links: []linkView{back}}
		s.render(c, http.StatusForbidden, "account_message", v)
		return
	case errors.As(err, &te):
		v.Title = v.T("caseload.conflict.title")
		v.Data = messagePage{Heading: v.Title, Paragraphs: []string{v.T("caseload.conflict.transition",
			"From", v.T("caseload.state."+string(te.From)), "To", v.T("caseload.state."+string(te.To)))}, Links: []linkView{back}}
		s.render(c, http.StatusConflict, "account_message", v)
		return
	case errors.As(err, &cf):
		msg := v.T("caseload.conflict.other")
		for _, k := range caseConflicts {
			if k == cf.ConflictCode() {
				msg = v.T("caseload.conflict." + k)
			}
		}
		v.Title = v.T("caseload.conflict.title")
		v.Data = messagePage{Heading: v.Title, Paragraphs: []string{msg}, Links: []linkView{back}}
		s.render(c, http.StatusConflict, "account_message", v)
		return
	}
	s.Log.ErrorContext(c.Request.Context(), "guided care page", "path", c.FullPath(), "error", err.Error())
	s.InternalError(c)
}

// caseFieldMessages returns the message of each invalid field err names, in
// the page's language, or nil when err is not about fields.
func caseFieldMessages(v *view, err error) map[string]string {
	var fe fieldErrors
	if !errors.As(err, &fe) {
		return nil
	}
	out := map[string]string{}
	for name := range fe.FieldErrors() {
		key := "caseload.error.invalid"
		for _, f := range caseFields {
			if f == name {
				key = "caseload.error." + f
			}
		}
		out[name] = v.T(key)
	}
	return out
}

// summary fills the page's error summary from field messages, in the
// order of the form's fields (ids: the inputs to jump to).
func caseSummary(v *view, msgs map[string]string, order []string, ids map[string]string) {
	for _, name := range order {
		if m, ok := msgs[name]; ok {
			id := ids[name]
			if id == "" {
				id = name
			}
			v.Errors = append(v.Errors, errorLink{Href: "#" + id, Text: m})
		}
	}
}

// The record's heading, from the route's guard.

const headingKey = "haven.caseload.heading"

// caseGuard is the per-record rule of a trajectory's pages: the domain
// says whose it is, or that it is not this clinician's (the not-found
// page; the domain audits the attempt as denied).
func (s *Site) caseGuard(c *gin.Context) {
	v := s.staffView(c, "caseload.title", "/caseload")
	id := c.Param("id")
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		s.notFound(c, http.StatusNotFound)
		c.Abort()
		return
	}
	h, err := s.Coaching.Heading(c.Request.Context(), signedIn(c), id)
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href("/caseload"), Text: v.T("caseload.title")})
		c.Abort()
		return
	}
	c.Set(headingKey, h)
	c.Next()
}

func headingOf(c *gin.Context) *coaching.Heading {
	h, _ := c.MustGet(headingKey).(*coaching.Heading)
	return h
}

// caseHead is the top of every page about one trajectory: whose it is,
// its state, and the tabs of the record.
type caseHead struct {
	ID         string
	Client     string
	State      string
	StateLabel string
	Care       bool
	Active     bool
	Tabs       []caseTab
	Back       linkView
}

type caseTab struct {
	Href    string
	Text    string
	Current bool
}

// caseTabs are the record's pages, in order: tab key, path after the id.
var caseTabs = [][2]string{{"record", ""}, {"messages", "/messages"}, {"lessons", "/lessons"}, {"diary", "/diary"}, {"contacts", "/contacts"}, {"end", "/end"}}

func (s *Site) caseHead(c *gin.Context, v *view, tab string) caseHead {
	h := headingOf(c)
	head := caseHead{ID: h.TrajectoryID, Client: h.ClientName, State: string(h.State), StateLabel: v.T("caseload.state." + string(h.State)),
		Care: h.Care, Active: h.State == coaching.StateActive, Back: linkView{Href: v.Href("/caseload"), Text: v.T("caseload.back")}}
	for _, t := range caseTabs {
		if !h.Care && t[0] != "record" {
			continue
		}
		head.Tabs = append(head.Tabs, caseTab{Href: v.Href("/caseload/" + h.TrajectoryID + t[1]), Text: v.T("caseload.tab." + t[0]), Current: t[0] == tab})
	}
	return head
}

// casePath is the path of one of a trajectory's pages, without the
// language.
func casePath(c *gin.Context, rest string) string { return "/caseload/" + c.Param("id") + rest }

// The dashboard.

type caseDashboardView struct {
	Notice       string
	CSRF         string
	Alerts       []caseAlertView
	Rows         []caseRow
	ResponseDays int
}

// caseAlertView is an urgent alert with the form that acknowledges it.
type caseAlertView struct {
	ID        string
	Client    string
	Source    string
	Raised    caseWhen
	Action    string
	Back      string
	Note      string
	NoteError string
	Href      string // the client's record
}

type caseRow struct {
	Href         string
	Client       string
	State        string
	StateLabel   string
	DaysLeft     string
	LastContact  *caseWhen
	Unread       int
	WaitingSince *caseWhen
	Overdue      bool
	Scores       string
	TrendTags    []caseTag
	Alerts       int
	Risks        []string
}

type caseTag struct {
	Class string
	Text  string
}

func (s *Site) dashboard(c *gin.Context) {
	v := s.staffView(c, "caseload.title", "/caseload")
	s.renderDashboard(c, v, http.StatusOK, "", nil)
}

// renderDashboard shows the caseload; failed is an alert whose
// acknowledgement was refused, with what is wrong.
func (s *Site) renderDashboard(c *gin.Context, v *view, status int, failed string, ack *caseAlertView) {
	rows, err := s.Coaching.Dashboard(c.Request.Context(), signedIn(c))
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href("/account"), Text: v.T("account.home.title")})
		return
	}
	d := caseDashboardView{Notice: caseNotice(v, c, "caseload", caseNotices), CSRF: csrfToken(c), ResponseDays: s.Coaching.Config().ResponseDays}
	for _, r := range rows {
		t := r.Trajectory
		href := v.Href("/caseload/" + t.ID)
		for _, a := range r.Alerts {
			av := caseAlertView{ID: a.ID, Client: r.ClientName, Source: v.T("caseload.source." + a.Source), Raised: s.caseTime(v, a.RaisedAt),
				Action: v.Href("/caseload/" + t.ID + "/alerts/" + a.ID), Back: "dashboard", Href: href}
			if a.ID == failed && ack != nil {
				av.Note, av.NoteError = ack.Note, ack.NoteError
			}
			d.Alerts = append(d.Alerts, av)
		}
		row := caseRow{Href: href, Client: r.ClientName, State: string(t.State), StateLabel: v.T("caseload.state." + string(t.State)),
			LastContact: s.caseWhenPtr(v, r.LastContact), Unread: r.Unread, WaitingSince: s.caseWhenPtr(v, r.WaitingSince), Overdue: r.Overdue,
			Alerts: len(r.Alerts)}
		if t.PlannedEnd != nil {
			row.DaysLeft = caseDaysLeft(v, r.DaysLeft)
		}
		row.Scores, row.TrendTags = caseTrend(v, r.Trend)
		for _, k := range r.Risks {
			row.Risks = append(row.Risks, v.T("caseload.risk."+k))
		}
		d.Rows = append(d.Rows, row)
	}
	if failed != "" {
		for _, a := range d.Alerts {
			if a.ID == failed {
				v.Errors = append(v.Errors, errorLink{Href: "#note-" + a.ID, Text: a.NoteError})
			}
		}
	}
	v.Data = d
	s.render(c, status, "staff_dashboard", v)
}

func caseDaysLeft(v *view, n int) string {
	switch {
	case n < 0:
		return v.T("caseload.days_over", "N", -n)
	case n == 0:
		return v.T("caseload.days_today")
	}
	return v.T("caseload.days_left", "N", n)
}

// caseTrend is the PHQ-9 scores in order ("14 → 9") and what they mean:
// reliable change either way, recovery.
func caseTrend(v *view, tr coaching.Trend) (string, []caseTag) {
	var scores []string
	for _, sc := range tr.Scores {
		scores = append(scores, strconv.Itoa(sc.Score))
	}
	var tags []caseTag
	if tr.ReliablyBetter {
		tags = append(tags, caseTag{Class: "tag--done", Text: v.T("caseload.trend.better")})
	}
	if tr.ReliablyWorse {
		tags = append(tags, caseTag{Class: "tag--urgent", Text: v.T("caseload.trend.worse")})
	}
	if tr.Recovered {
		tags = append(tags, caseTag{Class: "tag--done", Text: v.T("caseload.trend.recovered")})
	}
	return strings.Join(scores, " → "), tags
}

// The record.

type caseRecordView struct {
	Head          caseHead
	Notice        string
	CSRF          string
	Alerts        []caseAlertView
	Dates         []caseTerm
	Intake        []caseTerm
	Schedule      []caseDueRow
	Trend         string
	TrendChange   string
	TrendTags     []caseTag
	Progress      []caseTerm
	Ended         bool
	Notify        bool
	Notifications []caseNotificationRow
	History       []caseHistoryRow
	// FHIR is the download of the client's questionnaire results (a FHIR
	// file), when the export is there and the care is the clinician's.
	FHIR string
}

// caseTerm is one term and its description in a summary list.
type caseTerm struct {
	Term string
	Desc string
	When *caseWhen
}

type caseDueRow struct {
	Point      string
	Instrument string
	Due        *caseWhen
	Taken      *caseWhen
	Score      string
	Band       string
	Crisis     bool
	Open       bool
}

type caseNotificationRow struct {
	Kind     string
	Queued   caseWhen
	Status   string
	Class    string
	Attempts int
}

type caseHistoryRow struct {
	At   caseWhen
	From string
	To   string
	By   string
}

func (s *Site) recordPage(c *gin.Context) {
	s.renderRecord(c, http.StatusOK, "", nil)
}

func (s *Site) renderRecord(c *gin.Context, status int, failed string, ack *caseAlertView) {
	h := headingOf(c)
	v := s.staffView(c, "", casePath(c, ""))
	v.Title = v.T("caseload.record.title", "Client", h.ClientName)
	r, err := s.Coaching.Record(c.Request.Context(), signedIn(c), h.TrajectoryID)
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href("/caseload"), Text: v.T("caseload.title")})
		return
	}
	t := r.Trajectory
	rv := caseRecordView{Head: s.caseHead(c, v, "record"), Notice: caseNotice(v, c, "caseload", caseNotices), CSRF: csrfToken(c),
		Ended: t.EndedAt != nil, Notify: r.Notify}
	for _, a := range r.Alerts {
		av := caseAlertView{ID: a.ID, Client: r.ClientName, Source: v.T("caseload.source." + a.Source), Raised: s.caseTime(v, a.RaisedAt),
			Action: v.Href("/caseload/" + t.ID + "/alerts/" + a.ID), Back: "record"}
		if a.ID == failed && ack != nil {
			av.Note, av.NoteError = ack.Note, ack.NoteError
			v.Errors = append(v.Errors, errorLink{Href: "#note-" + a.ID, Text: ack.NoteError})
		}
		rv.Alerts = append(rv.Alerts, av)
	}
	add := func(list *[]caseTerm, key string, at *time.Time, desc string) {
		if at == nil && desc == "" {
			return
		}
		d := caseTerm{Term: v.T(key), Desc: desc}
		if at != nil {
			w := s.caseDay(v, *at)
			d.When = &w
		}
		*list = append(*list, d)
	}
	add(&rv.Dates, "caseload.record.applied", &t.AppliedAt, "")
	add(&rv.Dates, "caseload.record.assigned", t.AssignedAt, "")
	add(&rv.Dates, "caseload.record.started", t.StartedAt, "")
	add(&rv.Dates, "caseload.record.first_contact", t.FirstContactAt, "")
	if t.PlannedEnd != nil {
		left := ""
		if t.State == coaching.StateActive {
			left = caseDaysLeft(v, r.DaysLeft)
		}
		add(&rv.Dates, "caseload.record.planned_end", t.PlannedEnd, left)
	}
	add(&rv.Dates, "caseload.record.extended", t.ExtendedAt, r.ExtensionReason)
	if t.EndedAt != nil {
		how := v.T("caseload.state." + string(t.State))
		if t.EndReason != nil {
			how += ": " + v.T("caseload.reason."+string(*t.EndReason))
		}
		if t.EndedBy != nil {
			how += " (" + v.T("caseload.record.ended_by", "By", v.T("caseload.by."+*t.EndedBy)) + ")"
		}
		add(&rv.Dates, "caseload.record.ended", t.EndedAt, how)
		add(&rv.Dates, "caseload.record.end_note", nil, r.EndNote)
	}
	rv.Intake = append(rv.Intake, caseTerm{Term: v.T("caseload.record.intake_phq9"),
		Desc: v.T("caseload.record.score", "Score", t.IntakeScore, "Band", s.caseBand(v, "phq9", t.IntakeBand))})
	if t.IntakeCrisis {
		rv.Intake = append(rv.Intake, caseTerm{Term: v.T("caseload.record.intake_crisis"), Desc: v.T("caseload.record.intake_crisis_yes")})
	}
	if t.IntakeAnxiety {
		rv.Intake = append(rv.Intake, caseTerm{Term: v.T("caseload.record.intake_gad7"), Desc: v.T("caseload.record.intake_gad7_yes")})
	}
	rv.Intake = append(rv.Intake, caseTerm{Term: v.T("caseload.record.hopes"), Desc: r.Intake.Hopes}, caseTerm{Term: v.T("caseload.record.reachable"), Desc: r.Intake.Reachable})
	care := v.T("caseload.record.care_none")
	if len(r.Intake.CareElsewhere) > 0 {
		var labels []string
		for _, k := range r.Intake.CareElsewhere {
			labels = append(labels, v.T("caseload.care."+k))
		}
		care = strings.Join(labels, ", ")
	}
	rv.Intake = append(rv.Intake, caseTerm{Term: v.T("caseload.record.care"), Desc: care})
	if r.Care {
		for _, d := range r.Schedule {
			row := caseDueRow{Point: v.T("caseload.point." + d.Point), Instrument: s.caseInstrument(d.Instrument), Open: d.Open(r.AsOf)}
			if !d.DueAt.IsZero() {
				w := s.caseDay(v, d.DueAt)
				row.Due = &w
			}
			if d.Taken != nil {
				w := s.caseDay(v, d.Taken.TakenAt)
				row.Taken, row.Score, row.Band, row.Crisis = &w, strconv.Itoa(d.Taken.Score), s.caseBand(v, d.Instrument, d.Taken.Band), d.Taken.Crisis
			}
			rv.Schedule = append(rv.Schedule, row)
		}
		rv.Trend, rv.TrendTags = caseTrend(v, r.Trend)
		if s.FHIR != nil {
			rv.FHIR = v.Href("/caseload/" + t.ID + "/fhir")
		}
		if len(r.Trend.Scores) > 1 {
			rv.TrendChange = v.T("caseload.trend.change", "Change", signedChange(r.Trend.Change))
		}
		p := r.Progress
		rv.Progress = []caseTerm{
			{Term: v.T("caseload.progress.lessons"), Desc: strconv.Itoa(p.LessonsCompleted)},
			{Term: v.T("caseload.progress.messages_in"), Desc: strconv.Itoa(p.MessagesIn)},
			{Term: v.T("caseload.progress.messages_out"), Desc: strconv.Itoa(p.MessagesOut)},
			{Term: v.T("caseload.progress.contacts"), Desc: strconv.Itoa(p.Contacts)},
		}
		for _, n := range r.Notifications {
			row := caseNotificationRow{Kind: v.T("caseload.notify." + n.Kind), Queued: s.caseTime(v, n.QueuedAt), Attempts: n.Attempts}
			switch {
			case n.Outcome == coaching.NotificationSent && n.SentAt != nil:
				row.Status, row.Class = v.T("caseload.notify.sent", "At", s.caseTime(v, *n.SentAt).Text), "tag--done"
			case n.Outcome == coaching.NotificationNoMailServer || n.Outcome == coaching.NotificationNoAddress:
				row.Status, row.Class = v.T("caseload.notify."+n.Outcome), "tag--urgent"
			case n.Outcome == coaching.NotificationFailed:
				row.Status, row.Class = v.T("caseload.notify.failed"), "tag--urgent"
			default:
				row.Status, row.Class = v.T("caseload.notify.pending"), "tag--in_progress"
			}
			rv.Notifications = append(rv.Notifications, row)
		}
	}
	for _, ch := range r.History {
		from := "–"
		if ch.From != "" {
			from = v.T("caseload.state." + string(ch.From))
		}
		rv.History = append(rv.History, caseHistoryRow{At: s.caseTime(v, ch.At), From: from, To: v.T("caseload.state." + string(ch.To)), By: v.T("caseload.by." + ch.By)})
	}
	v.Data = rv
	s.render(c, status, "staff_record", v)
}

func signedChange(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// acknowledgeSubmit is a clinician acknowledging an alert with a note,
// from the dashboard or the record.
func (s *Site) acknowledgeSubmit(c *gin.Context) {
	h := headingOf(c)
	note, back := c.PostForm("note"), c.PostForm("back")
	err := s.Coaching.Acknowledge(c.Request.Context(), signedIn(c), c.Param("alert"), note)
	v := s.staffView(c, "caseload.title", "/caseload")
	if msgs := caseFieldMessages(v, err); msgs != nil {
		ack := &caseAlertView{Note: note, NoteError: msgs["note"]}
		if back == "record" {
			s.renderRecord(c, http.StatusUnprocessableEntity, c.Param("alert"), ack)
			return
		}
		s.renderDashboard(c, v, http.StatusUnprocessableEntity, c.Param("alert"), ack)
		return
	}
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href("/caseload"), Text: v.T("caseload.title")})
		return
	}
	if back == "record" {
		redirect(c, http.StatusSeeOther, v.Href("/caseload/"+h.TrajectoryID)+"?done=acknowledged")
		return
	}
	redirect(c, http.StatusSeeOther, v.Href("/caseload")+"?done=acknowledged")
}
