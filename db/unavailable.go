package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	moderncsqlite "modernc.org/sqlite"

	"github.com/haven-mh/haven/db/kind"
)

// Unavailable reports whether err means the database cannot serve now —
// unreachable, cut, stalled past a deadline, shutting down, full, read-only
// or locked — rather than that the statement or the data is wrong. Such an
// error says nothing about the request: it may succeed later.
//
// Every error gorm reports passes through the dialect's Translate (Haven
// opens with TranslateError), statements, BEGIN and COMMIT alike; Open
// wraps the dialects so that these errors come out as *kind.Unavailable,
// which both transports answer with 503 and Retry-After.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgUnavailable(pgErr.Code)
	}
	var sqliteErr *moderncsqlite.Error
	if errors.As(err, &sqliteErr) {
		return sqliteUnavailable(sqliteErr.Code())
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true // refused, reset, timed out, unreachable
	}
	// pgconn's own connection failures ("failed to receive message",
	// "conn closed", a lost connection lock) carry SafeToRetry.
	var pgconnErr interface{ SafeToRetry() bool }
	return errors.As(err, &pgconnErr)
}

// pgUnavailable is true for the SQLSTATEs of a database that cannot serve
// now: connection exceptions (08), insufficient resources such as a full
// disk or too many connections (53), operator intervention such as a
// shutdown or a statement_timeout (57014, 57P01-57P03), system I/O errors
// (58), a read-only transaction on a standby (25006), and the transient
// conflicts a retry resolves (40001 serialization, 40P01 deadlock, 55P03
// lock timeout).
func pgUnavailable(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"), strings.HasPrefix(code, "58"):
		return true
	}
	switch code {
	case "57014", "57P01", "57P02", "57P03", "25006", "40001", "40P01", "55P03":
		return true
	}
	return false
}

// sqliteUnavailable is true for SQLite's primary result codes of a
// database that cannot serve now: BUSY and LOCKED (after the busy
// timeout), NOMEM, READONLY, INTERRUPT (a cancelled context), IOERR, FULL
// (the disk), CANTOPEN and PROTOCOL.
func sqliteUnavailable(code int) bool {
	switch code & 0xff {
	case 5, 6, 7, 8, 9, 10, 13, 14, 15:
		return true
	}
	return false
}

// markUnavailable wraps an unavailability error as *kind.Unavailable and
// returns any other error as it is.
func markUnavailable(err error) error {
	if err == nil || !Unavailable(err) {
		return err
	}
	var u *kind.Unavailable
	if errors.As(err, &u) {
		return err
	}
	return &kind.Unavailable{Err: err}
}

// The dialects, with their error translation extended by markUnavailable.
// They embed the drivers' own dialectors, so every other method (and the
// optional interfaces gorm looks for, such as savepoints) is theirs.
type (
	postgresDialector struct{ *postgres.Dialector }
	sqliteDialector   struct{ *sqlite.Dialector }
)

func (d postgresDialector) Translate(err error) error {
	return markUnavailable(d.Dialector.Translate(err))
}

func (d sqliteDialector) Translate(err error) error {
	return markUnavailable(d.Dialector.Translate(err))
}
