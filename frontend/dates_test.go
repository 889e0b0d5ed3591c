package frontend

import (
	"net/http"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone database, as the binary embeds it (cmd/haven/tzdata.go)
)

// Moments are written in the deployment's time zone and the reader's
// language ("2 december 2026, 14:05"), never ISO or UTC.
func TestDatesInTheDeploymentsTimeZoneAndReadersLanguage(t *testing.T) {
	e := newAccountEnv(t)
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	if e.site.location().String() != brussels.String() {
		t.Fatalf("test deployment time zone %s, want Europe/Brussels", e.site.location())
	}
	at := time.Date(2026, 12, 2, 13, 5, 0, 0, time.UTC)    // 14:05 in Brussels
	late := time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC) // already 1 July there
	for _, tt := range []struct {
		lang     string
		t        time.Time
		dateTime string
		date     string
	}{
		{"nl", at, "2 december 2026, 14:05", "2 december 2026"},
		{"en", at, "2 December 2026, 14:05", "2 December 2026"},
		{"nl", late, "1 juli 2026, 00:30", "1 juli 2026"},
	} {
		v := &view{Lang: tt.lang, site: e.site}
		if got := v.DateTime(tt.t); got != tt.dateTime {
			t.Errorf("%s DateTime(%v) = %q, want %q", tt.lang, tt.t, got, tt.dateTime)
		}
		if got := v.Date(tt.t); got != tt.date {
			t.Errorf("%s Date(%v) = %q, want %q", tt.lang, tt.t, got, tt.date)
		}
	}

	// Pages: the access log (a client's own) and the diary.
	signUpClient(t, e, "dated")
	body := e.do(http.MethodGet, "/nl/account/access", nil).Body.String()
	if strings.Contains(body, " UTC") {
		t.Errorf("the access log shows UTC\n%s", body)
	}
	e.do(http.MethodGet, "/nl/selfhelp/lesson/understanding/welcome", nil)
	today := time.Now().In(e.site.location())
	postStep(e, "/nl/selfhelp/diary", map[string][]string{"day": {today.Format(time.DateOnly)}, "mood": {"6"}})
	body = e.do(http.MethodGet, "/nl/selfhelp/diary", nil).Body.String()
	for _, want := range []string{`<div class="table-wrap" tabindex="0" role="region" aria-label="`, `<time class="nowrap" datetime="` + today.Format(time.DateOnly) + `">`} {
		if !strings.Contains(body, want) {
			t.Errorf("diary lacks %s", want)
		}
	}
}
