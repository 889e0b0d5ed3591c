package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/lang"
	"github.com/haven-mh/haven/selftest"
)

// dynamicKeys are the message ids built at run time rather than named in a
// template.
func dynamicKeys() []string {
	var ids []string
	for _, q := range selftest.ProfileQuestions() {
		ids = append(ids, "profile."+q.ID+".label")
		for _, v := range q.Values {
			ids = append(ids, "profile."+q.ID+"."+v)
		}
	}
	ids = append(ids, selfhelpKeys()...)
	ids = append(ids, claimKeys()...)
	ids = append(ids, caseloadKeys()...)
	ids = append(ids, guidedKeys()...)
	ids = append(ids, reportsKeys()...)
	ids = append(ids, paceKeys()...)
	return append(ids, accountKeys()...)
}

// selfCheck renders every page in every language once, so that a template
// that fails on execution, or a message missing at run time, stops the
// start-up rather than greeting a visitor with the error page.
func (s *Site) selfCheck() error {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	s.Register(r)
	r.NoRoute(s.NotFound)
	var errs []error
	for in, page := range instrumentInfo {
		for _, l := range lang.Supported {
			if _, ok := s.info.get(l, page); !ok {
				errs = append(errs, fmt.Errorf("frontend: start-up check: the info page %q about %s is missing in %s", page, in, l))
			}
		}
	}
	check := func(target string, status int, body string) {
		if !strings.Contains(body, "<html lang=") {
			errs = append(errs, fmt.Errorf("frontend: start-up check: %s: no page rendered (status %d)", target, status))
		}
		if i := strings.Index(body, missingMark); i >= 0 {
			end := min(len(body), i+80)
			errs = append(errs, fmt.Errorf("frontend: start-up check: %s: missing message %s", target, body[i:end]))
		}
	}
	for _, l := range lang.Supported {
		paths := []string{"/", "/info", "/crisis", "/selfhelp", "/guided", "/selftest", "/no-such-page"}
		for _, pg := range s.info.list[l] {
			paths = append(paths, "/info/"+pg.ID)
		}
		for _, in := range s.Selftest.Catalog().Instruments() {
			paths = append(paths, "/selftest/"+in.ID)
		}
		first := s.programme().Lessons[0] // the trial: the first lesson, read-only
		for _, st := range first.Steps {
			paths = append(paths, "/selfhelp/lesson/"+first.ID+"/"+st.ID)
		}
		for _, p := range paths {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/"+l+p, nil))
			if w.Code != http.StatusOK && p != "/no-such-page" {
				errs = append(errs, fmt.Errorf("frontend: start-up check: /%s%s: status %d", l, p, w.Code))
			}
			check("/"+l+p, w.Code, w.Body.String())
		}
		// The pages that need state: a form with every error, a result
		// with the crisis flag, and the error page.
		for _, in := range s.Selftest.Catalog().Instruments() {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodPost, "/"+l+"/selftest/"+in.ID, nil)
			fieldErrs := map[string]string{}
			var answers []selftest.Answer
			for _, it := range in.Items {
				fieldErrs[selftest.AnswerField(it.ID)] = "x"
				best := 0
				for _, o := range in.ItemOptions(it) {
					best = max(best, o.Value)
				}
				answers = append(answers, selftest.Answer{Item: it.ID, Value: best})
			}
			for _, q := range selftest.ProfileQuestions() {
				fieldErrs["profile."+q.ID] = "x"
			}
			s.renderForm(c, http.StatusUnprocessableEntity, s.view(c, "", "/selftest/"+in.ID), in, nil, fieldErrs)
			check("/"+l+"/selftest/"+in.ID+" (errors)", w.Code, w.Body.String())

			res, err := selftest.Score(in, answers)
			if err != nil {
				return fmt.Errorf("frontend: start-up check: score %s: %w", in.ID, err)
			}
			res = selftest.Rescore(in, res.Score, res.Band, true) // with crisis help
			w = httptest.NewRecorder()
			c, _ = gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodGet, "/"+l+"/selftest/result/check?claim="+strings.Repeat("A", 43), nil)
			s.renderResult(c, s.view(c, "", "/selftest/result/check"), &selftest.Outcome{ID: "check", Instrument: in, Language: l, Scored: res})
			check("/"+l+"/selftest/result (crisis)", w.Code, w.Body.String())
		}
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/"+l+"/", nil)
		s.InternalError(c)
		check("/"+l+" (500 page)", w.Code, w.Body.String())
		w = httptest.NewRecorder()
		c, _ = gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/"+l+"/", nil)
		s.Unavailable(c)
		check("/"+l+" (503 page)", w.Code, w.Body.String())
	}
	return errors.Join(errs...)
}
