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
	md, policy := newMarkdown()

	p := &infoPages{list: map[string][]*infoPage{}, byID: map[string]map[string]*infoPage{}}
	type link struct {
		file, lang, id string
		line           int
	}
	var links []link
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "README.md" {
			continue
		}
		file := path.Join(dir, name)
		m := infoFileName.FindStringSubmatch(name)
		if m == nil {
			errs = append(errs, &contentError{File: file, Msg: "file name must be <id>.<lang>.md with a lower-case id (letters, digits, hyphens)"})
			continue
		}
		id, l := m[1], m[2]
		if !lang.IsSupported(l) {
			errs = append(errs, &contentError{File: file, Msg: fmt.Sprintf("language %q is not one of %v", l, lang.Supported)})
			continue
		}
		raw, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("frontend: info content: %w", err)
		}
		fm, body, bodyLine, err := splitFrontMatter(file, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := checkFrontMatter(file, fm, l); err != nil {
			errs = append(errs, err)
			continue
		}
		doc := md.Parser().Parse(text.NewReader(body))
		lineOf := func(n ast.Node) int { return bodyLine + nodeLine(n, body) - 1 }
		var pageErrs []error
		_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch n := n.(type) {
			case *ast.HTMLBlock, *ast.RawHTML:
				pageErrs = append(pageErrs, &contentError{File: file, Line: lineOf(n), Msg: "raw HTML is not allowed; use plain Markdown"})
			case *ast.Image:
				pageErrs = append(pageErrs, &contentError{File: file, Line: lineOf(n), Msg: "images are not allowed"})
			case *ast.Heading:
				if n.Level == 1 {
					pageErrs = append(pageErrs, &contentError{File: file, Line: lineOf(n), Msg: "headings start at level 2 (##); the title is the page's h1"})
				}
			case *ast.Link:
				dest := string(n.Destination)
				switch {
				case strings.HasPrefix(dest, "https://"), strings.HasPrefix(dest, "http://"),
					strings.HasPrefix(dest, "mailto:"), strings.HasPrefix(dest, "tel:"):
				case strings.HasPrefix(dest, "/"+l+"/info/"):
					target := strings.TrimPrefix(dest, "/"+l+"/info/")
					if i := strings.IndexAny(target, "#?"); i >= 0 {
						target = target[:i]
					}
					links = append(links, link{file: file, lang: l, id: target, line: lineOf(n)})
				case dest == "/"+l+"/" || strings.HasPrefix(dest, "/"+l+"/"):
				default:
					pageErrs = append(pageErrs, &contentError{File: file, Line: lineOf(n),
						Msg: fmt.Sprintf("link %q must be https://… or an absolute path in the same language (/%s/…)", dest, l)})
				}
			}
			return ast.WalkContinue, nil
		})
		if len(pageErrs) > 0 {
			errs = append(errs, pageErrs...)
			continue
		}
		var out bytes.Buffer
		if err := md.Renderer().Render(&out, body, doc); err != nil {
			errs = append(errs, &contentError{File: file, Msg: "render: " + err.Error()})
			continue
		}
		pg := &infoPage{
			ID: id, Lang: l, Title: fm.Title, Summary: fm.Summary, Order: fm.Order,
			HTML: template.HTML(policy.SanitizeBytes(out.Bytes())), //nolint:gosec // sanitised by bluemonday
		}
		if p.byID[l] == nil {
			p.byID[l] = map[string]*infoPage{}
		}
		p.byID[l][id] = pg
		p.list[l] = append(p.list[l], pg)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, lk := range links {
		if _, ok := p.byID[lk.lang][lk.id]; !ok {
			errs = append(errs, &contentError{File: lk.file, Line: lk.line, Msg: fmt.Sprintf("link to info page %q, which does not exist in %s", lk.id, lk.lang)})
		}
	}
	// Every page in every language, with the same order everywhere.
	ids := map[string]bool{}
	for _, l := range lang.Supported {
		for id := range p.byID[l] {
			ids[id] = true
		}
	}
	if len(ids) == 0 {
		errs = append(errs, &contentError{File: dir, Msg: "no info pages found"})
	}
	for id := range ids {
		var order int
		for i, l := range lang.Supported {
			pg, ok := p.byID[l][id]
			if !ok {
				errs = append(errs, &contentError{File: path.Join(dir, id+"."+l+".md"), Msg: "missing: every page must exist in every language"})
				continue
			}
			if i == 0 {
				order = pg.Order
			} else if pg.Order != order {
				errs = append(errs, &contentError{File: path.Join(dir, id+"."+l+".md"), Line: 1,
					Msg: fmt.Sprintf("order %d differs from the %s page's order %d", pg.Order, lang.Supported[0], order)})
			}
		}
	}
	for _, l := range lang.Supported {
		list := p.list[l]
		sort.Slice(list, func(i, j int) bool {
			if list[i].Order != list[j].Order {
				return list[i].Order < list[j].Order
			}
			return list[i].ID < list[j].ID
		})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
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
