package frontend

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
)

// The care pages of one trajectory: messages, lessons (the client's work
// and the clinician's feedback), the diary and contacts. See caseload.go.

// Messages.

type caseMessagesView struct {
	Head      caseHead
	Notice    string
	CSRF      string
	Messages  []caseMessageRow
	Key       string
	Body      string
	BodyError string
	Max       int
}

type caseMessageRow struct {
	ID     string
	Sender string
	Mine   bool
	Body   string
	Sent   caseWhen
	Read   *caseWhen
}

func (s *Site) messagesPage(c *gin.Context) {
	s.renderMessages(c, http.StatusOK, caseFormKey(), "", "")
}

// renderMessages shows the conversation and the send form with key, body
// and what is wrong with it.
func (s *Site) renderMessages(c *gin.Context, status int, key, body, bodyError string) {
	h := headingOf(c)
	v := s.staffView(c, "", casePath(c, "/messages"))
	v.Title = v.T("caseload.messages.title", "Client", h.ClientName)
	ms, err := s.Coaching.Messages(c.Request.Context(), signedIn(c), h.TrajectoryID)
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "")), Text: v.T("caseload.tab.record")})
		return
	}
	mv := caseMessagesView{Head: s.caseHead(c, v, "messages"), Notice: caseNotice(v, c, "caseload", caseNotices), CSRF: csrfToken(c),
		Key: key, Body: body, BodyError: bodyError, Max: coaching.MaxMessage}
	for _, m := range ms {
		row := caseMessageRow{ID: m.ID, Sender: m.SenderName, Mine: m.From == coaching.FromClinician, Body: m.Body, Sent: s.caseTime(v, m.SentAt), Read: s.caseWhenPtr(v, m.ReadAt)}
		if row.Mine {
			row.Sender = v.T("caseload.messages.you")
		}
		mv.Messages = append(mv.Messages, row)
	}
	if bodyError != "" {
		v.Errors = append(v.Errors, errorLink{Href: "#body", Text: bodyError})
	}
	v.Data = mv
	s.render(c, status, "staff_messages", v)
}

func (s *Site) messageSubmit(c *gin.Context) {
	h := headingOf(c)
	body, key := c.PostForm("body"), c.PostForm("key")
	m, _, err := s.Coaching.Send(c.Request.Context(), signedIn(c), h.TrajectoryID, body, key)
	v := s.staffView(c, "caseload.title", casePath(c, "/messages"))
	if msgs := caseFieldMessages(v, err); msgs != nil {
		if _, bad := msgs["idempotency_key"]; bad {
			key = caseFormKey() // not one of ours: a fresh one
		}
		s.renderMessages(c, http.StatusUnprocessableEntity, key, body, msgs["body"])
		return
	}
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "/messages")), Text: v.T("caseload.tab.messages")})
		return
	}
	// A retry of a message sent already (same key, same text) lands here
	// too: the domain returned the first one.
	redirect(c, http.StatusSeeOther, v.Href(casePath(c, "/messages"))+"?done=sent#message-"+m.ID)
}

// Lessons.

type caseLessonsView struct {
	Head         caseHead
	Notice       string
	CSRF         string
	Started      bool
	Guided       bool
	Lessons      []caseLessonRow
	ResponseDays int
}

type caseLessonRow struct {
	ID         string
	Number     int
	Title      string
	TextLang   string
	Href       string
	State      string
	StateLabel string
	Completed  *caseWhen
	Position   int
	Feedback   *caseWhen // the latest feedback on it
	Due        *caseWhen // feedback due on a completed lesson
	Order      []optionView
}

func (s *Site) lessonsPage(c *gin.Context) {
	h := headingOf(c)
	v := s.staffView(c, "", casePath(c, "/lessons"))
	v.Title = v.T("caseload.lessons.title", "Client", h.ClientName)
	p := s.programme()
	w, err := s.Coaching.Work(c.Request.Context(), signedIn(c), h.TrajectoryID, p.ID)
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "")), Text: v.T("caseload.tab.record")})
		return
	}
	tl := textLang(p, v.Lang)
	lv := caseLessonsView{Head: s.caseHead(c, v, "lessons"), Notice: caseNotice(v, c, "caseload", caseNotices), CSRF: csrfToken(c),
		Started: w.Progress != nil, Guided: len(w.Assigned) > 0, ResponseDays: s.Coaching.Config().ResponseDays}
	for _, l := range p.Lessons {
		row := caseLessonRow{ID: l.ID, Number: l.Number, Title: l.Title.In(tl), Href: v.Href(casePath(c, "/lessons/"+l.ID)),
			Position: slices.Index(w.Assigned, l.ID) + 1}
		if tl != v.Lang {
			row.TextLang = tl
		}
		if w.Progress != nil {
			for _, lp := range w.Progress.Lessons {
				if lp.Lesson.ID == l.ID {
					row.State, row.StateLabel = lp.State, v.T("selfhelp.state."+lp.State)
					row.Completed = s.caseWhenPtr(v, lp.CompletedAt)
				}
			}
		}
		for _, f := range w.Feedback {
			if f.LessonID == l.ID && row.Feedback == nil {
				row.Feedback = s.caseWhenPtr(v, &f.GivenAt)
			}
		}
		if due, ok := w.FeedbackDue[l.ID]; ok {
			row.Due = s.caseWhenPtr(v, &due)
		}
		row.Order = append(row.Order, optionView{Value: "", Label: v.T("caseload.lessons.not_assigned"), Checked: row.Position == 0})
		for i := 1; i <= len(p.Lessons); i++ {
			row.Order = append(row.Order, optionView{Value: strconv.Itoa(i), Label: strconv.Itoa(i), Checked: row.Position == i})
		}
		lv.Lessons = append(lv.Lessons, row)
	}
	v.Data = lv
	s.render(c, http.StatusOK, "staff_lessons", v)
}

// lessonsSubmit sets the lessons the client follows, in the clinician's
// order: each lesson's place (empty: not assigned); two lessons given the
// same place keep the course's order.
func (s *Site) lessonsSubmit(c *gin.Context) {
	h := headingOf(c)
	p := s.programme()
	type placed struct {
		id       string
		pos, num int
	}
	var chosen []placed
	for _, l := range p.Lessons {
		if pos, err := strconv.Atoi(c.PostForm("order-" + l.ID)); err == nil && pos > 0 {
			chosen = append(chosen, placed{l.ID, pos, l.Number})
		}
	}
	sort.Slice(chosen, func(i, j int) bool {
		if chosen[i].pos != chosen[j].pos {
			return chosen[i].pos < chosen[j].pos
		}
		return chosen[i].num < chosen[j].num
	})
	ids := make([]string, len(chosen))
	for i, x := range chosen {
		ids[i] = x.id
	}
	v := s.staffView(c, "caseload.title", casePath(c, "/lessons"))
	if err := s.Coaching.AssignLessons(c.Request.Context(), signedIn(c), h.TrajectoryID, p.ID, ids); err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "/lessons")), Text: v.T("caseload.tab.lessons")})
		return
	}
	redirect(c, http.StatusSeeOther, v.Href(casePath(c, "/lessons"))+"?done=lessons")
}

// One lesson: the client's answers and the feedback.

type caseLessonView struct {
	Head       caseHead
	Notice     string
	CSRF       string
	Number     int
	Title      string
	TextLang   string
	StateLabel string
	Completed  *caseWhen
	Steps      []caseStepAnswers
	Feedback   []caseFeedbackRow
	Due        *caseWhen
	Action     string
	Body       string
	BodyError  string
	Max        int
	Back       string
}

type caseStepAnswers struct {
	Title    string
	Answers  []answerView
	Answered bool
	Homework bool
	Moment   bool // a feedback moment: the client waits here for feedback
}

type caseFeedbackRow struct {
	By    string
	Body  string
	Given caseWhen
	Read  *caseWhen
}

func (s *Site) lessonPage(c *gin.Context) {
	s.renderLesson(c, http.StatusOK, "", "")
}

func (s *Site) renderLesson(c *gin.Context, status int, body, bodyError string) {
	h := headingOf(c)
	p := s.programme()
	l := p.Lesson(c.Param("lesson"))
	if l == nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	tl := textLang(p, s.langOf(c))
	v := s.staffView(c, "", casePath(c, "/lessons/"+l.ID))
	v.Title = v.T("caseload.lesson.title", "N", l.Number, "Client", h.ClientName)
	w, err := s.Coaching.Work(c.Request.Context(), signedIn(c), h.TrajectoryID, p.ID)
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "/lessons")), Text: v.T("caseload.tab.lessons")})
		return
	}
	lv := caseLessonView{Head: s.caseHead(c, v, "lessons"), Notice: caseNotice(v, c, "caseload", caseNotices), CSRF: csrfToken(c),
		Number: l.Number, Title: l.Title.In(tl), Action: v.Href(casePath(c, "/lessons/"+l.ID+"/feedback")),
		Body: body, BodyError: bodyError, Max: coaching.MaxMessage, Back: v.Href(casePath(c, "/lessons"))}
	if tl != v.Lang {
		lv.TextLang = tl
	}
	lv.StateLabel = v.T("caseload.lesson.not_started")
	if w.Progress != nil {
		for _, lp := range w.Progress.Lessons {
			if lp.Lesson.ID == l.ID {
				lv.StateLabel, lv.Completed = v.T("selfhelp.state."+lp.State), s.caseWhenPtr(v, lp.CompletedAt)
			}
		}
	}
	for _, st := range l.Steps {
		if len(st.Fields) == 0 {
			continue
		}
		sa := caseStepAnswers{Title: st.Title.In(tl), Homework: st.Type == modules.StepHomework, Moment: st.FeedbackMoment}
		for _, a := range w.Answers {
			if a.LessonID == l.ID && a.StepID == st.ID {
				sa.Answers, sa.Answered = answerViews(st, tl, a.Values), true
			}
		}
		lv.Steps = append(lv.Steps, sa)
	}
	for _, f := range w.Feedback {
		if f.LessonID == l.ID {
			lv.Feedback = append(lv.Feedback, caseFeedbackRow{By: f.ClinicianName, Body: f.Body, Given: s.caseTime(v, f.GivenAt), Read: s.caseWhenPtr(v, f.ReadAt)})
		}
	}
	if due, ok := w.FeedbackDue[l.ID]; ok {
		lv.Due = s.caseWhenPtr(v, &due)
	}
	if bodyError != "" {
		v.Errors = append(v.Errors, errorLink{Href: "#body", Text: bodyError})
	}
	v.Data = lv
	s.render(c, status, "staff_lesson", v)
}

func (s *Site) feedbackSubmit(c *gin.Context) {
	h := headingOf(c)
	lesson, body := c.Param("lesson"), c.PostForm("body")
	_, err := s.Coaching.GiveFeedback(c.Request.Context(), signedIn(c), h.TrajectoryID, lesson, body)
	v := s.staffView(c, "caseload.title", casePath(c, "/lessons/"+lesson))
	if msgs := caseFieldMessages(v, err); msgs != nil {
		if _, bad := msgs["lesson"]; bad {
			s.notFound(c, http.StatusNotFound)
			return
		}
		s.renderLesson(c, http.StatusUnprocessableEntity, body, msgs["body"])
		return
	}
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "/lessons/"+lesson)), Text: v.T("caseload.tab.lessons")})
		return
	}
	redirect(c, http.StatusSeeOther, v.Href(casePath(c, "/lessons/"+lesson))+"?done=feedback#feedback")
}

// The diary.

type caseDiaryView struct {
	Head    caseHead
	Notice  string
	From    string
	To      string
	Entries []caseDiaryRow
}

type caseDiaryRow struct {
	Day        caseWhen
	Label      string
	Mood       int
	Note       string
	Activities string
}

func (s *Site) diaryCasePage(c *gin.Context) {
	h := headingOf(c)
	v := s.staffView(c, "", casePath(c, "/diary"))
	v.Title = v.T("caseload.diary.title", "Client", h.ClientName)
	to := s.Selfhelp.Today()
	from := to.AddDate(0, 0, -(diaryDays - 1))
	entries, err := s.Coaching.Diary(c.Request.Context(), signedIn(c), h.TrajectoryID, from, to)
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "")), Text: v.T("caseload.tab.record")})
		return
	}
	dv := caseDiaryView{Head: s.caseHead(c, v, "diary"), From: s.longDate(v, from), To: s.longDate(v, to)}
	for i := len(entries) - 1; i >= 0; i-- { // newest first
		e := entries[i]
		d, err := parseDay(e.Day)
		if err != nil {
			continue
		}
		dv.Entries = append(dv.Entries, caseDiaryRow{Day: caseWhen{ISO: e.Day, Text: e.Day}, Label: s.dayLabel(v, d), Mood: e.Mood, Note: e.Note,
			Activities: strings.Join(e.Activities, ", ")})
	}
	v.Data = dv
	s.render(c, http.StatusOK, "staff_diary", v)
}

// Contacts.

type caseContactsView struct {
	Head     caseHead
	Notice   string
	CSRF     string
	Contacts []caseContactRow
	Modes    []optionView
	Date     string
	Time     string
	Today    string
	Minutes  string
	Note     string
	MaxNote  int
	Errors   map[string]string
}

type caseContactRow struct {
	At      caseWhen
	Mode    string
	Minutes int
	Note    string
}

// caseContactForm is what the clinician typed, shown again when it is wrong.
type caseContactForm struct {
	Mode, Date, Time, Minutes, Note string
	Errors                          map[string]string
}

func (s *Site) contactsPage(c *gin.Context) {
	// The form starts at now: a contact is usually logged right after it.
	now := time.Now().In(s.Coaching.Config().Location)
	s.renderContacts(c, http.StatusOK, caseContactForm{Date: now.Format(time.DateOnly), Time: now.Format("15:04")})
}

func (s *Site) renderContacts(c *gin.Context, status int, f caseContactForm) {
	h := headingOf(c)
	v := s.staffView(c, "", casePath(c, "/contacts"))
	v.Title = v.T("caseload.contacts.title", "Client", h.ClientName)
	cs, err := s.Coaching.Contacts(c.Request.Context(), signedIn(c), h.TrajectoryID)
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "")), Text: v.T("caseload.tab.record")})
		return
	}
	loc := s.Coaching.Config().Location
	cv := caseContactsView{Head: s.caseHead(c, v, "contacts"), Notice: caseNotice(v, c, "caseload", caseNotices), CSRF: csrfToken(c),
		Date: f.Date, Time: f.Time, Minutes: f.Minutes, Note: f.Note, MaxNote: coaching.MaxNote, Errors: f.Errors,
		Today: time.Now().In(loc).Format(time.DateOnly)}
	for _, m := range coaching.ContactModes {
		cv.Modes = append(cv.Modes, optionView{ID: "mode-" + m, Value: m, Label: v.T("caseload.mode." + m), Checked: m == f.Mode})
	}
	for _, ct := range cs {
		cv.Contacts = append(cv.Contacts, caseContactRow{At: s.caseTime(v, ct.OccurredAt), Mode: v.T("caseload.mode." + ct.Mode), Minutes: ct.Minutes, Note: ct.Note})
	}
	caseSummary(v, f.Errors, []string{"mode", "occurred_at", "minutes", "note"}, map[string]string{"mode": "mode-" + coaching.ContactModes[0], "occurred_at": "date"})
	v.Data = cv
	s.render(c, status, "staff_contacts", v)
}

func (s *Site) contactSubmit(c *gin.Context) {
	h := headingOf(c)
	f := caseContactForm{Mode: c.PostForm("mode"), Date: c.PostForm("date"), Time: c.PostForm("time"), Minutes: c.PostForm("minutes"), Note: c.PostForm("note")}
	// A date without a time is that day (at its start, so never in the
	// future); what cannot be read is left zero, and the domain names it.
	clock := f.Time
	if clock == "" {
		clock = "00:00"
	}
	at, _ := time.ParseInLocation("2006-01-02 15:04", f.Date+" "+clock, s.Coaching.Config().Location)
	minutes, _ := strconv.Atoi(strings.TrimSpace(f.Minutes))
	_, err := s.Coaching.LogContact(c.Request.Context(), signedIn(c), h.TrajectoryID, coaching.Contact{Mode: f.Mode, OccurredAt: at, Minutes: minutes, Note: f.Note})
	v := s.staffView(c, "caseload.title", casePath(c, "/contacts"))
	if msgs := caseFieldMessages(v, err); msgs != nil {
		f.Errors = msgs
		s.renderContacts(c, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href(casePath(c, "/contacts")), Text: v.T("caseload.tab.contacts")})
		return
	}
	redirect(c, http.StatusSeeOther, v.Href(casePath(c, "/contacts"))+"?done=contact")
}
