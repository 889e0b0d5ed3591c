package coaching

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db/seal"
)

// Where a crisis signal came from.
const (
	SourceIntake        = "intake"        // the application's PHQ-9
	SourceQuestionnaire = "questionnaire" // the trajectory's outcome monitoring
	SourceCourse        = "course"        // a course questionnaire or a safety signal in a lesson
)

// AlertCrisis is the kind of every alert so far: a crisis answer.
const AlertCrisis = "crisis"

// Alert is an urgent signal at the top of the clinician's dashboard (and
// the coordinators', while no clinician is assigned), until a clinician
// acknowledges it with a note.
type Alert struct {
	ID           string
	TrajectoryID string
	ClientID     string
	Kind         string
	Source       string
	RaisedAt     time.Time
	AckAt        *time.Time
}

func keyID(sealed string) string { return seal.KeyID(sealed) }

var errDuplicate = gorm.ErrDuplicatedKey

// raise records a crisis alert on t.
func (s *Service) raise(ctx context.Context, st *Store, t *Trajectory, source string, now time.Time) error {
	return st.addAlert(ctx, &alert{ID: newID(), TrajectoryID: t.ID, Kind: AlertCrisis, Source: source, RaisedAt: now})
}

// RaiseCrisis is the self-help course telling the trajectory that its
// client gave a crisis answer (a course questionnaire, or a safety signal
// in a lesson): when the client has a trajectory going, it gets an urgent
// alert. It reports whether it raised one.
func (s *Service) RaiseCrisis(ctx context.Context, clientID, source string) (bool, error) {
	t, err := s.store.OpenTrajectory(ctx, clientID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := s.raise(ctx, s.store, t, source, s.now().UTC()); err != nil {
		return false, err
	}
	return true, nil
}

// MaxAckNote caps the note an acknowledgement carries.
const MaxAckNote = 2000

// Acknowledge is a clinician (or, while none is assigned, a coordinator)
// saying they acted on an alert, with a note (sealed).
func (s *Service) Acknowledge(ctx context.Context, p auth.Principal, alertID, note string) error {
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > MaxAckNote {
		return invalid("note", fmt.Sprintf("say what you did (at most %d characters)", MaxAckNote))
	}
	a, err := s.store.alert(ctx, alertID)
	if err != nil {
		return err
	}
	need := AccessCare
	if p.Role == auth.RoleCoordinator || a.Source == SourceIntake {
		// Coordinators act while no clinician is assigned; the assigned
		// clinician reads the intake before the client agrees, and acts on
		// its crisis answer then.
		need = AccessIntake
	}
	t, err := s.trajectoryFor(ctx, s.store, p, a.TrajectoryID, need)
	if err != nil {
		return err
	}
	if p.Role == auth.RoleCoordinator && t.ClinicianID != nil {
		return fmt.Errorf("coaching: alert %s is the clinician's: %w", alertID, ErrNotFound)
	}
	sealed, err := s.seal(note, "alert:"+a.ID)
	if err != nil {
		return err
	}
	ok, err := s.store.ackAlert(ctx, a.ID, p.UserID, sealed, s.now().UTC())
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("coaching: alert %s acknowledged already: %w", alertID, ErrNotFound)
	}
	return s.record(ctx, p, t, audit.ActionAlertAcknowledged, "alert:"+a.ID)
}

func (s *Store) addAlert(ctx context.Context, a *alert) error {
	if err := s.q(ctx).Create(a).Error; err != nil {
		return fmt.Errorf("coaching: raise alert: %w", err)
	}
	return nil
}

func (s *Store) alert(ctx context.Context, id string) (*alert, error) {
	var a alert
	if err := s.q(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return nil, notFound(err, "alert")
	}
	return &a, nil
}

func (s *Store) ackAlert(ctx context.Context, id, by, note string, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&alert{}).Where("id = ? AND ack_at IS NULL", id).
		Updates(map[string]any{"ack_at": now, "ack_by": by, "ack_note_sealed": note})
	if res.Error != nil {
		return false, fmt.Errorf("coaching: acknowledge alert: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// openAlerts returns the unacknowledged alerts of trajectories.
func (s *Store) openAlerts(ctx context.Context, ids []string) ([]alert, error) {
	var out []alert
	if len(ids) == 0 {
		return out, nil
	}
	if err := s.q(ctx).Where("trajectory_id IN ? AND ack_at IS NULL", ids).Order("raised_at").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("coaching: open alerts: %w", err)
	}
	return out, nil
}
