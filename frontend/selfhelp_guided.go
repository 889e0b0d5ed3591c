package frontend

import (
	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/modules"
)

// The course in guided care: a feedback moment the client waits at
// (modules/guided.go decides; these pages only show it).

// waitingText says which exercise the client finished and by when their
// clinician's feedback comes, in the reader's language and the
// deployment's time zone.
func (s *Site) waitingText(v *view, p *modules.Programme, w *modules.Waiting) string {
	tl := textLang(p, v.Lang)
	step := w.StepID
	if l := p.Lesson(w.LessonID); l != nil && l.Step(w.StepID) != nil {
		step = l.Step(w.StepID).Title.In(tl)
	}
	return v.T("selfhelp.waiting.text", "Step", step, "Date", s.guidedDate(v, w.By))
}

// waitingPanel is the notice that the client waits for their clinician's
// feedback at a feedback moment ("feedback-waiting" in guided_parts.html),
// on the course page and on the guided home page alike.
type waitingPanel struct {
	Text string
	Href string // back to the exercise they finished
}

func (s *Site) waitingPanel(v *view, p *modules.Programme, w *modules.Waiting) *waitingPanel {
	return &waitingPanel{Text: s.waitingText(v, p, w), Href: v.Href("/selfhelp/lesson/" + w.LessonID + "/" + w.StepID)}
}

// renderWaiting is the page shown instead of a step after a feedback
// moment, until the clinician has given feedback on the lesson.
func (s *Site) renderWaiting(c *gin.Context, v *view, status int, p *modules.Programme, w *modules.Waiting) {
	s.selfhelpMessage(c, v, status, "selfhelp.waiting.title",
		[]string{s.waitingText(v, p, w), v.T("selfhelp.waiting.then")},
		linkView{Href: v.Href("/selfhelp/lesson/" + w.LessonID + "/" + w.StepID), Text: v.T("selfhelp.waiting.back")},
		linkView{Href: v.Href("/selfhelp"), Text: v.T("selfhelp.back_to_course")})
}

// afterMoment reports whether st is the step right after the lesson's
// feedback moment: the clinician's feedback is shown there too.
func afterMoment(l *modules.Lesson, st *modules.Step) bool {
	i := l.StepIndex(st.ID)
	return i > 0 && l.Steps[i-1].FeedbackMoment
}
