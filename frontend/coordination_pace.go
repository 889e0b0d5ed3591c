package frontend

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/modules"
)

// The self-help programmes' rhythm, for coordinators: how many days after a
// client finishes a lesson the next one opens (modules/pacing.go). One
// domain method each: Paces to show, SetPace to change (audited).
//
// URLs, under /{lang}/coordination/pace (coordinators only):
//
//	GET  ""            every programme's rhythm, with a form each
//	POST /:programme   set it (lesson_days)

type paceView struct {
	Notice     string
	CSRF       string
	Programmes []paceRow
}

type paceRow struct {
	ID, Title string
	// Open: every lesson is open from the start; no rhythm applies.
	Open   bool
	Days   int
	Now    string // what applies now, in words
	Source string // where it comes from
	// Default is what applies without a coordinator's choice (shown when
	// a coordinator chose).
	Default string
	Action  string
	// Value is the form's value: the rhythm, or what was typed wrongly.
	Value string
	Error string
}

// paceKeys are the message keys the page builds.
func paceKeys() []string {
	var ids []string
	for _, s := range []string{modules.PaceFromCoordinator, modules.PaceFromDeployment, modules.PaceFromProgramme, modules.PaceNone} {
		ids = append(ids, "pace.source."+s)
		if s != modules.PaceFromCoordinator {
			ids = append(ids, "pace.default."+s)
		}
	}
	return ids
}

func (s *Site) pacePage(c *gin.Context) {
	s.renderPace(c, http.StatusOK, "", "", "")
}

// renderPace shows every programme's rhythm; failed, typed and message
// are a refused form's programme, value and error.
func (s *Site) renderPace(c *gin.Context, status int, failed, typed, message string) {
	v := s.staffView(c, "pace.title", "/coordination/pace")
	paces, err := s.Selfhelp.Paces(c.Request.Context())
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href("/coordination"), Text: v.T("coordination.title")})
		return
	}
	pv := paceView{CSRF: csrfToken(c)}
	if c.Query("done") == "saved" {
		pv.Notice = v.T("pace.done.saved")
	}
	for _, pc := range paces {
		p := pc.Programme
		row := paceRow{ID: p.ID, Title: p.Title.In(textLang(p, v.Lang)), Open: p.Unlock == modules.UnlockOpen, Days: pc.Days,
			Action: v.Href("/coordination/pace/" + p.ID), Value: strconv.Itoa(pc.Days)}
		row.Now = v.T("pace.now", "N", pc.Days)
		if pc.Days == 0 {
			row.Now = v.T("pace.at_once")
		}
		row.Source = v.T("pace.source."+pc.Source, "Date", "")
		if pc.SetAt != nil {
			row.Source = v.T("pace.source."+pc.Source, "Date", s.dateText(v, *pc.SetAt))
			row.Default = v.T("pace.default."+pc.DefaultSource, "N", pc.DefaultDays)
		}
		if p.ID == failed {
			row.Value, row.Error = typed, message
			v.Errors = append(v.Errors, errorLink{Href: "#days-" + p.ID, Text: message})
		}
		pv.Programmes = append(pv.Programmes, row)
	}
	v.Data = pv
	s.render(c, status, "staff_pace", v)
}

// paceSubmit is a coordinator setting a programme's rhythm.
func (s *Site) paceSubmit(c *gin.Context) {
	v := s.staffView(c, "pace.title", "/coordination/pace")
	id, typed := c.Param("programme"), strings.TrimSpace(c.PostForm("lesson_days"))
	days, err := strconv.Atoi(typed)
	if err != nil {
		s.renderPace(c, http.StatusUnprocessableEntity, id, typed, v.T("pace.error.days"))
		return
	}
	_, err = s.Selfhelp.SetPace(c.Request.Context(), signedIn(c), id, days)
	if caseFieldMessages(v, err) != nil {
		s.renderPace(c, http.StatusUnprocessableEntity, id, typed, v.T("pace.error.days"))
		return
	}
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href("/coordination/pace"), Text: v.T("pace.title")})
		return
	}
	redirect(c, http.StatusSeeOther, v.Href("/coordination/pace")+"?done=saved#programme-"+id)
}
