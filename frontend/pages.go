package frontend

import (
	"html/template"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/haven-mh/haven/selftest"
)

func (s *Site) home(c *gin.Context) {
	v := s.view(c, "home.title", "/")
	v.Description = v.T("home.description")
	// After signing out (account_pages.go) the page says so, once the
	// session is really gone.
	v.Data = homeView{SignedOut: c.Query("signed_out") == "1" && v.Session.State == sessionNone}
	s.render(c, http.StatusOK, "home", v)
}

type homeView struct{ SignedOut bool }

func (s *Site) infoList(c *gin.Context) {
	v := s.view(c, "info.title", "/info")
	v.Description = v.T("info.description")
	v.Data = s.info.list[v.Lang]
	s.render(c, http.StatusOK, "info_list", v)
}

func (s *Site) infoPage(c *gin.Context) {
	id := c.Param("id")
	v := s.view(c, "", "/info/"+id)
	pg, ok := s.info.get(v.Lang, id)
	if !ok {
		s.notFound(c, http.StatusNotFound)
		return
	}
	v.Title, v.Description, v.Data = pg.Title, pg.Summary, pg
	s.render(c, http.StatusOK, "info_page", v)
}

func (s *Site) crisis(c *gin.Context) {
	v := s.view(c, "crisis.title", "/crisis")
	v.Description = v.T("crisis.description")
	v.Data = s.crisisHelp(v.Lang, "")
	s.render(c, http.StatusOK, "crisis", v)
}

// crisisHelp is the crisis block: the emergency number and the crisis lines,
// grouped per country, the deployment's own country first.
type crisisHelp struct {
	Emergency phoneView
	Countries []crisisCountry
}

type crisisCountry struct {
	Code  string
	Name  string
	Lines []crisisLine
	Youth []crisisLine // for children and young people
}

type crisisLine struct {
	Name   string
	Text   string
	URL    string
	Phones []phoneView
}

type phoneView struct {
	Number string
	Tel    template.URL
}

var telURI = regexp.MustCompile(`^tel:\+?[0-9]{2,15}$`)

func phone(number string) phoneView {
	p := phoneView{Number: number}
	if t := selftest.TelURI(number); telURI.MatchString(t) {
		p.Tel = template.URL(t) //nolint:gosec // checked to be tel: and digits only
	}
	return p
}

// crisisHelp is the crisis help of the self-test domain (every configured
// country, the deployment's own first; or only country's lines, with the
// lines for young people), with each country's name in the page's
// language.
func (s *Site) crisisHelp(l, country string) crisisHelp {
	return s.crisisView(l, s.Selftest.CrisisHelpForAll(l, country))
}

func lineView(line selftest.CrisisLineText) crisisLine {
	cl := crisisLine{Name: line.Name, Text: line.Text, URL: line.URL}
	for _, p := range line.Phones {
		cl.Phones = append(cl.Phones, phone(p))
	}
	return cl
}

func (s *Site) crisisView(l string, h *selftest.CrisisHelp) crisisHelp {
	out := crisisHelp{Emergency: phone(h.Emergency)}
	namer := display.Regions(language.Make(l))
	for _, cc := range h.Countries {
		v := crisisCountry{Code: cc.Code, Name: cc.Code}
		if r, err := language.ParseRegion(cc.Code); err == nil {
			if n := namer.Name(r); n != "" {
				v.Name = n
			}
		}
		for _, line := range cc.Lines {
			v.Lines = append(v.Lines, lineView(line))
		}
		for _, line := range cc.Youth {
			v.Youth = append(v.Youth, lineView(line))
		}
		out.Countries = append(out.Countries, v)
	}
	return out
}
