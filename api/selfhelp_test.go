package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

// TestNudgeEmailNeedsMail: without a mail server the API refuses a
// reminder address (409 mail_not_configured, as the web pages do not
// offer it) and stores nothing; removing one is still allowed.
func TestNudgeEmailNeedsMail(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []wiretest.Option
		status   int
		code     string
		recorded bool
	}{
		{"no mail server", nil, 409, "mail_not_configured", false},
		{"a mail server", []wiretest.Option{wiretest.WithMail()}, 204, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAcctAPI(t, auth.ThrottleConfig{}, tc.opts...)
			_, token := a.signUp("lotte")
			base := "/api/v1/me/selfhelp/depression"
			if r := a.do("POST", base, token, nil); r.code != 200 {
				t.Fatalf("start: %d %s", r.code, r.raw)
			}
			r := a.do("PUT", base+"/nudge-email", token, map[string]any{"email": "me@example.org"})
			if r.code != tc.status || r.errorCode() != tc.code {
				t.Errorf("set: %d %q, want %d %q (%s)", r.code, r.errorCode(), tc.status, tc.code, r.raw)
			}
			if r := a.do("GET", base, token, nil); r.body["nudge_email"] != tc.recorded {
				t.Errorf("nudge_email %v, want %v", r.body["nudge_email"], tc.recorded)
			}
			if r := a.do("DELETE", base+"/nudge-email", token, nil); r.code != 204 {
				t.Errorf("remove: %d %s", r.code, r.raw)
			}
		})
	}
}

func TestSelfhelpOverHTTP(t *testing.T) {
	a := newAcctAPI(t, auth.ThrottleConfig{}, wiretest.WithMail()) // reminder e-mail is taken only with mail
	_, token := a.signUp("lotte")
	_, other := a.signUp("pieter")
	base := "/api/v1/me/selfhelp/depression"

	// Anyone can read the programme and try the first lesson.
	if r := a.do("GET", "/api/v1/selfhelp/programmes/depression?lang=en", "", nil); r.code != 200 || len(r.body["lessons"].([]any)) != 7 {
		t.Fatalf("programme: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/selfhelp/programmes/depression/trial?lang=nl", "", nil); r.code != 200 || r.body["id"] != "understanding" {
		t.Fatalf("trial: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/selfhelp/programmes/nope", "", nil); r.code != 404 {
		t.Errorf("unknown programme: %d", r.code)
	}

	if r := a.do("GET", base, token, nil); r.code != 404 {
		t.Errorf("progress before starting: %d", r.code)
	}
	if r := a.do("POST", base, token, nil); r.code != 200 || r.obj("resume")["lesson"] != "understanding" {
		t.Fatalf("start: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", base+"/lessons/activation", token, nil); r.code != 409 || r.errorCode() != "lesson_locked" || r.obj("error")["reason"] != "sequential" {
		t.Errorf("locked lesson: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", base+"/lessons/understanding", token, nil); r.code != 200 || r.body["state"] != "in_progress" {
		t.Fatalf("open: %d %s", r.code, r.raw)
	}

	// Save an exercise; the plaintext is only in the owner's API answers.
	secret := "Ik lig hele dagen in bed"
	r := a.do("PUT", base+"/lessons/understanding/steps/my-circle", token, map[string]any{
		"values": map[string]any{"situation": secret},
	})
	if r.code != 200 {
		t.Fatalf("save: %d %s", r.code, r.raw)
	}
	var sealed []string
	if err := a.db.Table("selfhelp_answers").Pluck("sealed", &sealed).Error; err != nil || len(sealed) != 1 {
		t.Fatalf("stored answers %v %v", sealed, err)
	}
	if strings.Contains(sealed[0], "bed") {
		t.Error("answer stored in the clear")
	}
	if r := a.do("GET", base+"/answers", token, nil); r.code != 200 || !strings.Contains(r.raw, secret) {
		t.Errorf("owner's answers: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", base+"/answers", other, nil); r.code != 404 || strings.Contains(r.raw, secret) {
		t.Errorf("another client: %d %s", r.code, r.raw)
	}
	if r := a.do("PUT", base+"/lessons/understanding/steps/my-circle", other, map[string]any{"values": map[string]any{}}); r.code != 404 {
		t.Errorf("another client saving: %d", r.code)
	}

	// Ticking "thoughts of death or suicide" among the complaints brings
	// crisis help at once, in the language asked for, the first time only;
	// the lesson content says which options are safety signals.
	complaints := base + "/lessons/understanding/steps/complaints?lang=en"
	r = a.do("PUT", complaints, token, map[string]any{"values": map[string]any{"recognised": []string{"tired"}}})
	if r.code != 200 || r.body["safety_signal"] != false || r.body["crisis_help"] != nil {
		t.Errorf("no signal: %d %s", r.code, r.raw)
	}
	for i, want := range []bool{true, false} {
		r = a.do("PUT", complaints, token, map[string]any{"values": map[string]any{"recognised": []string{"tired", "death-thoughts"}}, "complete": i == 1})
		if r.code != 200 || r.body["safety_signal"] != want {
			t.Fatalf("save %d: %d %s", i, r.code, r.raw)
		}
		help, _ := r.body["crisis_help"].(map[string]any)
		if want && (help == nil || help["emergency"] != "112" || !strings.Contains(lineNames(help["lines"]), "Zelfmoordlijn 1813 1813") ||
			!strings.Contains(fmt.Sprint(help["lines"]), "Call 1813")) {
			t.Errorf("crisis help with the signal: %v", help)
		}
		if !want && help != nil {
			t.Errorf("crisis help again for the same answer: %v", help)
		}
	}
	if r.obj("next")["step"] != "vicious-circle" {
		t.Errorf("after crisis help the course goes on: %s", r.raw)
	}
	r = a.do("GET", base+"/lessons/understanding?lang=en", token, nil)
	if !strings.Contains(r.raw, `"id":"death-thoughts","label":"Thinking about death or suicide","safety":"crisis"`) {
		t.Errorf("the lesson does not mark the safety signal: %s", r.raw)
	}

	// Resume exactly where the client was.
	if r := a.do("GET", base, token, nil); r.obj("resume")["step"] != "vicious-circle" {
		t.Errorf("resume: %s", r.raw)
	}

	// Bad input is a 4xx with the error shape.
	bad := []struct {
		path string
		body any
		code int
	}{
		{base + "/lessons/understanding/steps/my-circle", map[string]any{"values": map[string]any{"nope": 1}}, 422},
		{base + "/lessons/understanding/steps/my-circle", map[string]any{"values": "x"}, 400},
		{base + "/lessons/understanding/steps/my-circle", map[string]any{"values": map[string]any{}, "extra": true}, 400},
		{base + "/lessons/understanding/steps/no-such-step", map[string]any{"values": map[string]any{}}, 404},
	}
	for _, b := range bad {
		if r := a.do("PUT", b.path, token, b.body); r.code != b.code || r.errorCode() == "" {
			t.Errorf("PUT %s %v: %d %s", b.path, b.body, r.code, r.raw)
		}
	}

	// Diary.
	if r := a.do("PUT", "/api/v1/me/diary/2026-11-20", token, map[string]any{"mood": 4, "note": "moe", "activities": []string{"wandelen"}}); r.code != 200 {
		t.Errorf("diary: %d %s", r.code, r.raw)
	}
	if r := a.do("PUT", "/api/v1/me/diary/2026-11-21", token, map[string]any{"mood": 11}); r.code != 422 {
		t.Errorf("mood 11: %d", r.code)
	}
	if r := a.do("GET", "/api/v1/me/diary?from=2026-11-01&to=2026-11-30", token, nil); r.code != 200 || !strings.Contains(r.raw, "wandelen") {
		t.Errorf("diary read: %d %s", r.code, r.raw)
	}
	if r := a.do("GET", "/api/v1/me/diary?from=2026-11-01&to=2026-11-30", other, nil); strings.Contains(r.raw, "wandelen") {
		t.Error("another client reads the diary")
	}

	// The start questionnaire, with a crisis answer, leads with crisis help.
	answers := []map[string]any{}
	for i := 1; i <= 9; i++ {
		v := 0
		if i == 9 {
			v = 1
		}
		answers = append(answers, map[string]any{"item": "phq9_" + string(rune('0'+i)), "value": v})
	}
	r = a.do("POST", base+"/measurements/start", token, map[string]any{"answers": answers})
	if r.code != 201 || r.body["crisis"] != true {
		t.Fatalf("measurement: %d %s", r.code, r.raw)
	}
	// ... and says the course alone is not enough: the GP (urgent), guided help.
	checkCourseAdvice := func(what, l string, v any) {
		t.Helper()
		adv, _ := v.(map[string]any)
		if adv == nil {
			t.Fatalf("%s: no course_advice", what)
		}
		var steps []string
		for _, st := range adv["steps"].([]any) {
			m := st.(map[string]any)
			steps = append(steps, fmt.Sprintf("%v %v %v", m["code"], m["urgent"], m["path"]))
		}
		msgs := adv["messages"].([]any)
		if fmt.Sprint(adv["reasons"]) != "[not_enough]" || len(msgs) != 1 || msgs[0].(map[string]any)["title"] == "" ||
			strings.Join(steps, ",") != "gp true /"+l+"/info/treatment,guided false /"+l+"/guided" {
			t.Errorf("%s: course_advice %v", what, adv)
		}
	}
	checkCourseAdvice("the questionnaire's result", "nl", r.body["course_advice"])
	if r := a.do("POST", base+"/measurements/start", token, map[string]any{"answers": answers}); r.code != 404 {
		t.Errorf("a point is taken once: %d", r.code)
	}
	r = a.do("GET", base+"?lang=en", token, nil)
	if ms := r.body["measures"].([]any); ms[0].(map[string]any)["taken"] == nil {
		t.Errorf("measurement not shown in progress: %s", r.raw)
	}
	checkCourseAdvice("the progress", "en", r.body["course_advice"])

	// The reminder e-mail is written in the language asked for when opting in.
	for _, tc := range []struct {
		query  string
		body   map[string]any
		header string
		want   string
	}{
		{"", map[string]any{"email": "me@example.org", "language": "en"}, "nl", "en"},
		{"?lang=en", map[string]any{"email": "me@example.org"}, "nl", "en"},
		{"", map[string]any{"email": "me@example.org"}, "nl-BE,nl;q=0.9", "nl"},
	} {
		r := a.doHeaders("PUT", base+"/nudge-email"+tc.query, token, tc.body, map[string]string{"Accept-Language": tc.header})
		var got string
		if err := a.db.Raw("SELECT nudge_language FROM selfhelp_enrolments WHERE nudge_email_sealed IS NOT NULL").Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if r.code != 204 || got != tc.want {
			t.Errorf("nudge e-mail %s %v (Accept-Language %s): %d, language %q, want %q", tc.query, tc.body, tc.header, r.code, got, tc.want)
		}
	}
	if r := a.do("DELETE", base+"/nudge-email", token, nil); r.code != 204 {
		t.Errorf("remove the nudge address: %d", r.code)
	}

	// The plan downloads as text.
	if r := a.do("GET", base+"/plan?format=text", token, nil); r.code != 200 || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("plan: %d %v", r.code, r.header)
	}
	// ... closed by the crisis lines in the reader's language; the JSON
	// plan carries them too.
	for l, want := range map[string]string{"nl": "Bel gratis 1813", "en": "Call 1813 for free"} {
		r := a.do("GET", base+"/plan?format=text&lang="+l, token, nil)
		if !strings.Contains(r.raw, want) || !strings.Contains(r.raw, "0800-0113") || !strings.Contains(r.raw, " 112\n") {
			t.Errorf("%s plan text lacks the crisis lines: %s", l, r.raw)
		}
		r = a.do("GET", base+"/plan?lang="+l, token, nil)
		if help, _ := r.body["crisis_help"].(map[string]any); help == nil || !strings.Contains(fmt.Sprint(help["lines"]), want) || lineNames(help["youth_lines"]) == "" {
			t.Errorf("%s JSON plan lacks the crisis lines: %s", l, r.raw)
		}
	}

	// The export carries the self-help data; erasure removes it.
	if r := a.do("GET", "/api/v1/me/export", token, nil); r.code != 200 || !strings.Contains(r.raw, secret) || !strings.Contains(r.raw, "wandelen") {
		t.Errorf("export lacks self-help data: %d %s", r.code, r.raw)
	}
	if r := a.do("DELETE", "/api/v1/me", token, map[string]any{"password": acctPassword}); r.code != 204 {
		t.Fatalf("erase: %d %s", r.code, r.raw)
	}
	for _, table := range []string{"selfhelp_enrolments", "selfhelp_answers", "selfhelp_diary_entries", "selfhelp_measurements", "selfhelp_lessons"} {
		var n int64
		a.db.Table(table).Count(&n)
		if n != 0 {
			t.Errorf("%s: %d rows after erasure", table, n)
		}
	}
	var events int64
	a.db.Table("selfhelp_events").Count(&events)
	if events == 0 {
		t.Error("anonymous counts lost at erasure")
	}
}
