// Package idempotency makes a request sent again with the same
// Idempotency-Key answer what the first one answered, instead of doing it
// twice: after a lost connection, a timeout or a crash a client cannot know
// whether its self-test, sign-up or questionnaire was saved, and a retry
// must not save it again.
//
// Do runs the request in a db.Unit: what the request writes and the answer
// recorded for its key commit together. A retry therefore finds either the
// recorded answer (and gets it again, byte for byte) or nothing at all (and
// runs); there is no "saved but not recorded". A duplicate sent while the
// first is still running waits for it (on the key's row in PostgreSQL, on
// the write lock in SQLite) and then gets its answer. A key sent again with
// a different request is refused with idempotency_key_reused.
//
// Only successful answers are recorded (2xx, or a web form's redirect to
// what it created): a refused or failed request changed nothing a retry
// could duplicate, so its key stays free. Keys live
// 24 hours (the idempotency-expire job deletes them); the key is kept only
// as a hash with its scope, and the answer and the request's fingerprint
// are sealed, since an answer may hold a score or a token.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/kind"
	"github.com/haven-mh/haven/db/seal"
)

// TTL is how long an answer is kept for a retry.
const TTL = 24 * time.Hour

// MaxKeyLength bounds a client's key.
const MaxKeyLength = 200

// CodeKeyReused is the conflict code of a key sent again with another
// request.
const CodeKeyReused = "idempotency_key_reused"

// ErrKeyReused: the key was used, within its 24 hours, for another request
// (another body, path or caller).
var ErrKeyReused = &kind.Conflict{Domain: "idempotency", Code: CodeKeyReused,
	Message: "this Idempotency-Key was used for another request"}

// Request identifies a request sent with a key.
type Request struct {
	// Route is the route template ("POST /api/v1/auth/signup"); Caller the
	// principal's user id, "" when anonymous. A key is scoped by both.
	Route, Caller string
	Key           string
	// Fingerprint covers what the request asks (method, path, query, body):
	// the same key with another fingerprint is refused.
	Fingerprint []byte
}

// Response is a recorded answer.
type Response struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header,omitempty"`
	Body   []byte            `json:"body,omitempty"`
}

type row struct {
	KeyHash   string `gorm:"primaryKey"`
	Route     string
	UserID    *string
	Sealed    string
	KeyID     string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (row) TableName() string { return "idempotency_keys" }

// record is what is sealed: the request's fingerprint and the answer.
type record struct {
	Fingerprint []byte   `json:"fingerprint"`
	Response    Response `json:"response"`
}

// Store keeps the answers.
type Store struct {
	db     *db.DB
	sealer *seal.Sealer
	now    func() time.Time
}

// New returns a store on d; sealer seals the answers.
func New(d *db.DB, sealer *seal.Sealer, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, sealer: sealer, now: now}
}

func keyHash(r Request) string {
	h := sha256.New()
	for _, part := range []string{r.Route, r.Caller, r.Key} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Do answers r: with the answer recorded for its key (replayed true), or
// by running fn in a unit whose context fn must use for every query, and
// recording fn's answer when it succeeded. An error means nothing was done
// or recorded (an unavailable database is *kind.Unavailable: the client
// retries with the same key), or ErrKeyReused.
func (s *Store) Do(ctx context.Context, r Request, fn func(ctx context.Context) Response) (Response, bool, error) {
	uctx, unit, err := s.db.Begin(ctx)
	if err != nil {
		return Response{}, false, fmt.Errorf("idempotency: %w", err)
	}
	defer unit.Rollback() //nolint:errcheck // after a commit it does nothing
	hash, now := keyHash(r), s.now().UTC()
	q := s.db.WithContext(uctx)
	claim := &row{KeyHash: hash, Route: r.Route, CreatedAt: now, ExpiresAt: now.Add(TTL)}
	if r.Caller != "" {
		claim.UserID = &r.Caller
	}
	// Claim the key. A concurrent request with the same key holds it until
	// it commits or rolls back; this waits for that.
	res := q.Clauses(clause.OnConflict{DoNothing: true}).Create(claim)
	if res.Error != nil {
		return Response{}, false, fmt.Errorf("idempotency: claim: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		// Expired: the key is free again. The condition is checked again
		// under the row's lock, so of two requests renewing it one wins
		// and the other gets its answer.
		renew := q.Model(&row{}).Where("key_hash = ? AND expires_at <= ?", hash, now).
			Updates(map[string]any{"sealed": "", "key_id": "", "created_at": now, "expires_at": now.Add(TTL)})
		if renew.Error != nil {
			return Response{}, false, fmt.Errorf("idempotency: renew key: %w", renew.Error)
		}
		if renew.RowsAffected == 0 {
			var prev row
			err := q.Where("key_hash = ?", hash).Take(&prev).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				// A concurrent request with the key was refused and let it
				// go: this one may simply be sent again.
				return Response{}, false, &kind.Unavailable{Err: errors.New("idempotency: the key was released while this request waited for it")}
			}
			if err != nil {
				return Response{}, false, fmt.Errorf("idempotency: read key: %w", err)
			}
			rec, err := s.open(prev)
			if err != nil {
				return Response{}, false, err
			}
			if !bytes.Equal(rec.Fingerprint, r.Fingerprint) {
				return Response{}, false, ErrKeyReused
			}
			return rec.Response, true, nil
		}
	}

	resp := fn(uctx)
	switch {
	case resp.Status >= 200 && resp.Status < 400:
		b, err := json.Marshal(record{Fingerprint: r.Fingerprint, Response: resp})
		if err != nil {
			return Response{}, false, fmt.Errorf("idempotency: %w", err)
		}
		sealed, err := s.sealer.Seal(b, "idempotency:"+hash)
		if err != nil {
			return Response{}, false, fmt.Errorf("idempotency: %w", err)
		}
		if err := q.Model(&row{}).Where("key_hash = ?", hash).
			Updates(map[string]any{"sealed": sealed, "key_id": seal.KeyID(sealed)}).Error; err != nil {
			return Response{}, false, fmt.Errorf("idempotency: record answer: %w", err)
		}
		if err := unit.Commit(); err != nil {
			// Nothing was saved, or all of it was: a retry with the key
			// finds out which.
			return Response{}, false, fmt.Errorf("idempotency: %w", err)
		}
	case resp.Status < 500:
		// Refused: release the key and keep what the request wrote (as
		// without a key). A PostgreSQL transaction a failed statement
		// aborted cannot commit; then nothing is kept, which the answer
		// (a refusal) already says.
		if err := q.Where("key_hash = ?", hash).Delete(&row{}).Error; err == nil {
			_ = unit.Commit()
		}
	}
	// A 5xx rolls back (deferred): nothing of it stays.
	return resp, false, nil
}

func (s *Store) open(r row) (*record, error) {
	if r.Sealed == "" {
		return nil, errors.New("idempotency: a claimed key without an answer")
	}
	b, err := s.sealer.Open(r.Sealed, "idempotency:"+r.KeyHash)
	if err != nil {
		return nil, fmt.Errorf("idempotency: open answer: %w", err)
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("idempotency: answer: %w", err)
	}
	return &rec, nil
}

// Expire deletes the keys whose 24 hours are over (the idempotency-expire
// job, hourly).
func (s *Store) Expire(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", now.UTC()).Delete(&row{})
	if res.Error != nil {
		return 0, fmt.Errorf("idempotency: expire: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// SealedKeyIDs lists the encryption key ids the recorded answers are
// sealed with (checked at start-up with every other sealed column).
func (s *Store) SealedKeyIDs(ctx context.Context) ([]string, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&row{}).Distinct("key_id").Where("sealed <> ''").Pluck("key_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("idempotency: sealed key ids: %w", err)
	}
	return ids, nil
}

// DataName, ExportUser and EraseUser make the recorded answers of a
// signed-in client part of their data export and erasure.
func (s *Store) DataName() string { return "retry_answers" }

// RememberedRequest is what an export shows of a recorded answer: the
// answer itself is already in the rest of the export.
type RememberedRequest struct {
	Route     string    `json:"route"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ExportUser lists the caller's requests whose answers are kept for a
// retry.
func (s *Store) ExportUser(ctx context.Context, userID string) (any, error) {
	var rows []row
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("idempotency: export: %w", err)
	}
	out := []RememberedRequest{}
	for _, r := range rows {
		out = append(out, RememberedRequest{Route: r.Route, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()})
	}
	return out, nil
}

// EraseUser deletes the answers recorded for the user's requests.
func (s *Store) EraseUser(ctx context.Context, userID string) error {
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&row{}).Error; err != nil {
		return fmt.Errorf("idempotency: erase: %w", err)
	}
	return nil
}
