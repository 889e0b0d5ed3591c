package modules

import (
	"bufio"
	"context"
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
	m, err := NewSMTPMailer("smtp://"+addr, "haven@example.org", "https://haven.example/")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SendNudge(context.Background(), "client@example.org", "Lift your mood", "en"); err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-got:
		for _, want := range []string{"To: client@example.org", "https://haven.example/nl/selfhelp", "https://haven.example/en/selfhelp", "112"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message lacks %q:\n%s", want, msg)
			}
		}
		for _, never := range []string{"depress", "Depress", "Lift your mood"} {
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

func TestNewSMTPMailerValidates(t *testing.T) {
	for _, u := range []string{"", "http://host", "smtp://", "::"} {
		if _, err := NewSMTPMailer(u, "a@b.c", ""); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if _, err := NewSMTPMailer("smtp://host:25", "nobody", ""); err == nil {
		t.Error("bad from accepted")
	}
}
