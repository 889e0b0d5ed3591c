package selftest

import (
	"context"
	"fmt"
	"time"
)

// Record is one questionnaire a person answered, wherever it is kept: a
// self-test they claimed into their account, a course questionnaire, or a
// measurement of the guided trajectory. Each domain that keeps
// questionnaires hands its own out as Records (for the FHIR export), in
// the self-test's vocabulary of instruments and answers.
type Record struct {
	// Source names the domain that keeps it (the Source constants), and
	// ID the record within it; together they are unique and stable.
	Source string
	ID     string
	// Point is where in a course or trajectory it was taken ("" for a
	// self-test).
	Point      string
	Instrument string
	Language   string
	// Answers are nil when they are not kept with the record (a course
	// questionnaire from before the course kept answers, or a trajectory's
	// intake that took a claimed self-test: the answers are the
	// self-test's).
	Answers []Answer
	Score   int
	Band    string
	Crisis  bool
	TakenAt time.Time
}

// Sources of Records.
const (
	SourceSelftest = "selftest"
	SourceSelfhelp = "selfhelp"
	SourceCoaching = "coaching"
)

// ClaimedRecords returns the self-tests a user claimed into their account,
// with their answers, oldest first.
func (s *Service) ClaimedRecords(ctx context.Context, userID string) ([]Record, error) {
	subs, err := s.store.ClaimedBy(ctx, userID)
	if err != nil {
		return nil, err
	}
	sealed, err := s.store.ClaimedAnswers(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(subs))
	for i := len(subs) - 1; i >= 0; i-- { // ClaimedBy is newest first
		sub := subs[i]
		r := Record{Source: SourceSelftest, ID: sub.ID, Instrument: sub.InstrumentID, Language: sub.Language,
			Score: sub.Score, Band: sub.Band, Crisis: sub.Crisis, TakenAt: sub.CreatedAt.UTC()}
		answers := sub.Answers
		if sv, ok := sealed[sub.ID]; ok {
			plain, err := s.sealer.Open(sv, claimContext(sub.ID))
			if err != nil {
				return nil, fmt.Errorf("selftest: open claimed answers %s: %w", sub.ID, err)
			}
			answers = string(plain)
		}
		if answers != "" {
			if err := jsonUnmarshal(answers, &r.Answers); err != nil {
				return nil, fmt.Errorf("selftest: answers of claimed %s: %w", sub.ID, err)
			}
		}
		out = append(out, r)
	}
	return out, nil
}
