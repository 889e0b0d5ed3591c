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
)

// SMTPMailer sends nudge e-mails through an SMTP server. The message is
// deliberately discreet: it names neither depression nor the course, since
// others may read a person's inbox.
type SMTPMailer struct {
	server    *url.URL
	from      string
	publicURL string
}

// NewSMTPMailer parses smtp://user:pass@host:port (STARTTLS is used when
// the server offers it; smtps:// for implicit TLS).
func NewSMTPMailer(rawURL, from, publicURL string) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("modules: HAVEN_SMTP_URL must look like smtp://user:password@host:587")
	}
	if !strings.Contains(from, "@") {
		return nil, errors.New("modules: HAVEN_MAIL_FROM must be an e-mail address")
	}
	return &SMTPMailer{server: u, from: from, publicURL: strings.TrimRight(publicURL, "/")}, nil
}

// NudgeMessage builds the nudge e-mail (headers and body) in nl and en.
func NudgeMessage(from, to, publicURL string, now time.Time) []byte {
	subject := mime.QEncoding.Encode("utf-8", "Haven: even aan je denken / thinking of you")
	body := strings.Join([]string{
		"Hallo,",
		"",
		"Het is een week geleden dat je in Haven was. Je kunt verdergaan waar je gebleven was, wanneer het jou past:",
		publicURL + "/nl/selfhelp",
		"",
		"Hello,",
		"",
		"It has been a week since you were last in Haven. You can carry on where you left off, whenever it suits you:",
		publicURL + "/en/selfhelp",
		"",
		"Need help now? Belgium: 1813 · Netherlands: 113 or 0800-0113 · Emergency: 112",
		"",
		"Geen e-mails meer? Verwijder je adres bij je cursus. / No more e-mails? Remove your address in your course.",
	}, "\r\n")
	headers := []string{
		"From: " + from,
		"To: " + to,
		"Subject: " + subject,
		"Date: " + now.UTC().Format(time.RFC1123Z),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"Auto-Submitted: auto-generated",
	}
	return []byte(strings.Join(headers, "\r\n") + "\r\n\r\n" + body + "\r\n")
}

// SendNudge sends one nudge. It never logs the address.
func (m *SMTPMailer) SendNudge(ctx context.Context, to, _, _ string) error {
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
	if _, err := w.Write(NudgeMessage(m.from, to, m.publicURL, time.Now())); err != nil {
		return fmt.Errorf("modules: smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("modules: smtp send: %w", err)
	}
	return c.Quit()
}
