package modules

import (
	"mime"
	"strings"
	"testing"
	"time"
)

// TestNudgeMessageInTheReadersLanguage: the reminder is written in the
// language the client opted in with, its crisis line too (each country's
// numbers by name, the emergency number); a client who opted in before the
// language was kept gets Dutch and English.
func TestNudgeMessageInTheReadersLanguage(t *testing.T) {
	crisis := newScorer(t, nil, time.Now)
	tests := []struct {
		lang       string
		want, not  []string
		subject    string
		contentLng string
	}{
		{"nl", []string{"Hallo,", "https://h.example/nl/selfhelp", "Hulp nodig? België: 1813 · Nederland: 113 of 0800-0113 · Noodgeval: 112", "Geen e-mails meer?"},
			[]string{"Hello", "/en/selfhelp", "Need help", "Emergency", "Belgium"}, "Haven: even aan je denken", "nl"},
		{"en", []string{"Hello,", "https://h.example/en/selfhelp", "Need help now? Belgium: 1813 · Netherlands: 113 or 0800-0113 · Emergency: 112", "No more e-mails?"},
			[]string{"Hallo", "/nl/selfhelp", "Hulp nodig", "Noodgeval", "België"}, "Haven: thinking of you", "en"},
		{"", []string{"Hallo,", "Hello,", "Hulp nodig? België: 1813", "Need help now? Belgium: 1813", "/nl/selfhelp", "/en/selfhelp"},
			nil, "Haven: even aan je denken / Haven: thinking of you", "nl, en"},
	}
	for _, tt := range tests {
		msg := string(NudgeMessage("haven@example.org", "c@example.org", "https://h.example", tt.lang, crisis, time.Now()))
		head, body, _ := strings.Cut(msg, "\r\n\r\n")
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%q: body lacks %q:\n%s", tt.lang, w, body)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(body, n) {
				t.Errorf("%q: body has %q:\n%s", tt.lang, n, body)
			}
		}
		if dec, err := new(mime.WordDecoder).DecodeHeader(header(head, "Subject")); err != nil || dec != tt.subject {
			t.Errorf("%q: subject %q (%v), want %q", tt.lang, dec, err, tt.subject)
		}
		if got := header(head, "Content-Language"); got != tt.contentLng {
			t.Errorf("%q: Content-Language %q", tt.lang, got)
		}
	}
}

func header(head, name string) string {
	for _, line := range strings.Split(head, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return v
		}
	}
	return ""
}
