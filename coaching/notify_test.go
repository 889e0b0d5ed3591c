package coaching_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db/outbox"
)

// sentMail records what a mailer was asked to send.
type sentMail struct {
	mu   sync.Mutex
	sent []string // "to kind lang"
}

func (m *sentMail) Send(_ context.Context, to, kind, lang string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+" "+kind+" "+lang)
	return nil
}

// TestNotificationsInTheClientsLanguage: the language a client applied in
// is kept with their address, and their notifications are written in it
// alone.
func TestNotificationsInTheClientsLanguage(t *testing.T) {
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	pp := newPeople(t, clock)
	cs := pp.svcs.Coaching
	mail := &sentMail{}
	sender := outbox.NewSender(pp.svcs.DB.DB, mail, auth.NewStore(pp.svcs.DB.DB), pp.svcs.Sealer, slog.New(slog.NewTextHandler(io.Discard, nil)))

	tests := []struct {
		client   auth.Principal
		language string
		email    string
		want     string // the language of the e-mail
	}{
		{pp.client, "nl", "an@example.org", "nl"},
		{pp.other, "en", "bo@example.org", "en"},
	}
	for _, tt := range tests {
		tr, _, err := cs.Apply(ctx, tt.client, coaching.Application{Language: tt.language, PHQ9: phq9(1, 1, 1, 1, 1, 1, 1, 1, 0),
			Hopes: "Rust", Reachable: "'s Avonds", Email: tt.email})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Assign(ctx, pp.coord, tr.ID, pp.doc.UserID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sender.Run(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(mail.sent, "\n")
	for _, tt := range tests {
		if want := fmt.Sprintf("%s %s %s", tt.email, coaching.NotifyAssigned, tt.want); !strings.Contains(got, want) {
			t.Errorf("sent:\n%s\nwant %q", got, want)
		}
	}
	if len(mail.sent) != len(tests) {
		t.Errorf("sent %d e-mails, want %d:\n%s", len(mail.sent), len(tests), got)
	}

	// The text in one language has that language's words and crisis line
	// only; without a language, both.
	for _, tc := range []struct {
		lang        string
		has, hasNot []string
	}{
		{"nl", []string{"Er is nieuws over je aanvraag in Haven.", "/nl/account", "Hulp nodig?"}, []string{"Hello", "/en/account", "Need help now?"}},
		{"en", []string{"There is news about your application in Haven.", "/en/account", "Need help now?"}, []string{"Hallo", "/nl/account", "Hulp nodig?"}},
		{"", []string{"Er is nieuws over je aanvraag", "There is news about your application", "Hulp nodig?", "Need help now?"}, nil},
	} {
		body, err := outbox.Body(coaching.NotifyAssigned, tc.lang, "https://haven.example")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tc.has {
			if !strings.Contains(body, s) {
				t.Errorf("%q body lacks %q:\n%s", tc.lang, s, body)
			}
		}
		for _, s := range tc.hasNot {
			if strings.Contains(body, s) {
				t.Errorf("%q body has %q:\n%s", tc.lang, s, body)
			}
		}
	}
}
