package modules

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/seal"
)

// Saving a step answer is the hot path of self-help: every change the
// client makes is saved. BenchmarkSaveStep measures validation + sealing +
// upsert + bookmark on each dialect; BenchmarkRawUpsert, the baseline in
// the same run, is the bare upsert of an equally sized row. PostgreSQL runs
// when TEST_DATABASE_URL is set. `make bench` runs both.

func benchDatabases(b *testing.B) map[string]func(testing.TB) *db.DB {
	d := map[string]func(testing.TB) *db.DB{
		"sqlite": func(t testing.TB) *db.DB { return dbtest.Migrated(t, dbtest.OpenSQLite(t)) },
	}
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		d["postgres"] = func(t testing.TB) *db.DB { return dbtest.Migrated(t, dbtest.OpenPostgres(t, u)) }
	}
	return d
}

func benchValues() Values {
	mood := 7
	return Values{
		"story":    raw("I went for a short walk and felt a little lighter afterwards, then tired."),
		"mood":     raw(5),
		"several":  raw([]string{"x", "z"}),
		"pleasant": raw([]string{"walk", "call my sister", "music"}),
		"plan":     raw([]PlanItem{{ID: "a1", Activity: "Walk", Day: "2026-11-03", Time: "10:00", Done: true, Mood: &mood}}),
	}
}

func BenchmarkSaveStep(b *testing.B) {
	lib, err := LoadLibraryFS(fixtureFS(), knownPHQ)
	if err != nil {
		b.Fatal(err)
	}
	sealer, _ := seal.New([]seal.Key{{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)}})
	for name, open := range benchDatabases(b) {
		b.Run(name, func(b *testing.B) {
			database := open(b)
			scorer := newScorer(b, database.DB, time.Now)
			svc, err := NewService(Options{Library: lib, Store: NewStore(database.DB), Sealer: sealer,
				Scorer: scorer, Crisis: scorer, Now: time.Now})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := svc.OpenLesson(ctx, "bench", "demo", "one"); err != nil {
				b.Fatal(err)
			}
			values := benchValues()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.SaveStep(ctx, "bench", "demo", "one", "all-fields", values, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRawUpsert(b *testing.B) {
	plain, _ := json.Marshal(benchValues())
	sealer, _ := seal.New([]seal.Key{{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)}})
	sealed, _ := sealer.Seal(plain, "x")
	for name, open := range benchDatabases(b) {
		b.Run(name, func(b *testing.B) {
			st := NewStore(open(b).DB)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := st.SaveAnswer(ctx, &storedAnswer{EnrolmentID: "e", LessonID: "one", StepID: "all-fields",
					Sealed: sealed, KeyID: "k1", ProgrammeVersion: 1, UpdatedAt: time.Now()}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
