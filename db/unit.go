package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"
)

// Unit is one database transaction that a whole use case runs in without
// knowing it: every statement made through gorm with the unit's context
// joins it, and a store's own transaction becomes a savepoint inside it.
// The idempotency middleware runs a request in a unit so that what the
// request wrote and the answer recorded for its Idempotency-Key commit
// together — a retry then finds either both or neither, never a row saved
// whose answer was lost.
//
// A unit holds one connection (on SQLite, the write lock: BEGIN IMMEDIATE)
// until Commit or Rollback, and ends with its context: the request's
// deadline bounds it.
type Unit struct {
	tx *sql.Tx

	mu         sync.Mutex
	savepoints int
}

type unitKey struct{}

func unitFrom(ctx context.Context) *Unit {
	if ctx == nil {
		return nil
	}
	u, _ := ctx.Value(unitKey{}).(*Unit)
	return u
}

// Begin opens a unit and returns the context that joins it.
func (d *DB) Begin(ctx context.Context) (context.Context, *Unit, error) {
	if unitFrom(ctx) != nil {
		return nil, nil, errors.New("db: a unit is open in this context already")
	}
	sqlDB, err := d.DB.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("db: %w", err)
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("db: begin: %w", markUnavailable(err))
	}
	u := &Unit{tx: tx}
	return context.WithValue(ctx, unitKey{}, u), u, nil
}

// Commit commits everything the unit's context wrote.
func (u *Unit) Commit() error {
	if err := u.tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", markUnavailable(err))
	}
	return nil
}

// Rollback undoes the unit; after Commit it does nothing.
func (u *Unit) Rollback() error {
	if err := u.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("db: rollback: %w", err)
	}
	return nil
}

// routingPool is the connection pool gorm uses: a statement whose context
// carries a unit runs in the unit's transaction, any other in the pool; a
// transaction begun in a unit's context is a savepoint of the unit.
type routingPool struct {
	db *sql.DB
}

var (
	_ gorm.ConnPool         = (*routingPool)(nil)
	_ gorm.ConnPoolBeginner = (*routingPool)(nil)
	_ gorm.GetDBConnector   = (*routingPool)(nil)
)

func (p *routingPool) pool(ctx context.Context) gorm.ConnPool {
	if u := unitFrom(ctx); u != nil {
		return u.tx
	}
	return p.db
}

func (p *routingPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.pool(ctx).PrepareContext(ctx, query)
}

func (p *routingPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.pool(ctx).ExecContext(ctx, query, args...)
}

func (p *routingPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.pool(ctx).QueryContext(ctx, query, args...)
}

func (p *routingPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.pool(ctx).QueryRowContext(ctx, query, args...)
}

func (p *routingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	u := unitFrom(ctx)
	if u == nil {
		return p.db.BeginTx(ctx, opts)
	}
	u.mu.Lock()
	u.savepoints++
	name := fmt.Sprintf("haven_unit_%d", u.savepoints)
	u.mu.Unlock()
	if _, err := u.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return nil, err
	}
	return &savepoint{Tx: u.tx, ctx: ctx, name: name}, nil
}

func (p *routingPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// savepoint is a store's transaction inside a unit.
type savepoint struct {
	*sql.Tx
	ctx  context.Context
	name string
}

func (s *savepoint) Commit() error {
	_, err := s.ExecContext(s.ctx, "RELEASE SAVEPOINT "+s.name)
	return err
}

func (s *savepoint) Rollback() error {
	if _, err := s.ExecContext(s.ctx, "ROLLBACK TO SAVEPOINT "+s.name); err != nil {
		return err
	}
	_, err := s.ExecContext(s.ctx, "RELEASE SAVEPOINT "+s.name)
	return err
}
