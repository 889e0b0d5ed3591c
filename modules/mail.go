package modules

import (
	"mime"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// The reminder e-mail's text. It is deliberately discreet: it names neither
// depression nor the course, since others may read a person's inbox; the
// crisis lines appear as numbers. The outbox (db/outbox, wired in
// cmd/haven/wire) sends it, with retries, as kind NudgeKind.

// NudgeKind is the outbox kind of the reminder e-mail.
const NudgeKind = "selfhelp_nudge"

// nudgeText is the nudge e-mail's text in one language.
type nudgeText struct {
	subject, hello, body, help, or, emergency, stop string
}

var nudgeTexts = map[string]nudgeText{
	"nl": {
		subject:   "Haven: even aan je denken",
		hello:     "Hallo,",
		body:      "Het is een week geleden dat je in Haven was. Je kunt verdergaan waar je gebleven was, wanneer het jou past:",
		help:      "Hulp nodig?",
		or:        " of ",
		emergency: "Noodgeval",
		stop:      "Geen e-mails meer? Verwijder je adres bij je cursus.",
	},
	"en": {
		subject:   "Haven: thinking of you",
		hello:     "Hello,",
		body:      "It has been a week since you were last in Haven. You can carry on where you left off, whenever it suits you:",
		help:      "Need help now?",
		or:        " or ",
		emergency: "Emergency",
		stop:      "No more e-mails? Remove your address in your course.",
	},
}

// crisisLine is the e-mail's one line of crisis help in lang: each
// configured country by name with its numbers, then the emergency number
// ("Hulp nodig? België: 1813 · Nederland: 113 of 0800-0113 · Noodgeval: 112").
func crisisLine(crisis CrisisLines, lang string) string {
	t := nudgeTexts[lang]
	h := crisis.CrisisHelpForAll(lang, "")
	namer := display.Regions(language.Make(lang))
	parts := []string{}
	for _, c := range h.Countries {
		name := c.Code
		if r, err := language.ParseRegion(c.Code); err == nil && namer.Name(r) != "" {
			name = namer.Name(r)
		}
		var phones []string
		for _, l := range c.Lines {
			phones = append(phones, l.Phones...)
		}
		if len(phones) > 0 {
			parts = append(parts, name+": "+strings.Join(phones, t.or))
		}
	}
	parts = append(parts, t.emergency+": "+h.Emergency)
	return t.help + " " + strings.Join(parts, " · ")
}

// NudgeMessage builds the nudge e-mail (headers and body) in lang, crisis
// lines included; with a language it has no text for (a client who opted
// in before the language was kept) it is written in Dutch and English.
func NudgeMessage(from, to, publicURL, lang string, crisis CrisisLines, now time.Time) []byte {
	langs := []string{lang}
	if _, ok := nudgeTexts[lang]; !ok {
		langs = []string{"nl", "en"}
	}
	var subjects, body []string
	for i, l := range langs {
		t := nudgeTexts[l]
		subjects = append(subjects, t.subject)
		if i > 0 {
			body = append(body, "", "--", "")
		}
		body = append(body, t.hello, "", t.body, publicURL+"/"+l+"/selfhelp", "", crisisLine(crisis, l), "", t.stop)
	}
	subject := mime.QEncoding.Encode("utf-8", strings.Join(subjects, " / "))
	contentLang := strings.Join(langs, ", ")
	headers := []string{
		"From: " + from,
		"To: " + to,
		"Subject: " + subject,
		"Date: " + now.UTC().Format(time.RFC1123Z),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"Content-Language: " + contentLang,
		"Auto-Submitted: auto-generated",
	}
	return []byte(strings.Join(headers, "\r\n") + "\r\n\r\n" + strings.Join(body, "\r\n") + "\r\n")
}
