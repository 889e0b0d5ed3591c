package selftest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/haven-mh/haven/db"
	"gorm.io/gorm"
)

// Submission is one stored, anonymous self-test. It deliberately has no
// column that could identify the visitor: no IP address, no user agent, no
// cookie or session, no account.
type Submission struct {
	ID                string `gorm:"primaryKey"`
	InstrumentID      string
	InstrumentVersion string
	Language          string
	Answers           string // JSON array of Answer
	Score             int
	Band              string
	Crisis            bool
	AgeBand           *string
	Gender            *string
	Region            *string
	SoughtHelpBefore  *string
	CreatedAt         time.Time
}

// TableName is the table created by the migrations.
func (Submission) TableName() string { return "selftest_submissions" }

// Store persists submissions. It is the only code in this package that
// touches the database.
type Store struct {
	db *gorm.DB
}

// NewStore returns a store on db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// Submission returns the submission with id, or ErrNotFound.
func (s *Store) Submission(ctx context.Context, id string) (*Submission, error) {
	var sub Submission
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&sub).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("selftest: submission %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("selftest: load submission %s: %w", id, err)
	}
	return &sub, nil
}

// SealedKeyIDs lists the encryption key ids of the sealed answers kept
// with claimed self-tests.
func (s *Store) SealedKeyIDs(ctx context.Context) ([]string, error) {
	return db.SealedKeyIDsIn(ctx, s.db, db.SealedColumn{Table: "selftest_claims", Column: "answers_sealed"})
}
