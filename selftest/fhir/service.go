package fhir

import (
	"context"
	"fmt"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/selftest"
)

// What the export needs from the domains that keep questionnaires,
// declared here so this package imports none of them.

// SelfTests are the self-tests a client claimed (selftest.Service).
type SelfTests interface {
	ClaimedRecords(ctx context.Context, userID string) ([]selftest.Record, error)
}

// Course is the self-help course's questionnaires (modules.Service).
type Course interface {
	QuestionnaireRecords(ctx context.Context, userID string) ([]selftest.Record, error)
}

// Care is the guided trajectory (coaching.Service): whose care a caller
// may see, and its questionnaires.
type Care interface {
	// CareClient returns the client of trajectory id when p may see its
	// care, else a not-found error (auditing a staff member's attempt).
	CareClient(ctx context.Context, p auth.Principal, id string) (string, error)
	// QuestionnaireRecords returns the measurements of the client's
	// trajectories whose care p may see.
	QuestionnaireRecords(ctx context.Context, p auth.Principal, clientID string) ([]selftest.Record, error)
}

// Auditor appends to the audit log.
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) error
}

// Options are what NewService needs.
type Options struct {
	Catalog   Catalog
	SelfTests SelfTests
	Course    Course
	Care      Care
	Audit     Auditor
	Now       func() time.Time
}

// Service is the FHIR export's use cases.
type Service struct {
	cat    Catalog
	tests  SelfTests
	course Course
	care   Care
	audit  Auditor
	now    func() time.Time
}

// NewService returns the export on its dependencies.
func NewService(o Options) (*Service, error) {
	if o.Catalog == nil || o.SelfTests == nil || o.Course == nil || o.Care == nil || o.Audit == nil {
		return nil, fmt.Errorf("fhir: catalog, self-tests, course, care and audit are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{cat: o.Catalog, tests: o.SelfTests, course: o.Course, care: o.Care, audit: o.Audit, now: o.Now}, nil
}

// Mine is a client's own questionnaire results — claimed self-tests,
// course questionnaires and the guided trajectory's — as a Bundle. The
// download is written to the audit log, like the account export.
func (s *Service) Mine(ctx context.Context, p auth.Principal) (*Bundle, error) {
	if p.Role != auth.RoleClient {
		return nil, auth.ErrForbidden
	}
	return s.bundle(ctx, p, p.UserID, audit.ActionAccountExport, "fhir:questionnaires")
}

// ForClinician is a clinician's download of the questionnaire results of
// the client of trajectory id, which must be theirs (the client agreed to
// them): another clinician's, or an unknown id, is not found, and the
// attempt is audited as denied. The read is audited before anything is
// read: who, whose record, what, and the session.
func (s *Service) ForClinician(ctx context.Context, p auth.Principal, id string) (*Bundle, error) {
	if p.Role != auth.RoleClinician {
		return nil, auth.ErrForbidden
	}
	clientID, err := s.care.CareClient(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.bundle(ctx, p, clientID, audit.ActionClientRead, "trajectory:"+id+":fhir")
}

// bundle audits p's read of clientID's results, then gathers and builds
// them. Answers are never logged.
func (s *Service) bundle(ctx context.Context, p auth.Principal, clientID, action, object string) (*Bundle, error) {
	e := audit.Entry{ActorID: audit.Str(p.UserID), ActorRole: string(p.Role), SessionID: audit.Str(p.SessionID),
		SubjectID: audit.Str(clientID), Action: action, Object: object, RequestID: p.RequestID, Outcome: audit.OutcomeSuccess}
	if err := s.audit.Append(ctx, e); err != nil {
		return nil, fmt.Errorf("fhir: audit: %w", err)
	}
	var records []selftest.Record
	claimed, err := s.tests.ClaimedRecords(ctx, clientID)
	if err != nil {
		return nil, err
	}
	course, err := s.course.QuestionnaireRecords(ctx, clientID)
	if err != nil {
		return nil, err
	}
	care, err := s.care.QuestionnaireRecords(ctx, p, clientID)
	if err != nil {
		return nil, err
	}
	records = append(append(append(records, claimed...), course...), care...)
	return Build(s.cat, clientID, records, s.now())
}
