package selftest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/selftest"
)

func newService(t *testing.T, now time.Time) (*selftest.Service, *selftest.Store) {
	t.Helper()
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	store := selftest.NewStore(dbtest.Open(t).DB)
	return build(t, catalog, store, func() time.Time { return now }), store
}

// build makes a Service from the built-in instruments, advice and crisis
// lines on store.
func build(t testing.TB, catalog *selftest.Catalog, store *selftest.Store, now func() time.Time) *selftest.Service {
	t.Helper()
	advice, err := selftest.LoadAdvice()
	if err != nil {
		t.Fatal(err)
	}
	crisis, err := selftest.LoadCrisisContacts("")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := selftest.NewService(selftest.Options{Catalog: catalog, Advice: advice, Crisis: crisis, Store: store, Sealer: testSealer(t), Audit: &memoryAudit{}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func phqAnswers(values ...int) []selftest.Answer {
	out := make([]selftest.Answer, len(values))
	for i, v := range values {
		out[i] = selftest.Answer{Item: "phq9_" + string(rune('1'+i)), Value: v}
	}
	return out
}

// TestSubmitStoresAnonymousResult runs on SQLite, and on PostgreSQL when
// TEST_DATABASE_URL is set (always in CI).
func TestSubmitStoresAnonymousResult(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 3, 14, 5, 6, 789, time.FixedZone("CET", 3600))
	svc, store := newService(t, now)

	out, err := svc.Submit(ctx, selftest.SubmitInput{
		InstrumentID: "phq9",
		Language:     "nl",
		Answers:      phqAnswers(2, 2, 2, 2, 2, 0, 0, 0, 1),
		Profile:      selftest.Profile{AgeBand: "25_34", Region: "be_east_flanders"},
	})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if out.Score != 11 || out.Band != "moderate" || !out.Crisis || out.Advice[0] != selftest.AdviceCrisis {
		t.Fatalf("unexpected outcome %+v", out.Scored)
	}

	sub, err := store.Submission(ctx, out.ID)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if sub.InstrumentID != "phq9" || sub.InstrumentVersion != "1" || sub.Language != "nl" || sub.Score != 11 ||
		sub.Band != "moderate" || !sub.Crisis {
		t.Errorf("stored %+v", sub)
	}
	if !sub.CreatedAt.Equal(now.UTC().Truncate(time.Second)) {
		t.Errorf("created_at = %v, want %v", sub.CreatedAt, now.UTC().Truncate(time.Second))
	}
	if sub.AgeBand == nil || *sub.AgeBand != "25_34" || sub.Region == nil || *sub.Region != "be_east_flanders" {
		t.Errorf("profile not stored: %+v", sub)
	}
	if sub.Gender != nil || sub.SoughtHelpBefore != nil {
		t.Errorf("skipped profile questions must stay NULL: %+v", sub)
	}
	var stored []selftest.Answer
	if err := json.Unmarshal([]byte(sub.Answers), &stored); err != nil || len(stored) != 9 || stored[8].Value != 1 {
		t.Errorf("answers stored as %q (%v)", sub.Answers, err)
	}

	again, err := svc.Outcome(ctx, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Score != 11 || !again.Crisis || again.Advice[0] != selftest.AdviceCrisis || again.Language != "nl" {
		t.Errorf("Outcome = %+v", again)
	}
}

func TestSubmitErrors(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, time.Now())
	tests := []struct {
		name     string
		in       selftest.SubmitInput
		notFound bool
		field    string
	}{
		{"unknown instrument", selftest.SubmitInput{InstrumentID: "bdi"}, true, ""},
		{"missing answer", selftest.SubmitInput{InstrumentID: "phq9", Answers: phqAnswers(0, 0, 0)}, false, "answers.phq9_4"},
		{"bad profile", selftest.SubmitInput{InstrumentID: "phq9", Answers: phqAnswers(0, 0, 0, 0, 0, 0, 0, 0, 0), Profile: selftest.Profile{Gender: "?"}}, false, "profile.gender"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Submit(ctx, tt.in)
			if tt.notFound {
				if !errors.Is(err, selftest.ErrNotFound) {
					t.Fatalf("want ErrNotFound, got %v", err)
				}
				return
			}
			var verr *selftest.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("want ValidationError, got %v", err)
			}
			if _, ok := verr.Fields[tt.field]; !ok {
				t.Errorf("field %s not named: %v", tt.field, verr.Fields)
			}
		})
	}
	for _, id := range []string{"not-a-uuid", "00000000-0000-4000-8000-000000000000"} {
		if _, err := svc.Outcome(ctx, id); !errors.Is(err, selftest.ErrNotFound) {
			t.Errorf("Outcome(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

func TestSubmitFallsBackToDefaultLanguage(t *testing.T) {
	svc, _ := newService(t, time.Now())
	out, err := svc.Submit(context.Background(), selftest.SubmitInput{InstrumentID: "phq9", Language: "fr", Answers: phqAnswers(0, 0, 0, 0, 0, 0, 0, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Language != "en" {
		t.Errorf("language = %q, want the instrument default en", out.Language)
	}
}

func testSealer(t testing.TB) *seal.Sealer {
	t.Helper()
	s, err := seal.New([]seal.Key{{ID: "k1", Secret: bytes.Repeat([]byte{3}, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// memoryAudit keeps audit entries in memory.
type memoryAudit struct {
	mu      sync.Mutex
	entries []audit.Entry
}

func (m *memoryAudit) Append(_ context.Context, e audit.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append(m.entries, e)
	return nil
}
