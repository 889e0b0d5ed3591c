package wire_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/db/outbox"
)

// mailbox is a tiny SMTP server in the test that accepts every message.
type mailbox struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func newMailbox(t *testing.T) *mailbox {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &mailbox{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go m.serve(c)
		}
	}()
	return m
}

func (m *mailbox) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = io.WriteString(c, s+"\r\n") }
	say("220 mailbox")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.mu.Lock()
			m.msgs = append(m.msgs, b.String())
			m.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (m *mailbox) messages() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.msgs...)
}

// TestSelfhelpReminderGoesThroughTheOutbox: the self-help reminder e-mail
// is queued in the outbox by the nudge job and sent by the outbox-send job
// (retries, back-off, the truth about what went out), once, in the
// language the client opted in with, with the course's discreet text and
// crisis line.
func TestSelfhelpReminderGoesThroughTheOutbox(t *testing.T) {
	ctx := context.Background()
	box := newMailbox(t)
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svcs := wiretest.New(t, wiretest.WithClock(clock.Now), wiretest.WithConfig(func(c *wire.Config) {
		c.SMTPURL, c.MailFrom, c.PublicURL = "smtp://"+box.ln.Addr().String(), "haven@example.org", "https://haven.example"
	}))
	res, err := svcs.Auth.Sessions.SignUp(ctx, auth.Meta{Source: "t"}, "lapser", "lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	prog := svcs.Selfhelp.Library().Programmes()[0]
	pr, err := svcs.Selfhelp.Start(ctx, res.User.ID, prog.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := svcs.Selfhelp.SetNudgeEmail(ctx, res.User.ID, prog.ID, "lapser@example.org", "en"); err != nil {
		t.Fatal(err)
	}
	runner, err := svcs.Jobs(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	later := clock.Now().Add(8 * 24 * time.Hour)
	for range 2 { // the jobs may run again: one lapse, one e-mail
		for _, job := range []string{"selfhelp-nudges", "outbox-send"} {
			if err := runner.RunNow(ctx, job, later); err != nil {
				t.Fatal(err)
			}
		}
	}
	msgs := box.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d e-mails delivered, want 1", len(msgs))
	}
	for _, want := range []string{"To: lapser@example.org", "Hello,", "https://haven.example/en/selfhelp", "Need help now?", "Content-Language: en"} {
		if !strings.Contains(msgs[0], want) {
			t.Errorf("the reminder lacks %q:\n%s", want, msgs[0])
		}
	}
	for _, never := range []string{"depress", "Hallo", prog.ID} {
		if strings.Contains(strings.ToLower(msgs[0]), strings.ToLower(never)) {
			t.Errorf("the reminder reveals %q:\n%s", never, msgs[0])
		}
	}
	sts, err := outbox.Statuses(ctx, svcs.DB.DB, "selfhelp:"+pr.Enrolment.ID)
	if err != nil || len(sts) != 1 || sts[0].Outcome != outbox.OutcomeSent {
		t.Errorf("the outbox says %+v, %v", sts, err)
	}
}
