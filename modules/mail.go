package modules

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// SMTPMailer sends nudge e-mails through an SMTP server. The message is
// deliberately discreet: it names neither depression nor the course, since
// others may read a person's inbox; the crisis lines appear as numbers.
type SMTPMailer struct {
	server    *url.URL
	from      string
	publicURL string
	crisis    CrisisLines
}

// NewSMTPMailer parses smtp://user:pass@host:port (STARTTLS is used when
// the server offers it; smtps:// for implicit TLS). crisis gives the lines
// printed in every e-mail.
func NewSMTPMailer(rawURL, from, publicURL string, crisis CrisisLines) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("modules: HAVEN_SMTP_URL must look like smtp://user:password@host:587")
	}
	if !strings.Contains(from, "@") {
		return nil, errors.New("modules: HAVEN_MAIL_FROM must be an e-mail address")
	}
	if crisis == nil {
		return nil, errors.New("modules: the nudge e-mail needs the crisis lines")
	}
	return &SMTPMailer{server: u, from: from, publicURL: strings.TrimRight(publicURL, "/"), crisis: crisis}, nil
}

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

// SendNudge sends one nudge in lang. It never logs the address.
func (m *SMTPMailer) SendNudge(ctx context.Context, to, _, lang string) error {
	if strings.ContainsAny(to, "\r\n") {
		return errors.New("modules: invalid recipient")
	}
	host := m.server.Hostname()
	port := m.server.Port()
	if port == "" {
		port = map[string]string{"smtp": "587", "smtps": "465"}[m.server.Scheme]
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	var conn net.Conn
	var err error
	if m.server.Scheme == "smtps" {
		conn, err = tls.DialWithDialer(&d, "tcp", net.JoinHostPort(host, port), &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12})
	} else {
		conn, err = d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	}
	if err != nil {
		return fmt.Errorf("modules: smtp dial: %w", err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("modules: smtp: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && m.server.Scheme == "smtp" {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("modules: smtp starttls: %w", err)
		}
	}
	if user := m.server.User; user != nil {
		pw, _ := user.Password()
		if err := c.Auth(smtp.PlainAuth("", user.Username(), pw, host)); err != nil {
			return fmt.Errorf("modules: smtp auth: %w", err)
		}
	}
	if err := c.Mail(m.from); err != nil {
		return fmt.Errorf("modules: smtp from: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("modules: smtp recipient refused")
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("modules: smtp data: %w", err)
	}
	if _, err := w.Write(NudgeMessage(m.from, to, m.publicURL, lang, m.crisis, time.Now())); err != nil {
		return fmt.Errorf("modules: smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("modules: smtp send: %w", err)
	}
	return c.Quit()
}
