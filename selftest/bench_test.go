package selftest_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/selftest"
)

// Benchmarks for the submit path (validation + scoring + insert) on each
// dialect, beside two baselines measured in the same run:
//
//   - Score: validation and scoring alone, no database;
//   - RawInsert: inserting an equally sized row with no domain logic.
//
// Submit/RawInsert on the same dialect is the cost of the domain logic on
// top of the write. PostgreSQL runs when TEST_DATABASE_URL is set. Run with
// `make bench`.

func benchDialects(b *testing.B) map[string]func(testing.TB) *db.DB {
	d := map[string]func(testing.TB) *db.DB{
		"sqlite": func(t testing.TB) *db.DB { return dbtest.Migrated(t, dbtest.OpenSQLite(t)) },
	}
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		d["postgres"] = func(t testing.TB) *db.DB { return dbtest.Migrated(t, dbtest.OpenPostgres(t, u)) }
	} else {
		b.Log("TEST_DATABASE_URL not set: PostgreSQL benchmarks not run")
	}
	return d
}

func benchAnswers() []selftest.Answer {
	return phqAnswers(1, 2, 0, 3, 1, 0, 2, 1, 0)
}

func BenchmarkScore(b *testing.B) {
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	in, _ := catalog.Instrument("phq9")
	answers := benchAnswers()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := selftest.Score(in, answers); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubmit(b *testing.B) {
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	for name, open := range benchDialects(b) {
		b.Run(name, func(b *testing.B) {
			svc := build(b, catalog, selftest.NewStore(open(b).DB), time.Now)
			in := selftest.SubmitInput{InstrumentID: "phq9", Language: "nl", Answers: benchAnswers(),
				Profile: selftest.Profile{AgeBand: "35_44"}}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Submit(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRawInsert(b *testing.B) {
	raw, _ := json.Marshal(benchAnswers())
	age := "35_44"
	for name, open := range benchDialects(b) {
		b.Run(name, func(b *testing.B) {
			gdb := open(b).DB
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				sub := selftest.Submission{ID: uuid.NewString(), InstrumentID: "phq9", InstrumentVersion: "1", Language: "nl",
					Answers: string(raw), Score: 10, Band: "moderate", AgeBand: &age, CreatedAt: time.Now().UTC()}
				if err := gdb.WithContext(ctx).Create(&sub).Error; err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
