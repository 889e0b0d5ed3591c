package selftest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// SubmitInput is what a visitor sends: the answers to one instrument, in the
// language they saw it in, and an optional anonymous profile.
type SubmitInput struct {
	InstrumentID string
	Language     string
	Answers      []Answer
	Profile      Profile
}

// Outcome is a scored, stored submission.
type Outcome struct {
	ID         string
	Instrument *Instrument
	Language   string
	Result
	CreatedAt time.Time
	// ClaimToken is set only on a fresh submission: the one-time token
	// that lets the visitor attach it to an account later. Only its hash
	// is stored.
	ClaimToken string
}

// submissionStore is what the service needs from storage.
type submissionStore interface {
	CreateClaimable(ctx context.Context, sub *Submission, c *Claim) error
	Submission(ctx context.Context, id string) (*Submission, error)
	ClaimSubmission(ctx context.Context, hash, userID string, now time.Time) (string, error)
	ClaimedBy(ctx context.Context, userID string) ([]Submission, error)
	Unclaim(ctx context.Context, userID string) error
	CountClaimed(ctx context.Context) (int64, error)
}

// Service runs the self-test: it validates, scores and stores submissions.
type Service struct {
	catalog *Catalog
	store   submissionStore
	now     func() time.Time
}

// NewService returns a self-test service.
func NewService(catalog *Catalog, store submissionStore, now func() time.Time) *Service {
	return &Service{catalog: catalog, store: store, now: now}
}

// Catalog returns the instruments on offer.
func (s *Service) Catalog() *Catalog { return s.catalog }

// Submit validates and scores the answers and stores the anonymous result.
func (s *Service) Submit(ctx context.Context, in SubmitInput) (*Outcome, error) {
	inst, err := s.catalog.Instrument(in.InstrumentID)
	if err != nil {
		return nil, err
	}
	res, err := Score(inst, in.Answers)
	verr, _ := err.(*ValidationError)
	if err != nil && verr == nil {
		return nil, err
	}
	if verr == nil {
		verr = newValidationError()
	}
	in.Profile.validate(verr)
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	_, lang := inst.Text(in.Language)
	answers, err := json.Marshal(in.Answers)
	if err != nil {
		return nil, fmt.Errorf("selftest: encode answers: %w", err)
	}
	sub := &Submission{
		ID:                uuid.NewString(),
		InstrumentID:      inst.ID,
		InstrumentVersion: inst.Version,
		Language:          lang,
		Answers:           string(answers),
		Score:             res.Score,
		Band:              res.Band,
		Crisis:            res.Crisis,
		AgeBand:           optional(in.Profile.AgeBand),
		Gender:            optional(in.Profile.Gender),
		Region:            optional(in.Profile.Region),
		SoughtHelpBefore:  optional(in.Profile.SoughtHelpBefore),
		CreatedAt:         s.now().UTC().Truncate(time.Second),
	}
	token := newClaimToken()
	claim := &Claim{SubmissionID: sub.ID, TokenHash: hashClaimToken(token), ExpiresAt: sub.CreatedAt.Add(ClaimTTL)}
	if err := s.store.CreateClaimable(ctx, sub, claim); err != nil {
		return nil, err
	}
	return &Outcome{ID: sub.ID, Instrument: inst, Language: lang, Result: res, CreatedAt: sub.CreatedAt, ClaimToken: token}, nil
}

// Outcome returns a stored result by its id. The id is a random UUID that
// only the visitor who submitted the test has seen.
func (s *Service) Outcome(ctx context.Context, id string) (*Outcome, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, fmt.Errorf("selftest: submission %q: %w", id, ErrNotFound)
	}
	sub, err := s.store.Submission(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.outcomeOf(sub)
}

func (s *Service) outcomeOf(sub *Submission) (*Outcome, error) {
	inst, err := s.catalog.Instrument(sub.InstrumentID)
	if err != nil {
		return nil, err
	}
	// Keep the stored score, band and crisis flag as they were given; the
	// advice for that band comes from today's instrument file.
	res := Result{Score: sub.Score, MaxScore: inst.MaxScore(), Band: sub.Band, Crisis: sub.Crisis}
	for _, b := range inst.Bands {
		if b.ID == sub.Band {
			res.Advice = append(res.Advice, b.Advice...)
		}
	}
	if res.Crisis {
		res.Advice = append([]string{AdviceCrisis}, res.Advice...)
	}
	return &Outcome{ID: sub.ID, Instrument: inst, Language: sub.Language, Result: res, CreatedAt: sub.CreatedAt.UTC()}, nil
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
