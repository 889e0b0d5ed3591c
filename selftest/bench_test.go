package selftest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
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

// BenchmarkSubmitPool is the pool-size curve: 64 concurrent submitters
// (SetParallelism(32) on two cores) on PostgreSQL with pools of 2 to 20
// connections. ns/op is the inverse of throughput; p99-µs is the 99th
// percentile latency of one submit. The baseline is conns=20, the old
// default; db.DefaultMaxOpenConns (4 × cores) is chosen from this curve.
func BenchmarkSubmitPool(b *testing.B) {
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		b.Skip("TEST_DATABASE_URL not set")
	}
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	d := dbtest.Migrated(b, dbtest.OpenPostgres(b, u))
	sqlDB, err := d.DB.DB()
	if err != nil {
		b.Fatal(err)
	}
	svc := build(b, catalog, selftest.NewStore(d.DB), time.Now)
	in := selftest.SubmitInput{InstrumentID: "phq9", Language: "nl", Answers: benchAnswers(),
		Profile: selftest.Profile{AgeBand: "35_44"}}
	for _, n := range []int{2, 4, 8, 20} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			sqlDB.SetMaxOpenConns(n)
			sqlDB.SetMaxIdleConns(n)
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(32)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				var mine []time.Duration
				for pb.Next() {
					start := time.Now()
					if _, err := svc.Submit(ctx, in); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			}
		})
	}
}
