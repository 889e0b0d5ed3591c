package modules

import (
	"bufio"
	"context"
	"mime"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeSMTP is a minimal SMTP server on loopback that records one message.
func fakeSMTP(t *testing.T) (addr string, got chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		say := func(s string) { conn.Write([]byte(s + "\r\n")) }
		say("220 fake ESMTP")
		var msg strings.Builder
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if inData {
				if line == ".\r\n" {
					inData = false
					got <- msg.String()
					say("250 queued")
					continue
				}
				msg.WriteString(line)
				continue
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				say("250 fake")
			case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
				say("250 ok")
			case cmd == "DATA":
				inData = true
				say("354 go ahead")
			case cmd == "QUIT":
				say("221 bye")
				return
			default:
				say("250 ok")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestSMTPMailerSendsDiscreetNudge(t *testing.T) {
	addr, got := fakeSMTP(t)
	m, err := NewSMTPMailer("smtp://"+addr, "haven@example.org", "https://haven.example/", newScorer(t, nil, time.Now))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SendNudge(context.Background(), "client@example.org", "Lift your mood", "en"); err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-got:
		for _, want := range []string{"To: client@example.org", "https://haven.example/en/selfhelp", "112", "Need help now?"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message lacks %q:\n%s", want, msg)
			}
		}
		for _, never := range []string{"depress", "Depress", "Lift your mood", "Zelfmoord", "suicide"} {
			if strings.Contains(msg, never) {
				t.Errorf("message reveals %q", never)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message received")
	}
	if err := m.SendNudge(context.Background(), "a@b.c\r\nBcc: x@y.z", "", ""); err == nil {
		t.Error("header injection accepted")
	}
}

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

func TestNewSMTPMailerValidates(t *testing.T) {
	for _, u := range []string{"", "http://host", "smtp://", "::"} {
		if _, err := NewSMTPMailer(u, "a@b.c", "", newScorer(t, nil, time.Now)); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if _, err := NewSMTPMailer("smtp://host:25", "nobody", "", newScorer(t, nil, time.Now)); err == nil {
		t.Error("bad from accepted")
	}
	if _, err := NewSMTPMailer("smtp://host:25", "a@b.c", "", nil); err == nil {
		t.Error("a mailer without crisis lines accepted")
	}
}
