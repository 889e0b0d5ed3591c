package coaching_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/outbox"
)

// TestFiftyConcurrentRetriesOfOneSend: 50 sends of one message with one
// Idempotency-Key at once, from the client and from the clinician, on
// PostgreSQL: one message each, every answer naming it, and one
// notification to the client for the clinician's.
func TestFiftyConcurrentRetriesOfOneSend(t *testing.T) {
	dbtest.PostgresBase(t) // skipped without TEST_DATABASE_URL (failed in CI)
	ctx := context.Background()
	clock := wiretest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	pp := newPeople(t, clock)
	cs := pp.svcs.Coaching
	tr, _, err := cs.Apply(ctx, pp.client, coaching.Application{Language: "en", PHQ9: phq9(1, 1, 1, 1, 1, 1, 1, 1, 0),
		Hopes: "Rest", Reachable: "Noon", Email: "client@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Assign(ctx, pp.coord, tr.ID, pp.doc.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Consent(ctx, pp.client, tr.ID); err != nil {
		t.Fatal(err)
	}
	const n = 50
	for _, sender := range []auth.Principal{pp.client, pp.doc} {
		var wg sync.WaitGroup
		ids := make(chan string, n)
		created := make(chan bool, n)
		errs := make(chan error, n)
		start := make(chan struct{})
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				m, fresh, err := cs.Send(ctx, sender, tr.ID, "One message, sent again and again.", "key-"+string(sender.Role))
				if err != nil {
					errs <- err
					return
				}
				ids <- m.ID
				created <- fresh
			}()
		}
		close(start)
		wg.Wait()
		close(ids)
		close(created)
		close(errs)
		for err := range errs {
			t.Errorf("%s: send: %v", sender.Role, err)
		}
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		fresh := 0
		for c := range created {
			if c {
				fresh++
			}
		}
		if len(seen) != 1 || fresh != 1 {
			t.Errorf("%s: %d sends answered %d messages, %d of them as new; want one message, created once", sender.Role, n, len(seen), fresh)
		}
	}
	conv, err := cs.Messages(ctx, pp.client, tr.ID)
	if err != nil || len(conv) != 2 {
		t.Fatalf("the conversation holds %d messages (%v), want one from each side", len(conv), err)
	}
	sts, err := outbox.Statuses(ctx, pp.svcs.DB.DB, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	messages := 0
	for _, s := range sts {
		if s.Kind == coaching.NotifyMessage {
			messages++
		}
	}
	if messages != 1 {
		t.Errorf("%d message notifications to the client, want 1", messages)
	}
}
