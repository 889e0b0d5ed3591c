package db_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/db/dbtest"
)

// TestUnitJoinsEveryStatement: statements made with a unit's context run
// in its transaction — a store's own Transaction as a savepoint — so they
// commit or roll back together; other contexts do not see them before the
// commit.
func TestUnitJoinsEveryStatement(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	if err := d.Exec("CREATE TABLE unit_notes (id INTEGER PRIMARY KEY, body TEXT)").Error; err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		var n int64
		if err := d.WithContext(ctx).Table("unit_notes").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	insert := func(ctx context.Context, id int) error {
		return d.WithContext(ctx).Exec("INSERT INTO unit_notes (id, body) VALUES (?, 'x')", id).Error
	}
	errNested := errors.New("nested failure")

	uctx, unit, err := d.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := insert(uctx, 1); err != nil {
		t.Fatal(err)
	}
	// A store's transaction that fails undoes only itself.
	err = d.WithContext(uctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO unit_notes (id, body) VALUES (2, 'y')").Error; err != nil {
			return err
		}
		return errNested
	})
	if !errors.Is(err, errNested) {
		t.Fatal(err)
	}
	// One that succeeds is kept until the unit decides.
	if err := d.WithContext(uctx).Transaction(func(tx *gorm.DB) error {
		return tx.Exec("INSERT INTO unit_notes (id, body) VALUES (3, 'z')").Error
	}); err != nil {
		t.Fatal(err)
	}
	var inside int64
	if err := d.WithContext(uctx).Table("unit_notes").Count(&inside).Error; err != nil || inside != 2 {
		t.Fatalf("inside the unit: %d rows (%v), want 2", inside, err)
	}
	if n := count(); n != 0 {
		t.Errorf("outside the unit before commit: %d rows, want 0", n)
	}
	if err := unit.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("after commit: %d rows, want 2", n)
	}

	uctx, unit, err = d.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := insert(uctx, 4); err != nil {
		t.Fatal(err)
	}
	if err := unit.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("after rollback: %d rows, want 2", n)
	}
}
