package frontend

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"

	"github.com/haven-mh/haven/api/middleware"
	"github.com/haven-mh/haven/modules"
)

// The shipped course has no images yet, so this test gives a text step of
// the trial lesson one (and the programme a GIF, which is not served).
func TestSelfhelpStepImage(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	deps, _ := testDeps(t)
	p := deps.Selfhelp.Library().Programmes()[0]
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>`
	p.Images["images/circle.svg"] = []byte(svg)
	p.Images["images/old.gif"] = []byte("GIF89a")
	var step *modules.Step
	for _, st := range p.Lessons[0].Steps {
		if st.Type == modules.StepText {
			step = st
			break
		}
	}
	step.Image = &modules.Image{Src: "images/circle.svg", Alt: modules.Text{"en": "A circle", "nl": "Een cirkel"}}
	s, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(middleware.RequestID(), middleware.SecurityHeaders(false), middleware.Recover(slog.New(slog.DiscardHandler), s.InternalError))
	r.NoRoute(s.NotFound)
	s.Register(r)
	e := &testEnv{site: s, engine: r}

	for _, l := range []string{"en", "nl"} {
		w := e.do(http.MethodGet, "/"+l+"/selfhelp/lesson/"+p.Lessons[0].ID+"/"+step.ID, nil)
		doc := parse(t, w.Body.Bytes())
		img := find(doc, func(n *html.Node) bool { return n.Data == "img" && attr(n, "class") == "step__image" })
		if w.Code != 200 || img == nil {
			t.Fatalf("%s step: %d, no image\n%s", l, w.Code, w.Body.String())
		}
		if want := map[string]string{"en": "A circle", "nl": "Een cirkel"}[l]; attr(img, "alt") != want {
			t.Errorf("%s alt %q, want %q", l, attr(img, "alt"), want)
		}
		src := attr(img, "src")
		if !strings.HasPrefix(src, "/selfhelp-images/"+p.ID+"/images/circle.svg?v=") {
			t.Fatalf("src %q", src)
		}
		w = e.do(http.MethodGet, src, nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != "image/svg+xml" || w.Body.String() != svg ||
			w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || w.Header().Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(w.Header().Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("image: %d %v %q", w.Code, w.Header(), w.Body.String())
		}
	}
	// The API's path, without ?v=: a shorter cache and an ETag.
	w := e.do(http.MethodGet, "/selfhelp-images/"+p.ID+"/images/circle.svg", nil)
	if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=86400" || w.Header().Get("ETag") == "" {
		t.Errorf("image without ?v=: %d %v", w.Code, w.Header())
	}
	if w2 := e.do(http.MethodGet, "/selfhelp-images/"+p.ID+"/images/circle.svg", nil, "If-None-Match", w.Header().Get("ETag")); w2.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", w2.Code)
	}
	if w := e.do(http.MethodHead, "/selfhelp-images/"+p.ID+"/images/circle.svg", nil); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD: %d", w.Code)
	}
	for _, bad := range []string{
		"/selfhelp-images/" + p.ID + "/images/old.gif",
		"/selfhelp-images/" + p.ID + "/images/missing.svg",
		"/selfhelp-images/" + p.ID + "/../" + p.ID + "/images/circle.svg",
		"/selfhelp-images/no-such-course/images/circle.svg",
		"/selfhelp-images/" + p.ID + "/programme.yaml",
	} {
		if w := e.do(http.MethodGet, bad, nil); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", bad, w.Code)
		}
	}
}
