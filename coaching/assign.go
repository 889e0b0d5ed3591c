package coaching

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// Waiting is one application on the coordinators' waiting list.
type Waiting struct {
	Trajectory Trajectory
	ClientName string
	// Clinician is set once assigned (the client has not agreed yet).
	Clinician string
	Waited    time.Duration
}

// WaitingList is the applications without a trajectory going yet:
// crisis-flagged ones first, then by how long they have waited.
func (s *Service) WaitingList(ctx context.Context, p auth.Principal) ([]Waiting, error) {
	if p.Role != auth.RoleCoordinator {
		return nil, auth.ErrForbidden
	}
	ts, err := s.store.ByState(ctx, []State{StateApplied, StateWaiting}, 5000)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, 2*len(ts))
	for _, t := range ts {
		ids = append(ids, t.ClientID)
		if t.ClinicianID != nil {
			ids = append(ids, *t.ClinicianID)
		}
	}
	names, err := s.people.DisplayNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	alerts, err := s.store.openAlerts(ctx, trajectoryIDs(ts))
	if err != nil {
		return nil, err
	}
	urgent := map[string]bool{}
	for _, a := range alerts {
		urgent[a.TrajectoryID] = true
	}
	now := s.now()
	out := make([]Waiting, 0, len(ts))
	for _, t := range ts {
		w := Waiting{Trajectory: t, ClientName: names[t.ClientID], Waited: now.Sub(t.AppliedAt)}
		if t.ClinicianID != nil {
			w.Clinician = names[*t.ClinicianID]
		}
		w.Trajectory.IntakeCrisis = t.IntakeCrisis || urgent[t.ID]
		out = append(out, w)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Trajectory.IntakeCrisis != out[j].Trajectory.IntakeCrisis {
			return out[i].Trajectory.IntakeCrisis
		}
		return out[i].Trajectory.AppliedAt.Before(out[j].Trajectory.AppliedAt)
	})
	// The list shows each applicant's name and severity to a coordinator:
	// each listed client gets an entry, as a clinician's dashboard does.
	if len(ts) > 0 {
		entries := make([]audit.Entry, 0, len(ts))
		for _, t := range ts {
			e := listEntry(p, t.ClientID)
			e.Object = "waiting_list"
			entries = append(entries, e)
		}
		if err := s.audit.AppendAll(ctx, entries); err != nil {
			return nil, fmt.Errorf("coaching: audit: %w", err)
		}
	}
	return out, nil
}

func trajectoryIDs(ts []Trajectory) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// Place is where a client stands on the waiting list.
type Place struct {
	// Position is 1 for the next one to be assigned.
	Position int
	Waiting  int
	// MedianWait is the median time from application to first contact of
	// the last 30 days, or 0 when there were none.
	MedianWait time.Duration
}

// WaitingPlace tells a client their place on the list (crisis-flagged
// applications go first, so the place may move back) and how long people
// have waited lately.
func (s *Service) WaitingPlace(ctx context.Context, p auth.Principal, id string) (*Place, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, err
	}
	ts, err := s.store.ByState(ctx, []State{StateApplied}, 5000)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].IntakeCrisis && !ts[j].IntakeCrisis })
	pl := &Place{Waiting: len(ts)}
	for i, o := range ts {
		if o.ID == t.ID {
			pl.Position = i + 1
		}
	}
	now := s.now().UTC()
	waits, err := s.store.waitingTimes(ctx, now.AddDate(0, 0, -30), now)
	if err != nil {
		return nil, err
	}
	pl.MedianWait = median(waits)
	return pl, nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Clinician is a clinician with their caseload, for assignment.
type Clinician struct {
	ID         string
	Name       string
	Profession string
	Capacity   int
	Caseload   int
	Free       int
	// LastAssigned is when they were last given a trajectory.
	LastAssigned time.Time
}

// Clinicians lists the active clinicians with their caseloads.
func (s *Service) Clinicians(ctx context.Context, p auth.Principal) ([]Clinician, error) {
	if p.Role != auth.RoleCoordinator {
		return nil, auth.ErrForbidden
	}
	return s.clinicians(ctx, s.store)
}

func (s *Service) clinicians(ctx context.Context, st *Store) ([]Clinician, error) {
	users, err := s.people.Clinicians(ctx)
	if err != nil {
		return nil, err
	}
	sizes, err := st.caseloadSizes(ctx)
	if err != nil {
		return nil, err
	}
	last, err := st.lastAssigned(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Clinician, 0, len(users))
	for _, u := range users {
		c := Clinician{ID: u.ID, Name: u.Name(), Profession: deref(u.Profession), Capacity: u.Capacity, Caseload: sizes[u.ID], LastAssigned: last[u.ID]}
		if u.DisplayName != nil && *u.DisplayName != "" {
			c.Name = *u.DisplayName
		}
		c.Free = max(0, c.Capacity-c.Caseload)
		out = append(out, c)
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pickClinician is "assign automatically": the clinician with the most
// free places; ties go to whoever was assigned longest ago (never first).
func pickClinician(cs []Clinician) (Clinician, bool) {
	best, found := Clinician{}, false
	for _, c := range cs {
		if c.Free <= 0 {
			continue
		}
		if !found || c.Free > best.Free || c.Free == best.Free && c.LastAssigned.Before(best.LastAssigned) {
			best, found = c, true
		}
	}
	return best, found
}

// Assign gives an application (or a trajectory going) a clinician, within
// their capacity; with clinicianID "" it picks one automatically. The
// client is then told who, and agrees before the clinician sees anything.
func (s *Service) Assign(ctx context.Context, p auth.Principal, id, clinicianID string) (*Trajectory, error) {
	if p.Role != auth.RoleCoordinator {
		return nil, auth.ErrForbidden
	}
	now := s.now().UTC()
	var out *Trajectory
	err := s.store.Tx(ctx, func(st *Store) error {
		t, err := st.lockTrajectory(ctx, id)
		if err != nil {
			return err
		}
		if _, err := Transition(t.State, EventAssign); err != nil {
			return err
		}
		cs, err := s.clinicians(ctx, st)
		if err != nil {
			return err
		}
		var c Clinician
		if clinicianID == "" {
			var ok bool
			if c, ok = pickClinician(cs); !ok {
				return ErrCapacity
			}
		} else {
			i := slices.IndexFunc(cs, func(c Clinician) bool { return c.ID == clinicianID })
			if i < 0 {
				return invalid("clinician_id", "is not an active clinician")
			}
			c = cs[i]
			if t.ClinicianID != nil && *t.ClinicianID == c.ID {
				out = t
				return nil // assigned already
			}
			if c.Free <= 0 {
				return ErrCapacity
			}
		}
		t.ClinicianID, t.AssignedAt, t.ConsentAt = &c.ID, &now, nil
		if err := s.move(ctx, st, t, EventAssign, p, now, "clinician_id", "assigned_at", "consent_at"); err != nil {
			return err
		}
		if err := st.reassign(ctx, t.ID, c.ID, p.UserID, now); err != nil {
			return err
		}
		out = t
		return s.notifyClient(ctx, st, t, NotifyAssigned)
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, p, out, "client.assign", "clinician:"+deref(out.ClinicianID)); err != nil {
		return nil, err
	}
	return out, nil
}

// Kinds of notification (content-free e-mails).
const (
	NotifyAssigned  = "assigned"   // a clinician was assigned: agree to start
	NotifyMessage   = "message"    // a new message
	NotifyFeedback  = "feedback"   // feedback on a lesson
	NotifyDue       = "due"        // a questionnaire is due
	NotifyEnding    = "ending"     // the trajectory ends in a week (to the clinician)
	NotifyNoContact = "no_contact" // an application ended without contact (to coordinators)
)

// notifyClient queues a notification to the client, when they gave an
// address.
func (s *Service) notifyClient(ctx context.Context, st *Store, t *Trajectory, kind string) error {
	if t.NotifySealed == nil {
		return nil
	}
	return s.notify.Notify(ctx, st, Notification{Kind: kind, RecipientID: t.ClientID, AddressSeal: *t.NotifySealed,
		AddressCtx: "coaching:notify:" + t.ID, Language: deref(t.NotifyLanguage), TrajectoryID: t.ID})
}

// What the clinician a client agrees to will see of the client's work
// (AccessCare), as the client is told before agreeing.
const (
	SeesLessons        = "lessons"        // which lessons they opened and finished
	SeesAnswers        = "answers"        // their exercise answers and homework
	SeesDiary          = "diary"          // their mood diary
	SeesQuestionnaires = "questionnaires" // their questionnaires and how the scores change
)

// ClinicianSees lists them in the order the client is told.
var ClinicianSees = []string{SeesLessons, SeesAnswers, SeesDiary, SeesQuestionnaires}

// ClinicianOf tells a client who their clinician is and what they will
// see, before the client agrees.
type ClinicianOf struct {
	Name       string
	Profession string
	// Sees is what the clinician will see once the client agrees
	// (ClinicianSees).
	Sees []string
}

// AssignedClinician returns the clinician of a trajectory, for its client.
func (s *Service) AssignedClinician(ctx context.Context, p auth.Principal, id string) (*ClinicianOf, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessIntake)
	if err != nil {
		return nil, err
	}
	if t.ClinicianID == nil {
		return nil, fmt.Errorf("coaching: no clinician yet: %w", ErrNotFound)
	}
	u, err := s.people.StaffMember(ctx, *t.ClinicianID)
	if errors.Is(err, auth.ErrNotFound) {
		return nil, fmt.Errorf("coaching: clinician: %w", ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	c := &ClinicianOf{Name: u.Name(), Profession: deref(u.Profession), Sees: slices.Clone(ClinicianSees)}
	if u.DisplayName != nil && *u.DisplayName != "" {
		c.Name = *u.DisplayName
	}
	return c, nil
}
