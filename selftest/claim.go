package selftest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/db/kind"
)

// A self-test stays anonymous unless the visitor chooses otherwise. With
// each result comes a one-time claim token that only the visitor's browser
// keeps; only its hash is stored. A visitor who later signs up (or in) may
// present it to attach that result to their pseudonymous account, so one
// identity can follow them from self-test to self-help and guided care.
// Until then nothing links the submission to anyone.

// ClaimTTL is how long a claim token can be used.
const ClaimTTL = 30 * 24 * time.Hour

// ErrClaimInvalid is returned for an unknown, expired or spent claim token:
// the token field is invalid.
var ErrClaimInvalid error = kind.Field("selftest", "claim_token", "is unknown, expired or already used")

// Claim links a submission to an account once it is claimed.
type Claim struct {
	SubmissionID string `gorm:"primaryKey"`
	TokenHash    string
	ExpiresAt    time.Time
	UserID       *string
	ClaimedAt    *time.Time
}

// TableName is the table created by the migrations.
func (Claim) TableName() string { return "selftest_claims" }

func newClaimToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashClaimToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// CreateClaimable inserts a submission and its (unclaimed) claim together.
func (s *Store) CreateClaimable(ctx context.Context, sub *Submission, c *Claim) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(sub).Error; err != nil {
			return fmt.Errorf("selftest: insert submission: %w", err)
		}
		if err := tx.Create(c).Error; err != nil {
			return fmt.Errorf("selftest: insert claim: %w", err)
		}
		return nil
	})
}

// ClaimSubmission attaches the submission whose claim token hashes to hash
// to userID, once, before it expires; it returns the submission id.
func (s *Store) ClaimSubmission(ctx context.Context, hash, userID string, now time.Time) (string, error) {
	var c Claim
	err := s.db.WithContext(ctx).Where("token_hash = ?", hash).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", ErrClaimInvalid
	}
	if err != nil {
		return "", fmt.Errorf("selftest: load claim: %w", err)
	}
	if c.UserID != nil || !now.Before(c.ExpiresAt) {
		return "", ErrClaimInvalid
	}
	res := s.db.WithContext(ctx).Model(&Claim{}).Where("submission_id = ? AND user_id IS NULL", c.SubmissionID).
		Updates(map[string]any{"user_id": userID, "claimed_at": now})
	if res.Error != nil {
		return "", fmt.Errorf("selftest: claim: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return "", ErrClaimInvalid
	}
	return c.SubmissionID, nil
}

// ClaimedBy returns the submissions a user has claimed, newest first.
func (s *Store) ClaimedBy(ctx context.Context, userID string) ([]Submission, error) {
	var subs []Submission
	err := s.db.WithContext(ctx).
		Where("id IN (?)", s.db.Model(&Claim{}).Select("submission_id").Where("user_id = ?", userID)).
		Order("created_at DESC").Limit(1000).Find(&subs).Error
	if err != nil {
		return nil, fmt.Errorf("selftest: claimed submissions: %w", err)
	}
	return subs, nil
}

// Unclaim deletes a user's claims: their submissions become anonymous
// again, as if never claimed (erasure keeps the anonymous counts).
func (s *Store) Unclaim(ctx context.Context, userID string) error {
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&Claim{}).Error; err != nil {
		return fmt.Errorf("selftest: unclaim: %w", err)
	}
	return nil
}

// CountClaimed counts claimed submissions (the self-test → account path).
func (s *Store) CountClaimed(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Claim{}).Where("user_id IS NOT NULL").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("selftest: count claims: %w", err)
	}
	return n, nil
}

// Claim attaches the submission behind token to userID.
func (s *Service) Claim(ctx context.Context, token, userID string) (*Outcome, error) {
	if token == "" || len(token) > 128 {
		return nil, ErrClaimInvalid
	}
	id, err := s.store.ClaimSubmission(ctx, hashClaimToken(token), userID, s.now().UTC())
	if err != nil {
		return nil, err
	}
	return s.Outcome(ctx, id)
}

// Claimed returns the outcomes a user has claimed.
func (s *Service) Claimed(ctx context.Context, userID string) ([]*Outcome, error) {
	subs, err := s.store.ClaimedBy(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]*Outcome, 0, len(subs))
	for i := range subs {
		o, err := s.outcomeOf(&subs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// ExportedSubmission is a claimed self-test in a data export.
type ExportedSubmission struct {
	ID         string    `json:"id"`
	Instrument string    `json:"instrument"`
	Version    string    `json:"version"`
	Language   string    `json:"language"`
	Answers    []Answer  `json:"answers"`
	Score      int       `json:"score"`
	Band       string    `json:"band"`
	Crisis     bool      `json:"crisis"`
	CreatedAt  time.Time `json:"created_at"`
}

// DataName names the self-test part of an account export.
func (s *Service) DataName() string { return "selftest" }

// ExportUser returns the self-tests a user has claimed, with their answers.
func (s *Service) ExportUser(ctx context.Context, userID string) (any, error) {
	subs, err := s.store.ClaimedBy(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := []ExportedSubmission{}
	for _, sub := range subs {
		e := ExportedSubmission{ID: sub.ID, Instrument: sub.InstrumentID, Version: sub.InstrumentVersion, Language: sub.Language,
			Score: sub.Score, Band: sub.Band, Crisis: sub.Crisis, CreatedAt: sub.CreatedAt.UTC()}
		if err := jsonUnmarshal(sub.Answers, &e.Answers); err != nil {
			return nil, fmt.Errorf("selftest: export answers: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// EraseUser unlinks a user's claimed self-tests, which become anonymous
// again and keep counting in the anonymous reports.
func (s *Service) EraseUser(ctx context.Context, userID string) error {
	return s.store.Unclaim(ctx, userID)
}

// CountClaimed counts self-tests attached to an account.
func (s *Service) CountClaimed(ctx context.Context) (int64, error) {
	return s.store.CountClaimed(ctx)
}
