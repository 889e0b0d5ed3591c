package selftest_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/selftest"
	"gorm.io/gorm"
)

// TestSubmitIsOneStatementOnPostgres: a submit stores the submission and
// its claim row with one statement on PostgreSQL (no BEGIN and COMMIT
// around two INSERTs), and with two in one transaction on SQLite; both
// rows are there, and the token claims the result.
func TestSubmitIsOneStatementOnPostgres(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	var n atomic.Int64
	count := func(*gorm.DB) { n.Add(1) }
	cb := d.DB.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("test:count", count),
		cb.Row().After("gorm:row").Register("test:count", count),
		cb.Raw().After("gorm:raw").Register("test:count", count),
		cb.Create().After("gorm:create").Register("test:count", count),
		cb.Update().After("gorm:update").Register("test:count", count),
		cb.Delete().After("gorm:delete").Register("test:count", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	store := selftest.NewStore(d.DB)
	svc := build(t, catalog, store, time.Now)
	want := map[db.Dialect]int64{db.Postgres: 1, db.SQLite: 2}[d.Dialect]
	out, err := svc.Submit(ctx, selftest.SubmitInput{InstrumentID: "phq9", Language: "en", Answers: benchAnswers(),
		Profile: selftest.Profile{AgeBand: "35_44", Gender: "woman"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != want {
		t.Errorf("%s: a submit ran %d statements, want %d", d.Dialect, got, want)
	}
	sub, err := store.Submission(ctx, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.AgeBand == nil || *sub.AgeBand != "35_44" || sub.Gender == nil || *sub.Gender != "woman" || sub.Region != nil || sub.Score != out.Score {
		t.Errorf("stored %+v", sub)
	}
	var claims int64
	if err := d.Table("selftest_claims").Where("submission_id = ? AND user_id IS NULL", out.ID).Count(&claims).Error; err != nil {
		t.Fatal(err)
	}
	if claims != 1 {
		t.Errorf("%d unclaimed claim rows, want 1", claims)
	}
}
