package coaching

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/selftest"
)

// CareClient returns whose trajectory id is, when p may see its care (the
// client, or the clinician they agreed to); otherwise ErrNotFound, and a
// staff member's attempt is written to the audit log as denied. It writes
// no entry for an access granted: the caller records what it reads.
func (s *Service) CareClient(ctx context.Context, p auth.Principal, id string) (string, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return "", err
	}
	return t.ClientID, nil
}

// QuestionnaireRecords returns the questionnaires clientID answered in
// the guided trajectories p may see the care of — every one of the
// client's own for the client, those of the trajectories they agreed to
// with this clinician for a clinician — with their answers, oldest first.
// The caller audits a staff read.
func (s *Service) QuestionnaireRecords(ctx context.Context, p auth.Principal, clientID string) ([]selftest.Record, error) {
	ts, err := s.store.TrajectoriesOf(ctx, clientID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := range ts {
		if allowed(p, &ts[i], AccessCare) {
			ids = append(ids, ts[i].ID)
		}
	}
	ms, err := s.store.measurements(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]selftest.Record, 0, len(ms))
	for _, m := range ms {
		r := selftest.Record{Source: selftest.SourceCoaching, ID: m.TrajectoryID + ":" + m.Point + ":" + m.Instrument, Point: m.Point,
			Instrument: m.Instrument, Score: m.Score, Band: m.Band, Crisis: m.Crisis, TakenAt: m.TakenAt.UTC()}
		if m.AnswersSealed != "" {
			plain, err := s.open(m.AnswersSealed, "measurement:"+m.TrajectoryID+":"+m.Point+":"+m.Instrument)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(plain), &r.Answers); err != nil {
				return nil, fmt.Errorf("coaching: decode questionnaire %s/%s: %w", m.Point, m.Instrument, err)
			}
		}
		out = append(out, r)
	}
	return out, nil
}
