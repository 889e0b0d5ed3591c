package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/haven-mh/haven/db"
)

// bulkWriter writes many rows of one table at a time, as fast as the
// dialect allows: PostgreSQL's COPY (pgx CopyFrom) on one connection, or
// SQLite multi-row INSERTs of sqliteBatch rows in one transaction. Values
// go through the same drivers as gorm's (time.Time, *string, bool), so the
// rows read back exactly as the domains' own writes do.
type bulkWriter struct {
	db *db.DB
	// rows counts what was written, per table.
	rows map[string]int64
}

func newBulkWriter(d *db.DB) *bulkWriter { return &bulkWriter{db: d, rows: map[string]int64{}} }

// sqliteBatch rows per INSERT: below SQLite's 32,766 parameters for the
// widest table written (coaching_trajectories, 30 columns).
const sqliteBatch = 500

// write adds rows (each with one value per column of cols) to table.
func (w *bulkWriter) write(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	var err error
	if w.db.Dialect == db.Postgres {
		err = w.copyPostgres(ctx, table, cols, rows)
	} else {
		err = w.insertBatches(ctx, table, cols, rows)
	}
	if err != nil {
		return fmt.Errorf("demo-data: write %d rows to %s: %w", len(rows), table, err)
	}
	w.rows[table] += int64(len(rows))
	return nil
}

func (w *bulkWriter) copyPostgres(ctx context.Context, table string, cols []string, rows [][]any) error {
	sqlDB, err := w.db.DB.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection (%T)", dc)
		}
		n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		if err == nil && n != int64(len(rows)) {
			err = fmt.Errorf("copied %d rows of %d", n, len(rows))
		}
		return err
	})
}

func (w *bulkWriter) insertBatches(ctx context.Context, table string, cols []string, rows [][]any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	return w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(rows); start += sqliteBatch {
			end := min(start+sqliteBatch, len(rows))
			args := make([]any, 0, (end-start)*len(cols))
			for _, r := range rows[start:end] {
				args = append(args, r...)
			}
			stmt := head + strings.TrimSuffix(strings.Repeat(one+", ", end-start), ", ")
			if err := tx.Exec(stmt, args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
