package frontend

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// accessPage shows a client who looked at or changed their record, and
// when: the view NEN 7513 gives patients of the audit log.
func (s *Site) accessPage(c *gin.Context) {
	v := s.accountView(c, "account.access.title", "/account/access")
	p := signedIn(c)
	entries, err := s.Audit.AccessLog(c.Request.Context(), p.Actor(), audit.Query{})
	if err != nil {
		s.serverError(c, err)
		return
	}
	t := tablePage{Heading: v.T("account.access.title"), Notice: v.T("account.access.lead"), Caption: v.T("account.access.caption"),
		Head:  []string{v.T("account.audit.when"), v.T("account.access.who"), v.T("account.audit.action")},
		Empty: v.T("account.access.empty")}
	for _, e := range entries {
		who := v.T("account.access.system")
		if !e.System {
			who = e.ActorName
			if r := auth.Role(e.ActorRole); r.Valid() && r.Staff() {
				who += " (" + v.T("account.role."+e.ActorRole) + ")"
			}
		}
		what := v.T("account.access.change")
		switch e.Action {
		case audit.ActionClientRead:
			what = v.T("account.access.read")
		case audit.ActionClientList:
			what = v.T("account.access.listed")
		}
		if e.Outcome == audit.OutcomeDenied {
			what = v.T("account.access.denied")
		}
		t.Rows = append(t.Rows, []string{s.dateTimeText(v, e.At), who, what})
	}
	v.Data = t
	s.render(c, http.StatusOK, "account_table", v)
}
