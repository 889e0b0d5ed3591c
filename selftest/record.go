package selftest

import (
	"context"
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
	claimed, err := s.claimedWithAnswers(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(claimed))
	for i := len(claimed) - 1; i >= 0; i-- { // newest first
		sub := claimed[i].Submission
		out = append(out, Record{Source: SourceSelftest, ID: sub.ID, Instrument: sub.InstrumentID, Language: sub.Language,
			Answers: claimed[i].Answers, Score: sub.Score, Band: sub.Band, Crisis: sub.Crisis, TakenAt: sub.CreatedAt.UTC()})
	}
	return out, nil
}
