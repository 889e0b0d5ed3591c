package outbox

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
)

// SMTP delivers e-mail through a mail server: smtp://user:pass@host:587
// (STARTTLS when offered) or smtps://…:465 (implicit TLS).
type SMTP struct {
	server    *url.URL
	from      string
	publicURL string
}

// NewSMTP parses the server URL (HAVEN_SMTP_URL) and the sender address.
func NewSMTP(rawURL, from, publicURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("outbox: HAVEN_SMTP_URL must look like smtp://user:password@host:587")
	}
	if !strings.Contains(from, "@") {
		return nil, errors.New("outbox: HAVEN_MAIL_FROM must be an e-mail address")
	}
	return &SMTP{server: u, from: from, publicURL: strings.TrimRight(publicURL, "/")}, nil
}

// From is the sender address.
func (m *SMTP) From() string { return m.from }

// PublicURL is Haven's address, for links in messages.
func (m *SMTP) PublicURL() string { return m.publicURL }

// Deliver sends one message (headers and body) to one address. It never
// logs the address, and never returns the server's words about it.
func (m *SMTP) Deliver(ctx context.Context, to string, message []byte) error {
	if strings.ContainsAny(to, "\r\n") {
		return errors.New("outbox: invalid recipient")
	}
	host, port := m.server.Hostname(), m.server.Port()
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
		return fmt.Errorf("outbox: smtp dial: %w", err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("outbox: smtp: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && m.server.Scheme == "smtp" {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("outbox: smtp starttls: %w", err)
		}
	}
	if user := m.server.User; user != nil {
		pw, _ := user.Password()
		if err := c.Auth(smtp.PlainAuth("", user.Username(), pw, host)); err != nil {
			return fmt.Errorf("outbox: smtp auth: %w", err)
		}
	}
	if err := c.Mail(m.from); err != nil {
		return fmt.Errorf("outbox: smtp from: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return errors.New("outbox: smtp recipient refused")
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("outbox: smtp data: %w", err)
	}
	if _, err := w.Write(message); err != nil {
		return fmt.Errorf("outbox: smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("outbox: smtp send: %w", err)
	}
	return c.Quit()
}

// Message builds a plain-text e-mail.
func Message(from, to, subject, body string, now time.Time) []byte {
	headers := []string{
		"From: " + from,
		"To: " + to,
		"Subject: " + mime.QEncoding.Encode("utf-8", subject),
		"Date: " + now.UTC().Format(time.RFC1123Z),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"Auto-Submitted: auto-generated",
	}
	return []byte(strings.Join(headers, "\r\n") + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n") + "\r\n")
}

// texts are the content-free notifications: they say only that there is
// something in Haven, never what, since others may read a person's inbox.
var texts = map[string][2]string{ // kind → {Dutch, English}
	"message":    {"Je hebt een nieuw bericht in Haven.", "You have a new message in Haven."},
	"feedback":   {"Er staat nieuwe feedback voor je klaar in Haven.", "There is new feedback for you in Haven."},
	"assigned":   {"Er is nieuws over je aanvraag in Haven.", "There is news about your application in Haven."},
	"due":        {"Er staat een vragenlijst voor je klaar in Haven.", "A questionnaire is ready for you in Haven."},
	"ending":     {"Een begeleiding in Haven eindigt over een week.", "A trajectory in Haven ends in a week."},
	"no_contact": {"Een aanvraag in Haven is beëindigd zonder contact.", "An application in Haven ended without contact."},
}

// Kinds lists the notification kinds Mailer can send.
func Kinds() []string {
	out := make([]string, 0, len(texts))
	for k := range texts {
		out = append(out, k)
	}
	return out
}

// ContentFree sends the outbox's notifications through SMTP with a link
// to Haven and nothing else: in the person's language when it is known
// ("nl" or "en"), else in both.
type ContentFree struct {
	SMTP *SMTP
	Now  func() time.Time
}

// crisisLine closes every notification, in each language.
var crisisLine = [2]string{
	"Hulp nodig? België: 1813 · Nederland: 113 of 0800-0113 · Noodgeval: 112",
	"Need help now? Belgium: 1813 · Netherlands: 113 or 0800-0113 · Emergency: 112",
}

// Body is the text of a notification of kind in lang ("nl", "en", or ""
// for both), linking to Haven at publicURL.
func Body(kind, lang, publicURL string) (string, error) {
	t, ok := texts[kind]
	if !ok {
		return "", fmt.Errorf("outbox: unknown kind %q", kind)
	}
	nl := []string{"Hallo,", "", t[0], publicURL + "/nl/account", ""}
	en := []string{"Hello,", "", t[1], publicURL + "/en/account", ""}
	var lines []string
	switch lang {
	case "nl":
		lines = append(nl, crisisLine[0])
	case "en":
		lines = append(en, crisisLine[1])
	default:
		lines = append(append(nl, en...), crisisLine[0], crisisLine[1])
	}
	return strings.Join(lines, "\n"), nil
}

// Send implements Mailer.
func (m ContentFree) Send(ctx context.Context, to, kind, lang string) error {
	body, err := Body(kind, lang, m.SMTP.PublicURL())
	if err != nil {
		return err
	}
	return m.SMTP.Deliver(ctx, to, Message(m.SMTP.From(), to, "Haven", body, m.Now()))
}
