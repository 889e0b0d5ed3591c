package frontend

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// Every table in every template sits in a focusable, labelled region that
// scrolls sideways on its own (.table-wrap, or the report's .table-scroll),
// so a table wider than a 320 px phone never widens the page (WCAG 1.4.10)
// and a keyboard user can scroll it.
func TestEveryTableScrollsInAFocusableRegion(t *testing.T) {
	region := regexp.MustCompile(`<div class="(table-wrap|table-scroll)"[^>]*\btabindex="0"[^>]*\brole="region"[^>]*\baria-(label|labelledby)="[^"]+"[^>]*>\s*$|<div class="(table-wrap|table-scroll)"[^>]*\brole="region"[^>]*\baria-(label|labelledby)="[^"]+"[^>]*\btabindex="0"[^>]*>\s*$`)
	files, err := fs.Glob(embedded, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	tables := 0
	for _, f := range files {
		b, err := fs.ReadFile(embedded, f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			if !strings.Contains(l, "<table") {
				continue
			}
			tables++
			if i == 0 || !region.MatchString(lines[i-1]) {
				prev := ""
				if i > 0 {
					prev = lines[i-1]
				}
				t.Errorf("%s:%d: a table not in a focusable, labelled scroll region (the line before is %q)", f, i+1, strings.TrimSpace(prev))
			}
		}
	}
	if tables < 15 {
		t.Errorf("found %d tables in the templates; the test looks in the wrong place", tables)
	}
}
