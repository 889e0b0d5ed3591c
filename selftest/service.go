package selftest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/haven-mh/haven/audit"
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
	// AgeBand is the profile's age band ("" when not given): a visitor
	// under 18 is shown the lines for young people too.
	AgeBand string
	Scored
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
	ClaimSubmission(ctx context.Context, hash, userID string, now time.Time, seal func(submissionID, answers string) (string, error)) (string, error)
	ClaimedAnswers(ctx context.Context, userID string) (map[string]string, error)
	SealLegacyClaims(ctx context.Context, seal func(submissionID, answers string) (string, error)) (int, error)
	ForgetAnswers(ctx context.Context, submissionID string) error
	ClaimedBy(ctx context.Context, userID string) ([]Submission, error)
	Unclaim(ctx context.Context, userID string) error
	CountClaimed(ctx context.Context) (int64, error)
}

// Service runs the self-test: it validates, scores and stores submissions,
// and tells a person their result in their language.
type Service struct {
	catalog        *Catalog
	advice         *AdviceCatalog
	crisis         *CrisisContacts
	defaultCountry string
	store          submissionStore
	sealer         Sealer
	audit          Auditor
	now            func() time.Time
}

// Auditor appends to the audit log (audit.Log); claiming a self-test is
// written there.
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) error
}

// Sealer encrypts a claimed self-test's answers (db/seal): once a result
// is linked to a person it is health data of that person.
type Sealer interface {
	Seal(plaintext []byte, context string) (string, error)
	Open(sealed, context string) ([]byte, error)
}

// Options are what a Service is built from.
type Options struct {
	Catalog *Catalog
	Advice  *AdviceCatalog
	Crisis  *CrisisContacts
	// DefaultCountry's crisis lines come first when a person has not said
	// where they are (every configured country's lines are shown then).
	DefaultCountry string
	Store          submissionStore
	Sealer         Sealer
	Audit          Auditor
	Now            func() time.Time
}

// NewService returns a self-test service.
func NewService(o Options) (*Service, error) {
	if o.Catalog == nil || o.Advice == nil || o.Crisis == nil || o.Store == nil || o.Sealer == nil || o.Audit == nil || o.Now == nil {
		return nil, errors.New("selftest: NewService needs a catalog, advice, crisis lines, a store, a sealer, the audit log and a clock")
	}
	for _, in := range o.Catalog.Instruments() {
		for _, b := range in.Bands {
			for _, code := range b.Urgent {
				if !o.Advice.HasUrgent(code) {
					return nil, fmt.Errorf("selftest: %s band %q makes %q urgent, which has no urgent texts in advice.yaml", in.ID, b.ID, code)
				}
			}
		}
	}
	o.DefaultCountry = strings.ToUpper(o.DefaultCountry)
	if o.DefaultCountry != "" && !o.Crisis.HasCountry(o.DefaultCountry) {
		return nil, fmt.Errorf("selftest: default country %q has no crisis lines", o.DefaultCountry)
	}
	return &Service{catalog: o.Catalog, advice: o.Advice, crisis: o.Crisis, defaultCountry: o.DefaultCountry, store: o.Store, sealer: o.Sealer, audit: o.Audit, now: o.Now}, nil
}

// CrisisContacts returns the deployment's crisis lines.
func (s *Service) CrisisContacts() *CrisisContacts { return s.crisis }

// Catalog returns the instruments on offer.
func (s *Service) Catalog() *Catalog { return s.catalog }

// Evaluate validates and scores answers without storing anything: for a
// questionnaire taken inside a course, which the course keeps itself.
func (s *Service) Evaluate(instrumentID, lang string, answers []Answer) (*Outcome, error) {
	return s.evaluate(SubmitInput{InstrumentID: instrumentID, Language: lang, Answers: answers})
}

func (s *Service) evaluate(in SubmitInput) (*Outcome, error) {
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
	return &Outcome{Instrument: inst, Language: lang, Scored: res, CreatedAt: s.now().UTC().Truncate(time.Second)}, nil
}

// Submit validates and scores the answers and stores the anonymous result.
func (s *Service) Submit(ctx context.Context, in SubmitInput) (*Outcome, error) {
	out, err := s.evaluate(in)
	if err != nil {
		return nil, err
	}
	inst, res, lang := out.Instrument, out.Scored, out.Language
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
		CreatedAt:         out.CreatedAt,
	}
	token := newClaimToken()
	claim := &Claim{SubmissionID: sub.ID, TokenHash: hashClaimToken(token), ExpiresAt: sub.CreatedAt.Add(ClaimTTL)}
	if err := s.store.CreateClaimable(ctx, sub, claim); err != nil {
		return nil, err
	}
	out.ID, out.ClaimToken, out.AgeBand = sub.ID, token, in.Profile.AgeBand
	return out, nil
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
	res := Rescore(inst, sub.Score, sub.Band, sub.Crisis)
	o := &Outcome{ID: sub.ID, Instrument: inst, Language: sub.Language, Scored: res, CreatedAt: sub.CreatedAt.UTC()}
	if sub.AgeBand != nil {
		o.AgeBand = *sub.AgeBand
	}
	return o, nil
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Restore rebuilds the outcome of a questionnaire scored before (and kept
// elsewhere, such as in a course): its score, band and crisis flag as they
// were given, with today's advice for that band.
func (s *Service) Restore(instrumentID, lang string, score int, band string, crisis bool, at time.Time) (*Outcome, error) {
	inst, err := s.catalog.Instrument(instrumentID)
	if err != nil {
		return nil, err
	}
	_, used := inst.Text(lang)
	return &Outcome{Instrument: inst, Language: used, Scored: Rescore(inst, score, band, crisis), CreatedAt: at.UTC()}, nil
}
