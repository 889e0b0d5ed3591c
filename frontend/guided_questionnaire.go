package frontend

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The questionnaires of the outcome monitoring (the PHQ-9, and the GAD-7
// when the application showed anxiety): the self-test form without the
// profile questions, scored by the self-test rules, so that an answer
// about suicidal thoughts shows crisis help at once on the result (and
// raises the guide's alert in the domain).

func (s *Site) questionnairePath(c *gin.Context) string {
	return "/guided/t/" + c.Param("id") + "/questionnaire/" + c.Param("point") + "/" + c.Param("instrument")
}

func (s *Site) guidedQuestionnaireForm(c *gin.Context) {
	v := s.guidedView(c, "", s.questionnairePath(c))
	q, err := s.Coaching.Questionnaire(c.Request.Context(), signedIn(c), c.Param("id"), c.Param("point"), c.Param("instrument"))
	switch {
	case err != nil:
		s.guidedError(c, v, err)
	case q.Taken != nil:
		redirect(c, http.StatusSeeOther, v.Href(s.questionnairePath(c)+"/result"))
	case !q.Open:
		s.notFound(c, http.StatusNotFound) // not due yet
	default:
		s.renderGuidedQuestionnaire(c, http.StatusOK, v, nil, nil)
	}
}

func (s *Site) renderGuidedQuestionnaire(c *gin.Context, status int, v *view, given, fieldErrs map[string]string) {
	in, err := s.Selftest.Catalog().Instrument(c.Param("instrument"))
	if err != nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	f := s.buildForm(v, in, given, fieldErrs, false)
	f.Action = v.Href(s.questionnairePath(c))
	f.BackHref, f.BackText = v.Href("/guided/mine"), v.T("guided.home.back")
	f.CSRF = csrfToken(c)
	f.Lead = v.T("guided.questionnaire.lead", "When", v.T("guided.point."+c.Param("point")))
	v.Data = f
	s.render(c, status, "selftest_form", v)
}

func (s *Site) guidedQuestionnaireSubmit(c *gin.Context) {
	v := s.guidedView(c, "", s.questionnairePath(c))
	in, err := s.Selftest.Catalog().Instrument(c.Param("instrument"))
	if err != nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	given, answers, fieldErrs := formAnswers(in, c.Request.PostForm)
	if len(fieldErrs) == 0 {
		_, err = s.Coaching.TakeMeasurement(c.Request.Context(), signedIn(c), c.Param("id"), c.Param("point"), in.ID, v.Lang, answers)
		var fe fieldErrors
		switch {
		case err == nil:
			redirect(c, http.StatusSeeOther, v.Href(s.questionnairePath(c)+"/result"))
			return
		case errors.As(err, &fe):
			fieldErrs = fe.FieldErrors()
		default:
			s.guidedError(c, v, err) // not due, taken already, not theirs
			return
		}
	}
	s.renderGuidedQuestionnaire(c, http.StatusUnprocessableEntity, v, given, fieldErrs)
}

type guidedResultPage struct {
	resultView
	When     string
	HomeHref string
}

// guidedQuestionnaireResult shows a questionnaire taken: crisis help
// first when item 9 was answered above 0.
func (s *Site) guidedQuestionnaireResult(c *gin.Context) {
	v := s.guidedView(c, "guided.questionnaire.result_title", s.questionnairePath(c)+"/result")
	q, err := s.Coaching.Questionnaire(c.Request.Context(), signedIn(c), c.Param("id"), c.Param("point"), c.Param("instrument"))
	if err != nil {
		s.guidedError(c, v, err)
		return
	}
	if q.Taken == nil {
		s.notFound(c, http.StatusNotFound)
		return
	}
	out, err := s.Selftest.Restore(q.Instrument, v.Lang, q.Taken.Score, q.Taken.Band, q.Taken.Crisis, q.Taken.TakenAt)
	if err != nil {
		s.guidedError(c, v, err)
		return
	}
	r := guidedResultPage{resultView: s.buildResult(v, out), When: v.T("guided.point." + q.Point), HomeHref: v.Href("/guided/mine")}
	r.Heading = v.T("guided.questionnaire.result_title")
	steps := r.Steps[:0]
	for _, st := range r.Steps {
		if st.Href != v.Href("/guided") && st.Href != v.Href("/selfhelp") { // they have both already
			steps = append(steps, st)
		}
	}
	r.Steps = steps
	v.Data = r
	s.render(c, http.StatusOK, "guided_result", v)
}
