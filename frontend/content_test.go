package frontend

import (
	"strings"
	"testing"
	"testing/fstest"
)

func page(title, order, l, body string) string {
	return "---\ntitle: " + title + "\nsummary: A summary.\norder: " + order + "\nlang: " + l + "\n---\n\n" + body
}

func TestInfoContentErrorsNameFileAndLine(t *testing.T) {
	good := func(id string) fstest.MapFS {
		return fstest.MapFS{
			"info/" + id + ".en.md": {Data: []byte(page("A", "1", "en", "## Hi\n\nText with **112**.\n"))},
			"info/" + id + ".nl.md": {Data: []byte(page("B", "1", "nl", "## Hoi\n\nTekst.\n"))},
		}
	}
	for _, tc := range []struct {
		name, file, content, want string
	}{
		{"no front matter", "a.en.md", "## Hi\n", "info/a.en.md:1: must start with front matter"},
		{"unclosed front matter", "a.en.md", "---\ntitle: x\n", "info/a.en.md:1: front matter is not closed"},
		{"unknown key", "a.en.md", "---\ntitle: A\nsummary: S\norder: 1\nlang: en\nauthor: me\n---\nx\n", "info/a.en.md:6: front matter: yaml: unmarshal errors:\n  line 6: field author not found"},
		{"bad yaml", "a.en.md", "---\ntitle: A\nsummary: [oops\norder: 1\nlang: en\n---\nx\n", "info/a.en.md:"},
		{"missing title", "a.en.md", "---\nsummary: S\norder: 1\nlang: en\n---\nx\n", "info/a.en.md:1: front matter needs title"},
		{"wrong lang", "a.en.md", page("A", "1", "nl", "x\n"), `front matter lang "nl" does not match the file name`},
		{"raw html", "a.en.md", page("A", "1", "en", "## Hi\n\nfine\n\n<div>no</div>\n"), "info/a.en.md:12: raw HTML is not allowed"},
		{"inline html", "a.en.md", page("A", "1", "en", "Some <b>bold</b> text\n"), "info/a.en.md:8: raw HTML is not allowed"},
		{"h1", "a.en.md", page("A", "1", "en", "para\n\n# Title\n"), "info/a.en.md:10: headings start at level 2"},
		{"relative link", "a.en.md", page("A", "1", "en", "See [signs](../signs).\n"), `info/a.en.md:8: link "../signs" must be`},
		{"other language link", "a.en.md", page("A", "1", "en", "See [signs](/nl/info/a).\n"), `info/a.en.md:8: link "/nl/info/a" must be`},
		{"broken info link", "a.en.md", page("A", "1", "en", "x\n\nSee [x](/en/info/nope).\n"), `info/a.en.md:10: link to info page "nope", which does not exist`},
		{"image", "a.en.md", page("A", "1", "en", "![x](/x.png)\n"), "info/a.en.md:8: images are not allowed"},
		{"bad file name", "A_B.en.md", page("A", "1", "en", "x\n"), "info/A_B.en.md: file name must be"},
		{"missing translation", "b.en.md", page("A", "2", "en", "x\n"), "info/b.nl.md: missing: every page must exist in every language"},
		{"order differs", "a.nl.md", page("B", "3", "nl", "x\n"), "info/a.en.md:1: order 1 differs from the nl page's order 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := good("a")
			fsys["info/"+tc.file] = &fstest.MapFile{Data: []byte(tc.content)}
			_, err := loadInfoPages(fsys, "info")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
	p, err := loadInfoPages(good("a"), "info")
	if err != nil {
		t.Fatal(err)
	}
	pg, _ := p.get("en", "a")
	if !strings.Contains(string(pg.HTML), `<a href="tel:112" rel="nofollow"><strong>112</strong></a>`) && !strings.Contains(string(pg.HTML), `<a href="tel:112"><strong>112</strong></a>`) {
		t.Errorf("bold phone number is not a tel: link: %s", pg.HTML)
	}
}

func TestShippedInfoContentLoads(t *testing.T) {
	p, err := loadInfoPages(embedded, "content/info")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"en", "nl"} {
		if len(p.list[l]) != 7 {
			t.Errorf("%s: %d pages, want 7", l, len(p.list[l]))
		}
		for i, pg := range p.list[l] {
			if pg.Order != i+1 {
				t.Errorf("%s: page %s has order %d at position %d", l, pg.ID, pg.Order, i+1)
			}
		}
	}
}

func TestCataloguesMustMatch(t *testing.T) {
	fsys := fstest.MapFS{
		"locales/en.yaml": {Data: []byte("a.one: One\na.two: Two\n")},
		"locales/nl.yaml": {Data: []byte("a.one: Een\n")},
	}
	_, err := loadCatalogues(fsys)
	if err == nil || !strings.Contains(err.Error(), "locales/nl.yaml lacks a.two") {
		t.Errorf("error %v", err)
	}
	fsys["locales/nl.yaml"] = &fstest.MapFile{Data: []byte("a.one: Een\na.two: \"\"\n")}
	if _, err := loadCatalogues(fsys); err == nil || !strings.Contains(err.Error(), `"a.two" is empty`) {
		t.Errorf("error %v", err)
	}
	fsys["locales/nl.yaml"] = &fstest.MapFile{Data: []byte("a.one: Een\na.two: Twee\n")}
	c, err := loadCatalogues(fsys)
	if err != nil {
		t.Fatal(err)
	}
	fsys["templates/x.html"] = &fstest.MapFile{Data: []byte("{{.T \"a.one\"}}\n<p>{{$.T \"a.three\"}}</p>\n")}
	if err := c.checkTemplateKeys(fsys, []string{"templates/x.html"}); err == nil || !strings.Contains(err.Error(), `templates/x.html:2: message "a.three"`) {
		t.Errorf("error %v", err)
	}
	if got, ok := c.translate("nl", "a.three"); ok || !strings.Contains(got, missingMark) {
		t.Errorf("missing message rendered as %q", got)
	}
}
