package coaching

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// Reasons a client is flagged at risk of dropping out.
const (
	RiskInactive     = "inactive"   // no message, step or questionnaire for InactiveDays
	RiskUnanswered   = "unanswered" // the clinician's messages are unanswered for a week
	RiskMissedQuest  = "missed_questionnaire"
	RiskDeteriorated = "deteriorated" // a reliable worsening of the PHQ-9
)

// Row is one client on a clinician's dashboard.
type Row struct {
	Trajectory  Trajectory
	ClientName  string
	DaysLeft    int // to the planned end; negative once past it
	LastContact *time.Time
	// Unread counts the client's messages the clinician has not read.
	Unread int
	// WaitingSince is the oldest client message without a reply from the
	// clinician; Overdue when it is older than the response target.
	WaitingSince *time.Time
	Overdue      bool
	Trend        Trend
	Alerts       []Alert
	Risks        []string
}

// Dashboard is a clinician's caseload: every client with their state, days
// left, last contact, unread and overdue messages, PHQ-9 trend, alerts and
// at-risk flags — urgent alerts first. It runs a fixed number of queries
// whatever the caseload's size.
func (s *Service) Dashboard(ctx context.Context, p auth.Principal) ([]Row, error) {
	if p.Role != auth.RoleClinician {
		return nil, auth.ErrForbidden
	}
	ts, err := s.store.caseload(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	rows, err := s.rows(ctx, ts)
	if err != nil {
		return nil, err
	}
	// Reading the dashboard lists these clients: each gets an entry.
	if len(ts) > 0 {
		entries := make([]audit.Entry, 0, len(ts))
		for _, t := range ts {
			entries = append(entries, listEntry(p, t.ClientID))
		}
		if err := s.audit.AppendAll(ctx, entries); err != nil {
			return nil, fmt.Errorf("coaching: audit: %w", err)
		}
	}
	return rows, nil
}

// rows builds dashboard rows for trajectories in a fixed number of
// queries: names, message statistics, last contacts, measurements and
// alerts, each for all of them at once.
func (s *Service) rows(ctx context.Context, ts []Trajectory) ([]Row, error) {
	ids := trajectoryIDs(ts)
	clients := make([]string, len(ts))
	for i, t := range ts {
		clients[i] = t.ClientID
	}
	names, err := s.people.DisplayNames(ctx, clients)
	if err != nil {
		return nil, err
	}
	stats, err := s.store.messageStats(ctx, ids)
	if err != nil {
		return nil, err
	}
	waiting, err := s.store.unanswered(ctx, ids)
	if err != nil {
		return nil, err
	}
	contacts, err := s.store.lastContacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.measurements(ctx, ids)
	if err != nil {
		return nil, err
	}
	alerts, err := s.store.openAlerts(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	out := make([]Row, 0, len(ts))
	for _, t := range ts {
		r := Row{Trajectory: t, ClientName: names[t.ClientID], Trend: trendOf(ms, t.ID)}
		if t.PlannedEnd != nil {
			r.DaysLeft = int(t.PlannedEnd.Sub(now).Hours() / 24)
		}
		if c, ok := contacts[t.ID]; ok {
			r.LastContact = &c
		}
		st := stats[t.ID]
		r.Unread = st.unreadFromClient
		if w, ok := waiting[t.ID]; ok {
			r.WaitingSince = &w
			r.Overdue = LateReply(w, now, s.cfg.ResponseDays, s.cfg.Location)
		}
		for _, a := range alerts {
			if a.TrajectoryID == t.ID {
				r.Alerts = append(r.Alerts, Alert{ID: a.ID, TrajectoryID: t.ID, ClientID: t.ClientID, Kind: a.Kind, Source: a.Source, RaisedAt: a.RaisedAt})
			}
		}
		r.Risks = s.risks(t, st, s.scheduleFrom(&t, ms), r.Trend, now)
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Alerts) > 0 && len(out[j].Alerts) == 0 })
	return out, nil
}

// risks are the reasons to think t's client may drop out.
func (s *Service) risks(t Trajectory, st msgStat, sched []Due, tr Trend, now time.Time) []string {
	if t.State != StateActive {
		return nil
	}
	var out []string
	if now.Sub(t.LastClientActivityAt) > time.Duration(s.cfg.InactiveDays)*24*time.Hour {
		out = append(out, RiskInactive)
	}
	if st.lastClinician.After(st.lastClient) && now.Sub(st.lastClinician) > 7*24*time.Hour {
		out = append(out, RiskUnanswered)
	}
	for _, d := range sched {
		if d.Taken == nil && !d.DueAt.IsZero() && now.Sub(d.DueAt) > 7*24*time.Hour {
			out = append(out, RiskMissedQuest)
			break
		}
	}
	if tr.ReliablyWorse {
		out = append(out, RiskDeteriorated)
	}
	return out
}

// Overview is the coordinators' view: the waiting list, every clinician's
// caseload, and the trajectories whose client waits for a reply past the
// target.
type Overview struct {
	Waiting    []Waiting
	Clinicians []Clinician
	Overdue    []Row
	// Alerts are urgent alerts on applications without a clinician.
	Alerts []Alert
}

// Overview returns the coordinators' view.
func (s *Service) Overview(ctx context.Context, p auth.Principal) (*Overview, error) {
	if p.Role != auth.RoleCoordinator {
		return nil, auth.ErrForbidden
	}
	o := &Overview{}
	var err error
	if o.Waiting, err = s.WaitingList(ctx, p); err != nil {
		return nil, err
	}
	if o.Clinicians, err = s.clinicians(ctx, s.store); err != nil {
		return nil, err
	}
	active, err := s.store.ByState(ctx, []State{StateActive}, 10000)
	if err != nil {
		return nil, err
	}
	waiting, err := s.store.unanswered(ctx, trajectoryIDs(active))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	names := map[string]string{}
	for _, c := range o.Clinicians {
		names[c.ID] = c.Name
	}
	for _, t := range active {
		if w, ok := waiting[t.ID]; ok && LateReply(w, now, s.cfg.ResponseDays, s.cfg.Location) {
			w := w
			// Coordinators see whose reply is late, not the client: the
			// row names the clinician.
			o.Overdue = append(o.Overdue, Row{Trajectory: t, ClientName: names[deref(t.ClinicianID)], WaitingSince: &w, Overdue: true})
		}
	}
	pending := make([]Trajectory, 0, len(o.Waiting))
	for _, w := range o.Waiting {
		if w.Trajectory.ClinicianID == nil {
			pending = append(pending, w.Trajectory)
		}
	}
	alerts, err := s.store.openAlerts(ctx, trajectoryIDs(pending))
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		o.Alerts = append(o.Alerts, Alert{ID: a.ID, TrajectoryID: a.TrajectoryID, Kind: a.Kind, Source: a.Source, RaisedAt: a.RaisedAt})
	}
	return o, nil
}

// msgStat is one trajectory's message statistics.
type msgStat struct {
	unreadFromClient int
	lastClient       time.Time
	lastClinician    time.Time
}

// messageStats returns, per trajectory, the unread client messages and the
// latest message of each side.
func (s *Store) messageStats(ctx context.Context, ids []string) (map[string]msgStat, error) {
	out := map[string]msgStat{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		TrajectoryID string
		SenderRole   string
		Unread       int
		Last         scanTime
	}
	err := s.q(ctx).Model(&Message{}).
		Select("trajectory_id, sender_role, SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END) AS unread, MAX(created_at) AS last").
		Where("trajectory_id IN ?", ids).Group("trajectory_id, sender_role").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("coaching: message statistics: %w", err)
	}
	for _, r := range rows {
		st := out[r.TrajectoryID]
		if r.SenderRole == FromClient {
			st.unreadFromClient, st.lastClient = r.Unread, r.Last.Time
		} else {
			st.lastClinician = r.Last.Time
		}
		out[r.TrajectoryID] = st
	}
	return out, nil
}

// unanswered returns, per trajectory, the oldest client message sent after
// the clinician's latest message: since when the client waits for a reply.
func (s *Store) unanswered(ctx context.Context, ids []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		TrajectoryID string
		Since        scanTime
	}
	err := s.q(ctx).Table("coaching_messages AS m").Select("m.trajectory_id, MIN(m.created_at) AS since").
		Where("m.trajectory_id IN ? AND m.sender_role = ?", ids, FromClient).
		Where("NOT EXISTS (SELECT 1 FROM coaching_messages r WHERE r.trajectory_id = m.trajectory_id AND r.sender_role = ? AND r.created_at >= m.created_at)", FromClinician).
		Group("m.trajectory_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("coaching: unanswered messages: %w", err)
	}
	for _, r := range rows {
		out[r.TrajectoryID] = r.Since.Time
	}
	return out, nil
}

// lastContacts returns each trajectory's latest contact.
func (s *Store) lastContacts(ctx context.Context, ids []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		TrajectoryID string
		Last         scanTime
	}
	if err := s.q(ctx).Model(&contact{}).Select("trajectory_id, MAX(occurred_at) AS last").Where("trajectory_id IN ?", ids).
		Group("trajectory_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("coaching: last contacts: %w", err)
	}
	for _, r := range rows {
		out[r.TrajectoryID] = r.Last.Time
	}
	return out, nil
}

// listEntry is the audit entry of a client listed to staff.
func listEntry(p auth.Principal, clientID string) audit.Entry {
	return audit.Entry{ActorID: audit.Str(p.UserID), ActorRole: string(p.Role), SessionID: audit.Str(p.SessionID),
		SubjectID: audit.Str(clientID), Action: audit.ActionClientList, Object: "caseload", RequestID: p.RequestID, Outcome: audit.OutcomeSuccess}
}
