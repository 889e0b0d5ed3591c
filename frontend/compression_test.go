package frontend

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// gzipXFL is the XFL byte of a gzip header (RFC 1952): Go's writer sets 2
// for BestCompression and 4 for BestSpeed.
func gzipXFL(t *testing.T, body []byte) byte {
	t.Helper()
	if len(body) < 10 || body[0] != 0x1f || body[1] != 0x8b {
		t.Fatalf("not gzip: % x", body[:min(len(body), 10)])
	}
	return body[8]
}

// TestCompressionLevels: assets, compressed once at start-up, get the best
// compression; pages, compressed on every request, the fastest level.
func TestCompressionLevels(t *testing.T) {
	e := newTestEnv(t)
	css, err := e.site.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		xfl  byte
	}{
		{css, 2},
		{"/en/info/signs", 4},
		{"/nl/selftest/phq9", 4},
		{"/en/crisis", 4},
	}
	for _, tt := range tests {
		w := e.do(http.MethodGet, tt.path, nil, "Accept-Encoding", "gzip")
		if w.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: not gzipped", tt.path)
		}
		if got := gzipXFL(t, w.Body.Bytes()); got != tt.xfl {
			t.Errorf("%s: gzip XFL %d, want %d", tt.path, got, tt.xfl)
		}
	}
}

var keyInput = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)

// TestSelftestFormCache: the empty form served from the cache is the page
// the template renders, but for a fresh idempotency key per request, in
// each language; a visitor with a session cookie never gets the cached
// page (its header differs).
func TestSelftestFormCache(t *testing.T) {
	e := newTestEnv(t)
	for _, l := range []string{"nl", "en"} {
		for _, id := range []string{"phq9", "gad7"} {
			path := "/" + l + "/selftest/" + id
			first := e.do(http.MethodGet, path, nil)
			second := e.do(http.MethodGet, path, nil)
			if first.Code != http.StatusOK || second.Code != http.StatusOK {
				t.Fatalf("%s: %d, %d", path, first.Code, second.Code)
			}
			k1, k2 := keyInput.FindStringSubmatch(first.Body.String()), keyInput.FindStringSubmatch(second.Body.String())
			if k1 == nil || k2 == nil {
				t.Fatalf("%s: no idempotency key in the form", path)
			}
			if k1[1] == k2[1] {
				t.Errorf("%s: two visitors got the same idempotency key", path)
			}
			if strings.Replace(second.Body.String(), k2[1], k1[1], 1) != first.Body.String() {
				t.Errorf("%s: the pages differ in more than the key", path)
			}
			// The uncached render of the same page.
			v := &view{Lang: l, Path: "/selftest/" + id, site: e.site}
			in, _ := e.site.Selftest.Catalog().Instrument(id)
			f := e.site.buildForm(v, in, nil, nil, true)
			f.IdempotencyKey = k1[1]
			v.Data = f
			var b strings.Builder
			if err := e.site.pages["selftest_form"].ExecuteTemplate(&b, "layout", v); err != nil {
				t.Fatal(err)
			}
			if b.String() != first.Body.String() {
				t.Errorf("%s: the cached page is not the rendered one", path)
			}
			if got := first.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s: Cache-Control %q", path, got)
			}
		}
	}
	// A cookie that might be a session: the header says "My account", not
	// the cached "Sign in".
	w := e.do(http.MethodGet, "/en/selftest/phq9", nil, "Cookie", cookieRefresh+"=x")
	if !strings.Contains(w.Body.String(), `class="header__account" href="/en/account"`) {
		t.Error("a visitor with a session cookie got the anonymous header")
	}
}
