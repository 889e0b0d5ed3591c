// Package frontend is Haven's web site for visitors: server-rendered HTML
// pages (html/template) in Dutch and English that call the same domain
// services as the JSON API. Templates, message catalogues, info content and
// static assets are embedded and checked at start-up, so a broken one stops
// the binary from starting instead of failing a visitor.
//
// Every page works without JavaScript and loads nothing from another
// origin. Visitors get no cookies; only the account and course pages set
// strictly necessary ones (account.go).
package frontend

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api/lang"
	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db/idempotency"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/reports"
	"github.com/haven-mh/haven/selftest"
	"github.com/haven-mh/haven/selftest/fhir"
)

//go:embed templates/*.html static locales/*.yaml content/info/*.md
var embedded embed.FS

// Deps is everything the site needs; cmd/haven wires it.
type Deps struct {
	Log      *slog.Logger
	Selftest *selftest.Service
	// DefaultLanguage is used when Accept-Language names no supported
	// language.
	DefaultLanguage string
	// Auth and Audit serve the account pages (account.go); without them
	// those pages are not registered.
	Auth  *auth.Service
	Audit *audit.Log
	// Selfhelp serves the self-help course pages (selfhelp.go); they need
	// Auth and Audit too. Without it /selfhelp is an introduction only.
	Selfhelp *modules.Service
	// Coaching serves the guided trajectory, and decides whom a clinician
	// may see.
	Coaching *coaching.Service
	// MailConfigured says e-mail is sent (HAVEN_SMTP_URL): only then do
	// pages offer an address for notifications.
	MailConfigured bool
	// PublicURL is Haven's public address (HAVEN_PUBLIC_URL, no trailing
	// slash), for links handed on outside the site (invitations); empty,
	// such links are shown as paths.
	PublicURL string
	// Idempotency, when set, stores the self-test form's post once per
	// form (selftest_idempotency.go).
	Idempotency *idempotency.Store
	// Reports, when set, serves the coordinators' monthly report
	// (reports.go); without it the page is neither registered nor offered.
	Reports *reports.Service
	// FHIR, when set, serves the downloads of a client's questionnaire
	// results as a FHIR R4 Bundle (fhir.go): the client's own, on the data
	// page, and their clinician's, on the record; without it neither is
	// registered nor offered.
	FHIR *fhir.Service
}

// Site is the web frontend. It is immutable after New and safe for
// concurrent use.
type Site struct {
	Deps
	msgs   *catalogues
	pages  map[string]*template.Template
	assets *assets
	info   *infoPages
	course courseText
	images courseImages
	forms  formCache
}

// pageNames are the templates in templates/ besides layout.html; each
// defines "content".
var pageNames = []string{
	"home", "info_list", "info_page", "crisis", "guided",
	"selftest_start", "selftest_form", "selftest_result", "not_found", "error", "unavailable",
	"account_home", "account_form", "account_message", "account_table",
	"selfhelp_course", "selfhelp_step", "selfhelp_diary", "selfhelp_plan", "selfhelp_measure_result", "selfhelp_help",
	// Guided care for staff (caseload*.go, coordination.go).
	"staff_dashboard", "staff_record", "staff_messages", "staff_lessons", "staff_lesson", "staff_diary", "staff_contacts", "staff_end",
	"staff_coordination", "staff_pace",
	"reports",
	"guided_apply", "guided_home", "guided_messages", "guided_result", "guided_stop",
}

// pagePartials are extra template files a page needs (by name prefix).
func pagePartials(page string) []string {
	switch {
	case strings.HasPrefix(page, "account_"):
		return []string{"templates/account_fields.html"}
	case strings.HasPrefix(page, "selfhelp_"):
		return []string{"templates/selfhelp_fields.html", "templates/guided_parts.html"}
	case strings.HasPrefix(page, "guided"):
		return []string{"templates/guided_parts.html"}
	case strings.HasPrefix(page, "staff_"):
		return []string{"templates/staff_fields.html"}
	}
	return nil
}

// New loads and checks the templates, message catalogues, info content and
// static assets, and renders every page once: anything broken fails here,
// naming the file (and line, where known).
func New(d Deps) (*Site, error) {
	return newSite(d, embedded)
}

func newSite(d Deps, fsys fs.FS) (*Site, error) {
	if d.Selftest == nil || d.Auth == nil || d.Audit == nil || d.Selfhelp == nil || d.Coaching == nil {
		return nil, errors.New("frontend: Selftest, Auth, Audit, Selfhelp and Coaching are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if !lang.IsSupported(d.DefaultLanguage) {
		d.DefaultLanguage = lang.Supported[0]
	}
	s := &Site{Deps: d, pages: map[string]*template.Template{}}
	var err error
	if s.msgs, err = loadCatalogues(fsys); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(fsys); err != nil {
		return nil, err
	}
	if s.info, err = loadInfoPages(fsys, "content/info"); err != nil {
		return nil, err
	}
	if s.course, err = renderCourse(d.Selfhelp.Library()); err != nil {
		return nil, err
	}
	s.images = loadCourseImages(d.Selfhelp.Library())
	files := []string{"templates/layout.html"}
	for _, p := range pageNames {
		files = append(files, "templates/"+p+".html")
	}
	files = append(files, pagePartials("account_")...)
	files = append(files, pagePartials("selfhelp_")...)
	files = append(files, pagePartials("staff_")...)
	files = append(files, pagePartials("guided")...)
	if err := s.msgs.checkTemplateKeys(fsys, files); err != nil {
		return nil, err
	}
	if err := s.msgs.checkKeys(dynamicKeys()); err != nil {
		return nil, err
	}
	funcs := template.FuncMap{"asset": s.assets.url}
	for _, p := range pageNames {
		t, err := template.New(p).Funcs(funcs).ParseFS(fsys, append([]string{"templates/layout.html", "templates/" + p + ".html"}, pagePartials(p)...)...)
		if err != nil {
			return nil, fmt.Errorf("frontend: templates: %w", err)
		}
		s.pages[p] = t
	}
	if err := s.selfCheck(); err != nil {
		return nil, err
	}
	return s, nil
}

// root sends a visitor to the home page in their language. No cookie
// remembers the choice: the language lives in the URL.
func (s *Site) root(c *gin.Context) {
	l := lang.Negotiate("", c.GetHeader("Accept-Language"), s.DefaultLanguage)
	c.Header("Vary", "Accept-Language")
	redirect(c, http.StatusFound, "/"+l+"/")
}

func redirect(c *gin.Context, status int, to string) {
	c.Header("Cache-Control", "no-cache")
	c.Redirect(status, to)
}

// NotFound answers unmatched paths (and unsupported methods) outside the
// API with a friendly page in the visitor's language.
func (s *Site) NotFound(c *gin.Context) {
	status := http.StatusNotFound
	if c.Writer.Status() == http.StatusMethodNotAllowed {
		status = http.StatusMethodNotAllowed
	}
	s.notFound(c, status)
}

func (s *Site) notFound(c *gin.Context, status int) {
	v := s.view(c, "not_found.title", "")
	v.NoIndex = true
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "not_found", v)
}

// InternalError writes the friendly 500 page. It never shows error details.
func (s *Site) InternalError(c *gin.Context) {
	v := s.view(c, "error.title", "")
	v.NoIndex = true
	c.Header("Cache-Control", "no-store")
	var buf bytes.Buffer
	if err := s.pages["error"].ExecuteTemplate(&buf, "layout", v); err != nil {
		// The error page itself failed (it is checked at start-up, so this
		// should not happen): fall back to plain text.
		s.Log.ErrorContext(c.Request.Context(), "render error page", "error", err.Error())
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("500 Internal Server Error"))
		return
	}
	s.write(c, http.StatusInternalServerError, buf.Bytes(), v.Lang)
}

// langOf returns the language of a request: the first path segment when it
// is a supported language, otherwise the browser's preference.
func (s *Site) langOf(c *gin.Context) string {
	p := strings.TrimPrefix(c.Request.URL.Path, "/")
	first, _, _ := strings.Cut(p, "/")
	if lang.IsSupported(first) {
		return first
	}
	return lang.Negotiate("", c.GetHeader("Accept-Language"), s.DefaultLanguage)
}

// view starts the data of a page. path is the page's path without the
// language prefix, used by the language switch ("" for error pages, which
// switch to the other language's home page).
func (s *Site) view(c *gin.Context, titleKey, path string) *view {
	v := &view{Lang: s.langOf(c), Path: path, site: s, Session: s.session(c)}
	if path == "" {
		v.Path = "/"
	}
	if titleKey != "" {
		v.Title = v.T(titleKey)
	}
	return v
}

// render executes a page into a buffer first, so a template failure becomes
// the 500 page instead of half a page.
func (s *Site) render(c *gin.Context, status int, page string, v *view) {
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.Log.ErrorContext(c.Request.Context(), "render page", "page", page, "error", err.Error())
		s.InternalError(c)
		return
	}
	if len(v.missing) > 0 {
		s.Log.ErrorContext(c.Request.Context(), "missing messages", "page", page, "lang", v.Lang, "ids", strings.Join(v.missing, ","))
	}
	s.write(c, status, buf.Bytes(), v.Lang)
}

func (s *Site) write(c *gin.Context, status int, body []byte, l string) {
	c.Header("Content-Language", l)
	if c.Writer.Header().Get("Cache-Control") == "" {
		c.Header("Cache-Control", "no-cache")
	}
	var gz []byte
	if len(body) > 1024 && acceptsGzip(c.Request) {
		gz = gzipPage(body)
	} else if len(body) > 1024 {
		c.Writer.Header().Add("Vary", "Accept-Encoding")
	}
	writeMaybeGzip(c, status, "text/html; charset=utf-8", body, gz)
}

// view is what every template gets: the language, the title, messages
// through T, and the page's own data in Data.
type view struct {
	Lang        string
	Title       string
	Description string
	Path        string
	NoIndex     bool
	// Wide pages (the staff's tables) use more of a laptop's screen.
	Wide bool
	// Session is whether one is signed in, for the header and footer.
	Session headerSession
	// Errors fill the error summary; a page with errors gets "Error: "
	// before its title.
	Errors  []errorLink
	Data    any
	site    *Site
	missing []string
}

type errorLink struct {
	Href string
	Text string
}

// T returns the message id in the page's language; args are name, value
// pairs for the message's placeholders.
func (v *view) T(id string, args ...any) string {
	out, ok := v.site.msgs.translate(v.Lang, id, args...)
	if !ok {
		v.missing = append(v.missing, id)
	}
	return out
}

// Href prefixes a site path with the page's language.
func (v *view) Href(p string) string { return "/" + v.Lang + p }

type altLang struct {
	Code string
	Name string
	Href string
}

// Alternates are the same page in the other languages, for the language
// switch.
func (v *view) Alternates() []altLang {
	var out []altLang
	for _, l := range lang.Supported {
		if l == v.Lang {
			continue
		}
		name, _ := v.site.msgs.translate(l, "language.name")
		out = append(out, altLang{Code: l, Name: name, Href: "/" + l + v.Path})
	}
	return out
}

// crisisBlock carries the crisis lines and the page's view into the
// "crisis-lines" partial.
type crisisBlock struct {
	V       *view
	H       crisisHelp
	Heading string // "h2" or "h3": the level of the country headings
}

// CrisisBlock prepares the "crisis-lines" partial.
func (v *view) CrisisBlock(h crisisHelp, headingLevel int) crisisBlock {
	return crisisBlock{V: v, H: h, Heading: fmt.Sprintf("h%d", headingLevel)}
}

// Error kinds: the behaviours domain errors have (db/kind). Pages match
// them with errors.As, like the API, whatever the domain.
type (
	fieldErrors interface{ FieldErrors() map[string]string }
	notFound    interface{ NotFound() bool }
	conflict    interface{ ConflictCode() string }
	retryAfter  interface{ RetryAfter() int }
)
