package coaching

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// Contact is a face-to-face, video or phone contact the clinician logs.
type Contact struct {
	ID         string
	Mode       string
	OccurredAt time.Time
	Minutes    int
	Note       string
}

// LogContact records a contact. The first contact of a trajectory sets its
// first-contact date (the waiting-time figures count to it).
func (s *Service) LogContact(ctx context.Context, p auth.Principal, id string, c Contact) (*Contact, error) {
	if p.Role != auth.RoleClinician {
		return nil, auth.ErrForbidden
	}
	c.Note = strings.TrimSpace(c.Note)
	verr := newInvalid()
	if !slices.Contains(ContactModes, c.Mode) {
		verr.Add("mode", "must be face_to_face, video or phone")
	}
	now := s.now().UTC()
	if c.OccurredAt.IsZero() || c.OccurredAt.After(now.Add(time.Hour)) {
		verr.Add("occurred_at", "must be a date and time, not in the future")
	}
	if c.Minutes < 1 || c.Minutes > 600 {
		verr.Add("minutes", "must be from 1 to 600")
	}
	if utf8.RuneCountInString(c.Note) > MaxNote {
		verr.Add("note", fmt.Sprintf("at most %d characters", MaxNote))
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	row := &contact{ID: newID(), ClinicianID: p.UserID, Mode: c.Mode, OccurredAt: c.OccurredAt.UTC(), Minutes: c.Minutes, CreatedAt: now}
	if c.Note != "" {
		sealed, err := s.seal(c.Note, "contact:"+row.ID)
		if err != nil {
			return nil, err
		}
		row.NoteSealed = &sealed
	}
	var t *Trajectory
	// Access first, outside the transaction: a denied attempt is written
	// to the audit log, which SQLite's one write transaction would block.
	if _, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare); err != nil {
		return nil, err
	}
	err := s.store.Tx(ctx, func(st *Store) error {
		var err error
		if t, err = s.trajectoryFor(ctx, st, p, id, AccessCare); err != nil {
			return err
		}
		if t.State != StateActive {
			return &TransitionError{From: t.State, To: StateActive}
		}
		row.TrajectoryID = t.ID
		if err := st.q(ctx).Create(row).Error; err != nil {
			return fmt.Errorf("coaching: insert contact: %w", err)
		}
		if t.FirstContactAt == nil || row.OccurredAt.Before(*t.FirstContactAt) {
			t.FirstContactAt = &row.OccurredAt
			return st.save(ctx, t, "first_contact_at")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, p, t, audit.ActionClientChange, "trajectory:"+t.ID+":contact"); err != nil {
		return nil, err
	}
	c.ID, c.OccurredAt = row.ID, row.OccurredAt
	return &c, nil
}

// Contacts lists a trajectory's contacts, newest first; a clinician's read
// is audited.
func (s *Service) Contacts(ctx context.Context, p auth.Principal, id string) ([]Contact, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleClient {
		if err := s.record(ctx, p, t, audit.ActionClientRead, "trajectory:"+t.ID+":contacts"); err != nil {
			return nil, err
		}
	}
	var rows []contact
	if err := s.store.q(ctx).Where("trajectory_id = ?", t.ID).Order("occurred_at DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("coaching: contacts: %w", err)
	}
	out := make([]Contact, 0, len(rows))
	for _, r := range rows {
		c := Contact{ID: r.ID, Mode: r.Mode, OccurredAt: r.OccurredAt, Minutes: r.Minutes}
		// The note is the clinician's: a client sees that a contact was
		// logged, not what was written about it.
		if r.NoteSealed != nil && p.Role != auth.RoleClient {
			if c.Note, err = s.open(*r.NoteSealed, "contact:"+r.ID); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *Store) contactCount(ctx context.Context, trajectoryID string) (int, error) {
	var n int64
	if err := s.q(ctx).Model(&contact{}).Where("trajectory_id = ?", trajectoryID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("coaching: count contacts: %w", err)
	}
	return int(n), nil
}
