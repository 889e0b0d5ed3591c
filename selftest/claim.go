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

	"github.com/haven-mh/haven/audit"
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

// Claim links a submission to an account once it is claimed. A claimed
// submission's answers move here, sealed: linked to a person they are that
// person's health data (the anonymous row keeps its score, band and crisis
// flag for the counts, and no answers).
type Claim struct {
	SubmissionID  string `gorm:"primaryKey"`
	TokenHash     string
	ExpiresAt     time.Time
	UserID        *string
	ClaimedAt     *time.Time
	AnswersSealed *string
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
// On PostgreSQL that is one statement — a CTE inserting the submission and,
// from what it returns, the claim — so one round trip where BEGIN, two
// INSERTs and COMMIT made four; the statement is atomic by itself. SQLite
// has no INSERT inside WITH, and no round trips to save: there both inserts
// run in one transaction.
func (s *Store) CreateClaimable(ctx context.Context, sub *Submission, c *Claim) error {
	if s.db.Dialector.Name() == "postgres" {
		err := s.db.WithContext(ctx).Exec(`WITH sub AS (
				INSERT INTO selftest_submissions (id, instrument_id, instrument_version, language, answers, score, band, crisis,
					age_band, gender, region, sought_help_before, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id)
			INSERT INTO selftest_claims (submission_id, token_hash, expires_at) SELECT id, ?, ? FROM sub`,
			sub.ID, sub.InstrumentID, sub.InstrumentVersion, sub.Language, sub.Answers, sub.Score, sub.Band, sub.Crisis,
			sub.AgeBand, sub.Gender, sub.Region, sub.SoughtHelpBefore, sub.CreatedAt, c.TokenHash, c.ExpiresAt).Error
		if err != nil {
			return fmt.Errorf("selftest: insert submission and claim: %w", err)
		}
		return nil
	}
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
// to userID, once, before it expires; seal turns its answers into what the
// claim keeps, and the submission keeps none. It returns the submission id.
func (s *Store) ClaimSubmission(ctx context.Context, hash, userID string, now time.Time, seal func(submissionID, answers string) (string, error)) (string, error) {
	var id string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c Claim
		err := tx.Where("token_hash = ?", hash).Take(&c).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrClaimInvalid
		}
		if err != nil {
			return fmt.Errorf("selftest: load claim: %w", err)
		}
		if c.UserID != nil || !now.Before(c.ExpiresAt) {
			return ErrClaimInvalid
		}
		var sub Submission
		if err := tx.Where("id = ?", c.SubmissionID).Take(&sub).Error; err != nil {
			return fmt.Errorf("selftest: load claimed submission: %w", err)
		}
		sealed, err := seal(sub.ID, sub.Answers)
		if err != nil {
			return err
		}
		res := tx.Model(&Claim{}).Where("submission_id = ? AND user_id IS NULL", c.SubmissionID).
			Updates(map[string]any{"user_id": userID, "claimed_at": now, "answers_sealed": sealed})
		if res.Error != nil {
			return fmt.Errorf("selftest: claim: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrClaimInvalid
		}
		if err := tx.Model(&Submission{}).Where("id = ?", c.SubmissionID).Update("answers", "").Error; err != nil {
			return fmt.Errorf("selftest: claim: forget answers: %w", err)
		}
		id = c.SubmissionID
		return nil
	})
	return id, err
}

// ClaimedAnswers returns the sealed answers of a user's claimed
// submissions, by submission id.
func (s *Store) ClaimedAnswers(ctx context.Context, userID string) (map[string]string, error) {
	var claims []Claim
	if err := s.db.WithContext(ctx).Where("user_id = ? AND answers_sealed IS NOT NULL", userID).Find(&claims).Error; err != nil {
		return nil, fmt.Errorf("selftest: claimed answers: %w", err)
	}
	out := make(map[string]string, len(claims))
	for _, c := range claims {
		out[c.SubmissionID] = *c.AnswersSealed
	}
	return out, nil
}

// SealLegacyClaims seals the answers of submissions claimed before claims
// kept them, moving them off the anonymous rows; it returns how many.
func (s *Store) SealLegacyClaims(ctx context.Context, seal func(submissionID, answers string) (string, error)) (int, error) {
	var claims []Claim
	if err := s.db.WithContext(ctx).Where("user_id IS NOT NULL AND answers_sealed IS NULL").Limit(10000).Find(&claims).Error; err != nil {
		return 0, fmt.Errorf("selftest: legacy claims: %w", err)
	}
	n := 0
	for _, c := range claims {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var sub Submission
			if err := tx.Where("id = ?", c.SubmissionID).Take(&sub).Error; err != nil {
				return err
			}
			sealed, err := seal(sub.ID, sub.Answers)
			if err != nil {
				return err
			}
			if err := tx.Model(&Claim{}).Where("submission_id = ?", c.SubmissionID).Update("answers_sealed", sealed).Error; err != nil {
				return err
			}
			return tx.Model(&Submission{}).Where("id = ?", sub.ID).Update("answers", "").Error
		})
		if err != nil {
			return n, fmt.Errorf("selftest: seal legacy claim %s: %w", c.SubmissionID, err)
		}
		n++
	}
	return n, nil
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

// Claim attaches the submission behind token to the actor (a client),
// sealing its answers to them, and writes it to the audit log — a refused
// token too, since guessing tokens is an attack.
func (s *Service) Claim(ctx context.Context, token string, actor audit.Actor) (*Outcome, error) {
	id := ""
	err := ErrClaimInvalid
	if token != "" && len(token) <= 128 {
		id, err = s.store.ClaimSubmission(ctx, hashClaimToken(token), actor.UserID, s.now().UTC(), s.sealAnswers)
	}
	if err != nil && !errors.Is(err, ErrClaimInvalid) {
		return nil, err
	}
	e := audit.Entry{ActorID: audit.Str(actor.UserID), ActorRole: actor.Role, SessionID: audit.Str(actor.SessionID),
		SubjectID: audit.Str(actor.UserID), Action: audit.ActionSelftestClaim, Object: "selftest_submission", RequestID: actor.RequestID,
		Outcome: audit.OutcomeSuccess}
	if err != nil {
		e.Outcome = audit.OutcomeFailure
	}
	if aerr := s.audit.Append(ctx, e); aerr != nil {
		return nil, fmt.Errorf("selftest: audit claim: %w", aerr)
	}
	if err != nil {
		return nil, err
	}
	return s.Outcome(ctx, id)
}

func claimContext(submissionID string) string { return "selftest-claim:" + submissionID }

// SealLegacyClaims seals the answers of self-tests claimed before claims
// kept them sealed (run at start-up; it does nothing once done).
func (s *Service) SealLegacyClaims(ctx context.Context) (int, error) {
	return s.store.SealLegacyClaims(ctx, s.sealAnswers)
}

func (s *Service) sealAnswers(submissionID, answers string) (string, error) {
	return s.sealer.Seal([]byte(answers), claimContext(submissionID))
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
	claimed, err := s.claimedWithAnswers(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := []ExportedSubmission{}
	for _, c := range claimed {
		sub := c.Submission
		out = append(out, ExportedSubmission{ID: sub.ID, Instrument: sub.InstrumentID, Version: sub.InstrumentVersion, Language: sub.Language,
			Answers: c.Answers, Score: sub.Score, Band: sub.Band, Crisis: sub.Crisis, CreatedAt: sub.CreatedAt.UTC()})
	}
	return out, nil
}

// claimedSubmission is a claimed self-test with its answers.
type claimedSubmission struct {
	Submission Submission
	Answers    []Answer
}

// claimedWithAnswers returns the self-tests a user claimed, newest first,
// each with its answers: the copy sealed at the claim when there is one,
// else the row's own. The export and the FHIR records both read them so.
func (s *Service) claimedWithAnswers(ctx context.Context, userID string) ([]claimedSubmission, error) {
	subs, err := s.store.ClaimedBy(ctx, userID)
	if err != nil {
		return nil, err
	}
	sealed, err := s.store.ClaimedAnswers(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]claimedSubmission, 0, len(subs))
	for _, sub := range subs {
		c := claimedSubmission{Submission: sub}
		answers := sub.Answers
		if sv, ok := sealed[sub.ID]; ok {
			plain, err := s.sealer.Open(sv, claimContext(sub.ID))
			if err != nil {
				return nil, fmt.Errorf("selftest: open claimed answers %s: %w", sub.ID, err)
			}
			answers = string(plain)
		}
		if answers != "" {
			if err := jsonUnmarshal(answers, &c.Answers); err != nil {
				return nil, fmt.Errorf("selftest: answers of claimed %s: %w", sub.ID, err)
			}
		}
		out = append(out, c)
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

// SubmissionAnswers returns the answers a submission still keeps (none
// once they were handed over to whoever it is linked to).
func (s *Service) SubmissionAnswers(ctx context.Context, submissionID string) ([]Answer, error) {
	sub, err := s.store.Submission(ctx, submissionID)
	if err != nil {
		return nil, err
	}
	if sub.Answers == "" {
		return nil, nil
	}
	var out []Answer
	if err := jsonUnmarshal(sub.Answers, &out); err != nil {
		return nil, fmt.Errorf("selftest: answers of %s: %w", submissionID, err)
	}
	return out, nil
}

// ForgetAnswers drops a submission's answers once another domain keeps
// them sealed for the person they belong to; its score stays counted.
func (s *Service) ForgetAnswers(ctx context.Context, submissionID string) error {
	return s.store.ForgetAnswers(ctx, submissionID)
}

// ForgetAnswers empties a submission's answers.
func (s *Store) ForgetAnswers(ctx context.Context, submissionID string) error {
	if err := s.db.WithContext(ctx).Model(&Submission{}).Where("id = ?", submissionID).Update("answers", "").Error; err != nil {
		return fmt.Errorf("selftest: forget answers of %s: %w", submissionID, err)
	}
	return nil
}
