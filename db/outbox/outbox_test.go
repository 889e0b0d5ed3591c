package outbox_test

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

	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/outbox"
)

// fakeSMTP is a tiny SMTP server in the test: it refuses the first
// `failures` deliveries (451 at MAIL FROM, a temporary failure), then
// accepts, keeping what was delivered.
type fakeSMTP struct {
	ln net.Listener

	mu        sync.Mutex
	failures  int
	attempts  int
	delivered []string // the DATA of each accepted message
	rcpts     []string
}

func newFakeSMTP(t *testing.T, failures int) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, failures: failures}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeSMTP) url() string { return "smtp://" + f.ln.Addr().String() }

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = io.WriteString(c, s+"\r\n") }
	say("220 fake ESMTP")
	var rcpt string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-fake")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			f.mu.Lock()
			f.attempts++
			fail := f.attempts <= f.failures
			f.mu.Unlock()
			if fail {
				say("451 4.3.0 try again later")
				continue
			}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			rcpt = strings.TrimSpace(line[len("RCPT TO:"):])
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			f.mu.Lock()
			f.delivered = append(f.delivered, b.String())
			f.rcpts = append(f.rcpts, rcpt)
			f.mu.Unlock()
			say("250 queued")
		case cmd == "RSET", cmd == "NOOP":
			say("250 ok")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func (f *fakeSMTP) counts() (attempts int, delivered []string, rcpts []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts, append([]string(nil), f.delivered...), append([]string(nil), f.rcpts...)
}

// book is the recipients' address book.
type book map[string][]string

func (b book) NotificationAddresses(_ context.Context, id string) ([]string, error) {
	return b[id], nil
}

type noOpener struct{}

func (noOpener) Open(string, string) ([]byte, error) { panic("no sealed addresses in these tests") }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestSenderRetriesThenSendsOnce: a mail server that fails twice, then
// recovers. The notification is retried only when its back-off is over
// (one minute, then two), sent once, and never again.
func TestSenderRetriesThenSendsOnce(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	server := newFakeSMTP(t, 2)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	transport, err := outbox.NewSMTP(server.url(), "haven@example.org", "https://haven.example")
	if err != nil {
		t.Fatal(err)
	}
	sender := outbox.NewSender(d.DB, outbox.ContentFree{SMTP: transport, Now: func() time.Time { return t0 }},
		book{"u1": {"client@example.org"}}, noOpener{}, quiet())
	n := &outbox.Notification{Kind: "message", RecipientID: "u1", Language: "en", Subject: "traj-1", CreatedAt: t0}
	if err := outbox.Enqueue(d.DB, n); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		at           time.Duration
		wantSent     int
		wantAttempts int // at the server so far
		wantOutcome  string
	}{
		{0, 0, 1, outbox.OutcomePending},                              // 451: retry after 1 min
		{30 * time.Second, 0, 1, outbox.OutcomePending},               // back-off not over: not tried
		{time.Minute, 0, 2, outbox.OutcomePending},                    // 451 again: retry after 2 min
		{2*time.Minute + 59*time.Second, 0, 2, outbox.OutcomePending}, // still waiting
		{3 * time.Minute, 1, 3, outbox.OutcomeSent},                   // the server recovered
		{time.Hour, 0, 3, outbox.OutcomeSent},                         // nothing left to send
	}
	for _, st := range steps {
		sent, err := sender.Run(ctx, t0.Add(st.at))
		if err != nil {
			t.Fatalf("at +%s: %v", st.at, err)
		}
		attempts, _, _ := server.counts()
		sts, err := outbox.Statuses(ctx, d.DB, "traj-1")
		if err != nil {
			t.Fatal(err)
		}
		if sent != st.wantSent || attempts != st.wantAttempts || len(sts) != 1 || sts[0].Outcome != st.wantOutcome {
			t.Fatalf("at +%s: sent %d, server attempts %d, statuses %+v; want sent %d, attempts %d, outcome %s",
				st.at, sent, attempts, sts, st.wantSent, st.wantAttempts, st.wantOutcome)
		}
	}
	_, delivered, rcpts := server.counts()
	if len(delivered) != 1 || rcpts[0] != "<client@example.org>" {
		t.Fatalf("delivered %d messages to %v, want one to the client", len(delivered), rcpts)
	}
	if !strings.Contains(delivered[0], "You have a new message in Haven.") {
		t.Errorf("the message is not the content-free notification:\n%s", delivered[0])
	}
	sts, _ := outbox.Statuses(ctx, d.DB, "traj-1")
	if sts[0].Attempts != 2 || sts[0].SentAt == nil || !sts[0].SentAt.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("status %+v: want two failed attempts recorded and sent at +3m", sts[0])
	}
}

// TestSenderNeverSaysSentWhenNothingWasSent: without a mail server, or
// without an address, a notification is marked not sent, with why, and is
// not tried again.
func TestSenderNeverSaysSentWhenNothingWasSent(t *testing.T) {
	server := newFakeSMTP(t, 0)
	transport, err := outbox.NewSMTP(server.url(), "haven@example.org", "https://haven.example")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name        string
		mailer      outbox.Mailer
		recipient   string
		wantOutcome string
		wantSent    int
	}{
		{"no mail server", nil, "u1", outbox.OutcomeNoMailServer, 0},
		{"no address", outbox.ContentFree{SMTP: transport, Now: func() time.Time { return t0 }}, "nobody", outbox.OutcomeNoAddress, 0},
		{"both", outbox.ContentFree{SMTP: transport, Now: func() time.Time { return t0 }}, "u1", outbox.OutcomeSent, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := dbtest.Open(t)
			ctx := context.Background()
			sender := outbox.NewSender(d.DB, tc.mailer, book{"u1": {"a@example.org"}}, noOpener{}, quiet())
			if err := outbox.Enqueue(d.DB, &outbox.Notification{Kind: "message", RecipientID: tc.recipient, Subject: "s", CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, at := range []time.Duration{0, time.Hour, 48 * time.Hour} {
				sent, err := sender.Run(ctx, t0.Add(at))
				if err != nil {
					t.Fatal(err)
				}
				total += sent
			}
			sts, err := outbox.Statuses(ctx, d.DB, "s")
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.wantSent || len(sts) != 1 || sts[0].Outcome != tc.wantOutcome {
				t.Fatalf("sent %d, statuses %+v; want %d sent, outcome %s", total, sts, tc.wantSent, tc.wantOutcome)
			}
			if tc.wantOutcome != outbox.OutcomeSent && sts[0].SentAt != nil {
				t.Errorf("a notification not e-mailed has sent_at %v", sts[0].SentAt)
			}
		})
	}
}
