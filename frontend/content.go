package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"go.yaml.in/yaml/v3"

	"github.com/haven-mh/haven/api/lang"
)

// infoPage is one psychoeducation page of the info module in one language,
// rendered and sanitised once at start-up.
type infoPage struct {
	ID      string
	Lang    string
	Title   string
	Summary string
	Order   int
	HTML    template.HTML
}

// infoPages holds every info page, per language, sorted by order.
type infoPages struct {
	list map[string][]*infoPage
	byID map[string]map[string]*infoPage
}

func (p *infoPages) get(l, id string) (*infoPage, bool) {
	pg, ok := p.byID[l][id]
	return pg, ok
}

type frontMatter struct {
	Title   string `yaml:"title"`
	Summary string `yaml:"summary"`
	Order   int    `yaml:"order"`
	Lang    string `yaml:"lang"`
}

var (
	infoFileName = regexp.MustCompile(`^([a-z0-9]+(?:-[a-z0-9]+)*)\.([a-z]{2})\.md$`)
	yamlLine     = regexp.MustCompile(`line (\d+)`)
	phoneText    = regexp.MustCompile(`^\+?[0-9][0-9 -]*[0-9]$`)
)

// contentError names the file and line of a problem in the content.
type contentError struct {
	File string
	Line int
	Msg  string
}

func (e *contentError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("frontend: info content %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("frontend: info content %s: %s", e.File, e.Msg)
}

// loadInfoPages reads every <id>.<lang>.md file in dir of fsys, checks its
// front matter and Markdown against the rules in content/info/README.md and
// renders it. Any problem fails the whole load, naming the file and line.
func loadInfoPages(fsys fs.FS, dir string) (*infoPages, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("frontend: info content: %w", err)
	}
	l := &infoLoader{fsys: fsys, pages: &infoPages{list: map[string][]*infoPage{}, byID: map[string]map[string]*infoPage{}}}
	l.md, l.policy = newMarkdown()
	for _, e := range entries {
		if e.IsDir() || e.Name() == "README.md" {
			continue
		}
		pg, err := l.page(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if pg == nil {
			continue // its problems are in l.errs
		}
		if l.pages.byID[pg.Lang] == nil {
			l.pages.byID[pg.Lang] = map[string]*infoPage{}
		}
		l.pages.byID[pg.Lang][pg.ID] = pg
		l.pages.list[pg.Lang] = append(l.pages.list[pg.Lang], pg)
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	l.checkSet(dir)
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return l.pages, nil
}

// infoLoader gathers the info pages and every problem with them, so one
// start-up names all broken files at once.
type infoLoader struct {
	fsys   fs.FS
	md     goldmark.Markdown
	policy *bluemonday.Policy
	pages  *infoPages
	links  []infoLink
	errs   []error
}

// infoLink is a link from one info page to another, checked once all are
// loaded.
type infoLink struct {
	file, lang, id string
	line           int
}

// page loads one file; it returns nil (and records why) when the file is
// not a valid page, and an error only when it cannot be read.
func (l *infoLoader) page(file string) (*infoPage, error) {
	m := infoFileName.FindStringSubmatch(path.Base(file))
	if m == nil {
		l.errs = append(l.errs, &contentError{File: file, Msg: "file name must be <id>.<lang>.md with a lower-case id (letters, digits, hyphens)"})
		return nil, nil
	}
	id, lg := m[1], m[2]
	if !lang.IsSupported(lg) {
		l.errs = append(l.errs, &contentError{File: file, Msg: fmt.Sprintf("language %q is not one of %v", lg, lang.Supported)})
		return nil, nil
	}
	raw, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		return nil, fmt.Errorf("frontend: info content: %w", err)
	}
	fm, body, bodyLine, err := splitFrontMatter(file, raw)
	if err == nil {
		err = checkFrontMatter(file, fm, lg)
	}
	if err != nil {
		l.errs = append(l.errs, err)
		return nil, nil
	}
	doc := l.md.Parser().Parse(text.NewReader(body))
	if problems := l.checkMarkdown(file, lg, doc, func(n ast.Node) int { return bodyLine + nodeLine(n, body) - 1 }); len(problems) > 0 {
		l.errs = append(l.errs, problems...)
		return nil, nil
	}
	var out bytes.Buffer
	if err := l.md.Renderer().Render(&out, body, doc); err != nil {
		l.errs = append(l.errs, &contentError{File: file, Msg: "render: " + err.Error()})
		return nil, nil
	}
	return &infoPage{
		ID: id, Lang: lg, Title: fm.Title, Summary: fm.Summary, Order: fm.Order,
		HTML: template.HTML(l.policy.SanitizeBytes(out.Bytes())), //nolint:gosec // sanitised by bluemonday
	}, nil
}

// checkMarkdown allows plain Markdown only: no raw HTML or images,
// headings from level 2, links to https://… or to the same language's
// pages (links between info pages are checked once all are loaded).
func (l *infoLoader) checkMarkdown(file, lg string, doc ast.Node, lineOf func(ast.Node) int) []error {
	var problems []error
	bad := func(n ast.Node, msg string) {
		problems = append(problems, &contentError{File: file, Line: lineOf(n), Msg: msg})
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.HTMLBlock, *ast.RawHTML:
			bad(n, "raw HTML is not allowed; use plain Markdown")
		case *ast.Image:
			bad(n, "images are not allowed")
		case *ast.Heading:
			if n.Level == 1 {
				bad(n, "headings start at level 2 (##); the title is the page's h1")
			}
		case *ast.Link:
			dest := string(n.Destination)
			switch {
			case strings.HasPrefix(dest, "https://"), strings.HasPrefix(dest, "http://"),
				strings.HasPrefix(dest, "mailto:"), strings.HasPrefix(dest, "tel:"):
			case strings.HasPrefix(dest, "/"+lg+"/info/"):
				target := strings.TrimPrefix(dest, "/"+lg+"/info/")
				if i := strings.IndexAny(target, "#?"); i >= 0 {
					target = target[:i]
				}
				l.links = append(l.links, infoLink{file: file, lang: lg, id: target, line: lineOf(n)})
			case strings.HasPrefix(dest, "/"+lg+"/"):
			default:
				bad(n, fmt.Sprintf("link %q must be https://… or an absolute path in the same language (/%s/…)", dest, lg))
			}
		}
		return ast.WalkContinue, nil
	})
	return problems
}

// checkSet checks the pages together: links between them resolve, every
// page exists in every language with the same order, and each language's
// list is sorted.
func (l *infoLoader) checkSet(dir string) {
	p := l.pages
	for _, lk := range l.links {
		if _, ok := p.byID[lk.lang][lk.id]; !ok {
			l.errs = append(l.errs, &contentError{File: lk.file, Line: lk.line, Msg: fmt.Sprintf("link to info page %q, which does not exist in %s", lk.id, lk.lang)})
		}
	}
	ids := map[string]bool{}
	for _, lg := range lang.Supported {
		for id := range p.byID[lg] {
			ids[id] = true
		}
	}
	if len(ids) == 0 {
		l.errs = append(l.errs, &contentError{File: dir, Msg: "no info pages found"})
	}
	for id := range ids {
		var order int
		for i, lg := range lang.Supported {
			pg, ok := p.byID[lg][id]
			if !ok {
				l.errs = append(l.errs, &contentError{File: path.Join(dir, id+"."+lg+".md"), Msg: "missing: every page must exist in every language"})
				continue
			}
			if i == 0 {
				order = pg.Order
			} else if pg.Order != order {
				l.errs = append(l.errs, &contentError{File: path.Join(dir, id+"."+lg+".md"), Line: 1,
					Msg: fmt.Sprintf("order %d differs from the %s page's order %d", pg.Order, lang.Supported[0], order)})
			}
		}
	}
	for _, lg := range lang.Supported {
		list := p.list[lg]
		sort.Slice(list, func(i, j int) bool {
			if list[i].Order != list[j].Order {
				return list[i].Order < list[j].Order
			}
			return list[i].ID < list[j].ID
		})
	}
}

// newMarkdown returns the renderer of content Markdown (info pages and the
// self-help course): goldmark with bold phone numbers as tap-to-call links,
// and the bluemonday policy its output is sanitised with.
func newMarkdown() (goldmark.Markdown, *bluemonday.Policy) {
	md := goldmark.New(goldmark.WithParserOptions(
		parser.WithASTTransformers(util.Prioritized(telLinks{}, 100)),
	))
	policy := bluemonday.UGCPolicy()
	policy.AllowURLSchemes("mailto", "http", "https", "tel")
	return md, policy
}

// splitFrontMatter separates the YAML front matter from the Markdown body.
// bodyLine is the file line the body starts on (1-based).
func splitFrontMatter(file string, raw []byte) (fm frontMatter, body []byte, bodyLine int, err error) {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(raw, []byte("---\n")) {
		return fm, nil, 0, &contentError{File: file, Line: 1, Msg: "must start with front matter between --- lines"}
	}
	rest := raw[4:]
	end := bytes.Index(rest, []byte("\n---\n"))
	if end < 0 {
		if bytes.HasSuffix(rest, []byte("\n---")) {
			end = len(rest) - 4
		} else {
			return fm, nil, 0, &contentError{File: file, Line: 1, Msg: "front matter is not closed by a --- line"}
		}
	}
	head := rest[:end+1]
	body = rest[min(end+5, len(rest)):]
	bodyLine = 2 + bytes.Count(head, []byte("\n")) + 1
	dec := yaml.NewDecoder(bytes.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil {
		// The YAML decoder counts lines from the front matter's first line,
		// which is line 2 of the file.
		line := 0
		msg := yamlLine.ReplaceAllStringFunc(err.Error(), func(s string) string {
			n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
			if line == 0 {
				line = n + 1
			}
			return "line " + strconv.Itoa(n+1)
		})
		return fm, nil, 0, &contentError{File: file, Line: line, Msg: "front matter: " + msg}
	}
	return fm, body, bodyLine, nil
}

func checkFrontMatter(file string, fm frontMatter, l string) error {
	var missing []string
	if strings.TrimSpace(fm.Title) == "" {
		missing = append(missing, "title")
	}
	if strings.TrimSpace(fm.Summary) == "" {
		missing = append(missing, "summary")
	}
	if fm.Order <= 0 {
		missing = append(missing, "order (a positive number)")
	}
	if fm.Lang == "" {
		missing = append(missing, "lang")
	}
	if len(missing) > 0 {
		return &contentError{File: file, Line: 1, Msg: "front matter needs " + strings.Join(missing, ", ")}
	}
	if fm.Lang != l {
		return &contentError{File: file, Line: 1, Msg: fmt.Sprintf("front matter lang %q does not match the file name (%q)", fm.Lang, l)}
	}
	return nil
}

// nodeLine returns the 1-based line, within source, where n (or the block
// holding it) starts.
func nodeLine(n ast.Node, source []byte) int {
	for b := n; b != nil; b = b.Parent() {
		if b.Type() == ast.TypeBlock && b.Lines().Len() > 0 {
			return bytes.Count(source[:b.Lines().At(0).Start], []byte("\n")) + 1
		}
		if t, ok := b.(*ast.Text); ok {
			return bytes.Count(source[:t.Segment.Start], []byte("\n")) + 1
		}
	}
	return 1
}

// telLinks turns phone numbers written in bold (**1813**) into tap-to-call
// links, as content/info/README.md asks: a visitor in crisis on a phone is
// one tap away from the line.
type telLinks struct{}

func (telLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	var targets []*ast.Emphasis
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if _, inLink := n.Parent().(*ast.Link); inLink {
			return ast.WalkSkipChildren, nil
		}
		if e, ok := n.(*ast.Emphasis); ok && e.Level == 2 {
			if phone, ok := plainText(e, source); ok && phoneText.MatchString(phone) {
				targets = append(targets, e)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, e := range targets {
		phone, _ := plainText(e, source)
		link := ast.NewLink()
		link.Destination = []byte(strings.NewReplacer(" ", "", "-", "").Replace("tel:" + phone))
		parent := e.Parent()
		parent.ReplaceChild(parent, e, link)
		link.AppendChild(link, e)
	}
}

func plainText(n ast.Node, source []byte) (string, bool) {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		t, ok := c.(*ast.Text)
		if !ok {
			return "", false
		}
		b.Write(t.Segment.Value(source))
	}
	return b.String(), b.Len() > 0
}
