package api

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/lang"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/selftest"
)

// The guided trajectory (coaching.Service): a client's application,
// waiting place, consent to the assigned clinician, messages, feedback and
// questionnaires. Who may call each route is declared in routes.go; which
// trajectory a caller may see, and the audit of every staff read, are the
// domain's (a trajectory that is not yours is a 404). These handlers bind,
// call one coaching.Service method and answer. The clinicians' and
// coordinators' handlers are in coaching_staff.go.

// trajectoryView is a trajectory's states and dates: never its clinical
// free text (intake answers, notes), which have their own routes.
type trajectoryView struct {
	ID             string              `json:"id"`
	State          coaching.State      `json:"state"`
	ClientID       string              `json:"client_id"`
	ClinicianID    *string             `json:"clinician_id,omitempty"`
	Intake         intakeScoreView     `json:"intake"`
	Notifications  bool                `json:"notifications"`
	AppliedAt      time.Time           `json:"applied_at"`
	AssignedAt     *time.Time          `json:"assigned_at,omitempty"`
	ConsentAt      *time.Time          `json:"consent_at,omitempty"`
	StartedAt      *time.Time          `json:"started_at,omitempty"`
	PlannedEnd     *time.Time          `json:"planned_end,omitempty"`
	ExtendedAt     *time.Time          `json:"extended_at,omitempty"`
	FirstContactAt *time.Time          `json:"first_contact_at,omitempty"`
	EndedAt        *time.Time          `json:"ended_at,omitempty"`
	EndReason      *coaching.EndReason `json:"end_reason,omitempty"`
	EndedBy        *string             `json:"ended_by,omitempty"`
	Reached        *reachedView        `json:"reached,omitempty"`
}

type intakeScoreView struct {
	Score   int    `json:"score"`
	Band    string `json:"band"`
	Crisis  bool   `json:"crisis"`
	Anxiety bool   `json:"anxiety"`
}

// reachedView is how far the client got, recorded at the end.
type reachedView struct {
	LessonsCompleted int `json:"lessons_completed"`
	MessagesIn       int `json:"messages_from_client"`
	MessagesOut      int `json:"messages_from_clinician"`
	Contacts         int `json:"contacts"`
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toTrajectory(t *coaching.Trajectory) trajectoryView {
	v := trajectoryView{ID: t.ID, State: t.State, ClientID: t.ClientID, ClinicianID: t.ClinicianID,
		Intake:        intakeScoreView{Score: t.IntakeScore, Band: t.IntakeBand, Crisis: t.IntakeCrisis, Anxiety: t.IntakeAnxiety},
		Notifications: t.NotifySealed != nil, AppliedAt: t.AppliedAt.UTC(), AssignedAt: utc(t.AssignedAt), ConsentAt: utc(t.ConsentAt),
		StartedAt: utc(t.StartedAt), PlannedEnd: utc(t.PlannedEnd), ExtendedAt: utc(t.ExtendedAt), FirstContactAt: utc(t.FirstContactAt),
		EndedAt: utc(t.EndedAt), EndReason: t.EndReason, EndedBy: t.EndedBy}
	if t.EndedAt != nil && t.State != coaching.StateWithdrawn {
		v.Reached = &reachedView{LessonsCompleted: t.EndLessonsCompleted, MessagesIn: t.EndMessagesIn, MessagesOut: t.EndMessagesOut, Contacts: t.EndContacts}
	}
	return v
}

// questionnaireView is a scored questionnaire of the trajectory (the
// intake's, or one of the outcome monitoring): crisis help comes with it
// whenever an answer signals suicidal thoughts.
type questionnaireView struct {
	Point      string      `json:"point"`
	Instrument string      `json:"instrument"`
	Language   string      `json:"language"`
	Score      int         `json:"score"`
	MaxScore   int         `json:"max_score"`
	Band       bandView    `json:"band"`
	Crisis     bool        `json:"crisis"`
	CrisisHelp *crisisHelp `json:"crisis_help,omitempty"`
	TakenAt    time.Time   `json:"taken_at"`
}

// questionnaire localises a scored questionnaire (selftest.Result: the
// band's words and, on a crisis answer, the crisis lines).
func (h *handlers) questionnaire(point string, out *selftest.Outcome, l string) questionnaireView {
	r := h.Selftest.Result(out, l, "")
	v := questionnaireView{Point: point, Instrument: r.InstrumentID, Language: r.Language, Score: r.Score, MaxScore: r.MaxScore,
		Band: toBand(r.Band), Crisis: r.Crisis, TakenAt: r.CreatedAt.UTC()}
	if r.Crisis && r.CrisisHelp != nil {
		v.CrisisHelp = toCrisisHelp(r.CrisisHelp)
	}
	return v
}

// answersAt binds the answers of the questionnaire named field; a missing
// value is named, never read as 0.
func answersAt(field string, req []answerRequest, missing map[string]string) []selftest.Answer {
	out := make([]selftest.Answer, 0, len(req))
	for i, a := range req {
		if a.Value == nil {
			missing[fmt.Sprintf("%s[%d].value", field, i)] = "a value is required"
			continue
		}
		out = append(out, selftest.Answer{Item: a.Item, Value: *a.Value})
	}
	return out
}

type applyRequest struct {
	Language      string          `json:"language"`
	PHQ9          []answerRequest `json:"phq9"`
	SelftestID    string          `json:"selftest_id"`
	GAD7          []answerRequest `json:"gad7"`
	Hopes         string          `json:"hopes"`
	Reachable     string          `json:"reachable"`
	CareElsewhere []string        `json:"care_elsewhere"`
	Email         string          `json:"email"`
}

// apply is a client's application for a guided trajectory, with the
// intake's PHQ-9 (or a self-test they kept in the last days).
func (h *handlers) apply(c *gin.Context) {
	var req applyRequest
	if !decodeJSON(c, &req) {
		return
	}
	missing := map[string]string{}
	in := coaching.Application{Language: lang.Negotiate(req.Language, c.GetHeader("Accept-Language"), h.DefaultLanguage),
		PHQ9: answersAt("phq9", req.PHQ9, missing), SelftestID: req.SelftestID, GAD7: answersAt("gad7", req.GAD7, missing),
		Hopes: req.Hopes, Reachable: req.Reachable, CareElsewhere: req.CareElsewhere, Email: req.Email}
	if len(missing) > 0 {
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Some answers are missing or not valid.", missing)
		return
	}
	t, out, err := h.Coaching.Apply(c.Request.Context(), principal(c), in)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/trajectories/"+t.ID)
	c.Header("Content-Language", out.Language)
	c.JSON(http.StatusCreated, gin.H{"trajectory": toTrajectory(t), "intake": h.questionnaire(coaching.PointIntake, out, in.Language)})
}

func (h *handlers) myTrajectories(c *gin.Context) {
	ts, err := h.Coaching.Mine(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := make([]trajectoryView, 0, len(ts))
	for i := range ts {
		out = append(out, toTrajectory(&ts[i]))
	}
	c.JSON(http.StatusOK, gin.H{"trajectories": out})
}

func (h *handlers) currentTrajectory(c *gin.Context) {
	t, err := h.Coaching.Current(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTrajectory(t))
}

// intakeSelftests are the self-tests the client kept that may serve as
// the intake's PHQ-9.
func (h *handlers) intakeSelftests(c *gin.Context) {
	outs, err := h.Coaching.RecentSelftests(c.Request.Context(), principal(c))
	if err != nil {
		h.respondError(c, err)
		return
	}
	views := []claimedView{}
	for _, o := range outs {
		views = append(views, claimedView{ID: o.ID, Instrument: o.Instrument.ID, Score: o.Score, MaxScore: o.MaxScore,
			Band: o.Band, Crisis: o.Crisis, CreatedAt: o.CreatedAt.UTC()})
	}
	c.JSON(http.StatusOK, gin.H{"submissions": views})
}

type changeView struct {
	From      coaching.State `json:"from,omitempty"`
	To        coaching.State `json:"to"`
	Event     coaching.Event `json:"event"`
	At        time.Time      `json:"at"`
	ActorRole string         `json:"actor_role"`
}

// getTrajectory is one trajectory with its history, for its client, its
// clinician and coordinators (staff reads audited by the domain).
func (h *handlers) getTrajectory(c *gin.Context) {
	r, err := h.Coaching.View(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	hist := make([]changeView, 0, len(r.History))
	for _, ch := range r.History {
		hist = append(hist, changeView{From: ch.From, To: ch.To, Event: ch.Event, At: ch.At.UTC(), ActorRole: ch.By})
	}
	c.JSON(http.StatusOK, gin.H{"trajectory": toTrajectory(&r.Trajectory), "history": hist})
}

type placeView struct {
	Position       *int     `json:"position,omitempty"`
	Waiting        int      `json:"waiting"`
	MedianWaitDays *float64 `json:"median_wait_days,omitempty"`
}

// waitingPlace is the client's place on the waiting list and the median
// wait of the last 30 days.
func (h *handlers) waitingPlace(c *gin.Context) {
	pl, err := h.Coaching.WaitingPlace(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	v := placeView{Waiting: pl.Waiting}
	if pl.Position > 0 {
		v.Position = &pl.Position
	}
	if pl.MedianWait > 0 {
		d := math.Round(pl.MedianWait.Hours()/24*10) / 10
		v.MedianWaitDays = &d
	}
	c.JSON(http.StatusOK, v)
}

// assignedClinician tells the client who their clinician is and what
// they will see, before the client agrees.
func (h *handlers) assignedClinician(c *gin.Context) {
	who, err := h.Coaching.AssignedClinician(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	sees := who.Sees
	if sees == nil {
		sees = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"name": who.Name, "profession": who.Profession, "sees": sees})
}

func (h *handlers) consent(c *gin.Context) {
	t, err := h.Coaching.Consent(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTrajectory(t))
}

func (h *handlers) withdraw(c *gin.Context) {
	t, err := h.Coaching.Withdraw(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTrajectory(t))
}

type messageView struct {
	ID         string     `json:"id"`
	From       string     `json:"from"`
	SenderName string     `json:"sender_name,omitempty"`
	Body       string     `json:"body"`
	SentAt     time.Time  `json:"sent_at"`
	ReadAt     *time.Time `json:"read_at,omitempty"`
}

func toMessage(m *coaching.MessageView) messageView {
	return messageView{ID: m.ID, From: m.From, SenderName: m.SenderName, Body: m.Body, SentAt: m.SentAt.UTC(), ReadAt: utc(m.ReadAt)}
}

// messages is the conversation, oldest first; reading it marks the other
// side's messages read.
func (h *handlers) messages(c *gin.Context) {
	ms, err := h.Coaching.Messages(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := make([]messageView, 0, len(ms))
	for i := range ms {
		out = append(out, toMessage(&ms[i]))
	}
	c.JSON(http.StatusOK, gin.H{"messages": out})
}

type messageRequest struct {
	Body string `json:"body"`
}

// HeaderIdempotencyKey names a request's idempotency key; HeaderReplayed
// marks the answer to a retry that repeats the first answer.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderReplayed       = "Idempotent-Replayed"
)

// sendMessage sends a message. Its Idempotency-Key is the domain's
// (coaching.Service.Send keeps it with the sealed message): a retry with
// the same key and body answers the message first sent, with the first
// answer's status; with another body it is a 409. The route is marked in
// routes.go so that no generic layer stores this answer (a message body)
// in plaintext.
func (h *handlers) sendMessage(c *gin.Context) {
	var req messageRequest
	if !decodeJSON(c, &req) {
		return
	}
	m, created, err := h.Coaching.Send(c.Request.Context(), principal(c), c.Param("id"), req.Body, c.GetHeader(HeaderIdempotencyKey))
	if err != nil {
		h.respondError(c, err)
		return
	}
	if !created {
		c.Header(HeaderReplayed, "true")
	}
	c.JSON(http.StatusCreated, toMessage(m))
}

type feedbackView struct {
	ID            string     `json:"id"`
	Lesson        string     `json:"lesson"`
	ClinicianName string     `json:"clinician_name,omitempty"`
	Body          string     `json:"body"`
	GivenAt       time.Time  `json:"given_at"`
	ReadAt        *time.Time `json:"read_at,omitempty"`
}

func toFeedback(f *coaching.Feedback) feedbackView {
	return feedbackView{ID: f.ID, Lesson: f.LessonID, ClinicianName: f.ClinicianName, Body: f.Body, GivenAt: f.GivenAt.UTC(), ReadAt: utc(f.ReadAt)}
}

// feedback is the clinician's feedback in a trajectory (on ?lesson= only),
// newest first; the client reading it marks it read.
func (h *handlers) feedback(c *gin.Context) {
	fs, err := h.Coaching.FeedbackFor(c.Request.Context(), principal(c), c.Param("id"), c.Query("lesson"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := make([]feedbackView, 0, len(fs))
	for i := range fs {
		out = append(out, toFeedback(&fs[i]))
	}
	c.JSON(http.StatusOK, gin.H{"feedback": out})
}

type scoreView struct {
	Point      string    `json:"point"`
	Instrument string    `json:"instrument"`
	Score      int       `json:"score"`
	Band       string    `json:"band"`
	Crisis     bool      `json:"crisis"`
	TakenAt    time.Time `json:"taken_at"`
}

func toScore(s *coaching.Score) scoreView {
	return scoreView{Point: s.Point, Instrument: s.Instrument, Score: s.Score, Band: s.Band, Crisis: s.Crisis, TakenAt: s.TakenAt.UTC()}
}

type dueView struct {
	Point      string     `json:"point"`
	Instrument string     `json:"instrument"`
	DueAt      time.Time  `json:"due_at"`
	Taken      *scoreView `json:"taken,omitempty"`
}

// schedule is the outcome monitoring: every questionnaire with a known
// due date, and what was taken (the client and their clinician both see
// it).
func (h *handlers) schedule(c *gin.Context) {
	ds, err := h.Coaching.Schedule(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := make([]dueView, 0, len(ds))
	for _, d := range ds {
		v := dueView{Point: d.Point, Instrument: d.Instrument, DueAt: d.DueAt.UTC()}
		if d.Taken != nil {
			s := toScore(d.Taken)
			v.Taken = &s
		}
		out = append(out, v)
	}
	c.JSON(http.StatusOK, gin.H{"questionnaires": out})
}

// takeQuestionnaire is the client answering a questionnaire that is due;
// an item-9 answer above 0 brings crisis help in the answer (and an
// urgent alert for the clinician).
func (h *handlers) takeQuestionnaire(c *gin.Context) {
	var req measurementRequest
	if !decodeJSON(c, &req) {
		return
	}
	answers, ok := bindAnswers(c, req.Answers)
	if !ok {
		return
	}
	l := lang.Negotiate(req.Language, c.GetHeader("Accept-Language"), h.DefaultLanguage)
	out, err := h.Coaching.TakeMeasurement(c.Request.Context(), principal(c), c.Param("id"), c.Param("point"), c.Param("instrument"), l, answers)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.Header("Content-Language", out.Language)
	c.JSON(http.StatusCreated, h.questionnaire(c.Param("point"), out, l))
}

type trendView struct {
	Scores         []scoreView `json:"scores"`
	Change         int         `json:"change"`
	ReliablyBetter bool        `json:"reliably_better"`
	ReliablyWorse  bool        `json:"reliably_worse"`
	Recovered      bool        `json:"recovered"`
}

func toTrend(tr *coaching.Trend) trendView {
	v := trendView{Scores: make([]scoreView, 0, len(tr.Scores)), Change: tr.Change, ReliablyBetter: tr.ReliablyBetter,
		ReliablyWorse: tr.ReliablyWorse, Recovered: tr.Recovered}
	for i := range tr.Scores {
		v.Scores = append(v.Scores, toScore(&tr.Scores[i]))
	}
	return v
}

// trend is the PHQ-9 over the trajectory against the intake.
func (h *handlers) trend(c *gin.Context) {
	tr, err := h.Coaching.Trend(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTrend(tr))
}

// intake is the application's answers (hopes, reachability, care
// elsewhere), sealed at rest; a staff read is audited.
func (h *handlers) intake(c *gin.Context) {
	in, err := h.Coaching.ReadIntake(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	care := in.CareElsewhere
	if care == nil {
		care = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"hopes": in.Hopes, "reachable": in.Reachable, "care_elsewhere": care, "language": in.Language})
}

type contactView struct {
	ID         string    `json:"id"`
	Mode       string    `json:"mode"`
	OccurredAt time.Time `json:"occurred_at"`
	Minutes    int       `json:"minutes"`
	Note       string    `json:"note,omitempty"`
}

func toContact(ct *coaching.Contact) contactView {
	return contactView{ID: ct.ID, Mode: ct.Mode, OccurredAt: ct.OccurredAt.UTC(), Minutes: ct.Minutes, Note: ct.Note}
}

// contacts lists the trajectory's contacts, newest first; the clinician's
// notes are theirs (a client sees that a contact took place).
func (h *handlers) contacts(c *gin.Context) {
	cs, err := h.Coaching.Contacts(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	out := make([]contactView, 0, len(cs))
	for i := range cs {
		out = append(out, toContact(&cs[i]))
	}
	c.JSON(http.StatusOK, gin.H{"contacts": out})
}

type closeRequest struct {
	State  coaching.State     `json:"state"`
	Reason coaching.EndReason `json:"reason"`
	Note   string             `json:"note"`
}

// closeTrajectory ends a trajectory: completed, or dropped out or referred
// with a reason from the taxonomy. Its clinician ends a running one; the
// client may stop (dropped out); a coordinator ends an application that
// never started.
func (h *handlers) closeTrajectory(c *gin.Context) {
	var req closeRequest
	if !decodeJSON(c, &req) {
		return
	}
	t, err := h.Coaching.Close(c.Request.Context(), principal(c), c.Param("id"), coaching.Outcome(req))
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTrajectory(t))
}

// endReason is one reason of the dropout taxonomy.
type endReason struct {
	Code          coaching.EndReason `json:"code"`
	Label         string             `json:"label"`
	Outcome       coaching.State     `json:"outcome"`
	NoteRequired  bool               `json:"note_required"`
	ClientMayGive bool               `json:"client_may_give"`
}

// endReasons lists the fixed taxonomy of reasons a trajectory ends other
// than completed: stable codes (what trajectories carry as end_reason)
// with labels in the requested language.
func (h *handlers) endReasons(c *gin.Context) {
	l := h.language(c)
	out := []endReason{}
	for _, r := range coaching.Reasons(l) {
		out = append(out, endReason{Code: r.Reason, Label: r.Label, Outcome: r.Outcome, NoteRequired: r.NeedsNote, ClientMayGive: r.ByClient})
	}
	c.JSON(http.StatusOK, gin.H{"language": l, "reasons": out})
}
