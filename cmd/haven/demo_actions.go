package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// The demo's actions: each schedules one use case of a domain service,
// called as the person would call it through the site.

// staffMember creates a staff account: the coordinator with `haven admin
// create`, clinicians by the coordinator's invitation. Each enrols a
// second factor at once, with the secret the demo prints.
func (d *demo) staffMember(s *demoPerson, at time.Time) {
	d.on(at, "account of "+s.Nickname, func(ctx context.Context) error {
		profile := auth.StaffProfile{DisplayName: s.DisplayName, Profession: s.Profession}
		if s.Role == auth.RoleCoordinator {
			u, err := d.svcs.Auth.Staff.CreateAdmin(ctx, s.Nickname, s.Password)
			if err != nil {
				return err
			}
			s.ID = u.ID
		} else {
			link, err := d.svcs.Auth.Staff.Invite(ctx, d.coordinator.P, s.Role, s.Capacity)
			if err != nil {
				return err
			}
			d.clock.Add(2 * time.Hour)
			u, err := d.svcs.Auth.Staff.AcceptInvitation(ctx, s.Meta, link.Token, s.Nickname, s.Password, profile)
			if err != nil {
				return err
			}
			s.ID = u.ID
		}
		d.clock.Add(time.Minute)
		if err := d.enrolSecondFactor(ctx, s); err != nil {
			return err
		}
		if s.Role == auth.RoleCoordinator {
			return d.svcs.Auth.Accounts.SetProfile(ctx, s.P, profile)
		}
		return nil
	})
}

// enrolSecondFactor signs s in for the first time and enrols TOTP, as the
// sign-in page does: the password, a new secret, a code from it.
func (d *demo) enrolSecondFactor(ctx context.Context, s *demoPerson) error {
	res, err := d.svcs.Auth.Sessions.Login(ctx, s.Meta, s.Nickname, s.Password)
	if err != nil {
		return err
	}
	if res.Status != auth.LoginEnrolmentRequired {
		return fmt.Errorf("first sign-in of %s: %s, want %s", s.Nickname, res.Status, auth.LoginEnrolmentRequired)
	}
	en, err := d.svcs.Auth.Sessions.StartEnrolment(ctx, res.Challenge)
	if err != nil {
		return err
	}
	d.clock.Add(time.Minute)
	code, err := totp.GenerateCodeCustom(en.Secret, d.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return err
	}
	done, err := d.svcs.Auth.Sessions.ConfirmEnrolment(ctx, s.Meta, res.Challenge, code)
	if err != nil {
		return err
	}
	s.TOTPSecret, s.RecoveryCodes = en.Secret, done.RecoveryCodes
	s.P = auth.Principal{UserID: s.ID, Role: s.Role, SessionID: done.Session.SessionID, RequestID: s.Meta.RequestID}
	return nil
}

// signUp creates a client's account, after an anonymous self-test they
// then keep in it (claim) when selftestTotal > 0.
func (d *demo) signUp(c *demoPerson, at time.Time, selftestTotal, item9 int) {
	d.on(at, c.Nickname+" signs up", func(ctx context.Context) error {
		var token string
		if selftestTotal > 0 {
			o, err := d.svcs.Selftest.Submit(ctx, selftestInput(c.Language, selftestTotal, item9))
			if err != nil {
				return err
			}
			token = o.ClaimToken
			c.selftestID = o.ID
			d.clock.Add(5 * time.Minute)
		}
		res, err := d.svcs.Auth.Sessions.SignUp(ctx, c.Meta, c.Nickname, c.Password)
		if err != nil {
			return err
		}
		c.ID = res.User.ID
		c.P = auth.Principal{UserID: c.ID, Role: auth.RoleClient, SessionID: res.Session.SessionID, RequestID: c.Meta.RequestID}
		if token != "" {
			d.clock.Add(time.Minute)
			if _, err := d.svcs.Selftest.Claim(ctx, token, c.P.Actor()); err != nil {
				return err
			}
		}
		return nil
	})
}

// apply is the client's application; with app.PHQ9 empty it uses the
// self-test they kept.
func (d *demo) apply(c *demoPerson, at time.Time, app coaching.Application) {
	d.on(at, c.Nickname+" applies for guided care", func(ctx context.Context) error {
		app.Language = c.Language
		if len(app.PHQ9) == 0 {
			app.SelftestID = c.selftestID
		}
		t, _, err := d.svcs.Coaching.Apply(ctx, c.P, app)
		if err != nil {
			return err
		}
		c.Trajectory = t.ID
		return nil
	})
}

// assign is the coordinator giving the application a clinician, from the
// waiting list.
func (d *demo) assign(c, clinician *demoPerson, at time.Time) {
	d.on(at, "the coordinator assigns "+c.Nickname, func(ctx context.Context) error {
		if _, err := d.svcs.Coaching.WaitingList(ctx, d.coordinator.P); err != nil {
			return err
		}
		_, err := d.svcs.Coaching.Assign(ctx, d.coordinator.P, c.Trajectory, clinician.ID)
		return err
	})
}

// consent is the client agreeing to their clinician: the start.
func (d *demo) consent(c *demoPerson, at time.Time) {
	d.on(at, c.Nickname+" agrees to the clinician", func(ctx context.Context) error {
		if _, err := d.svcs.Coaching.AssignedClinician(ctx, c.P, c.Trajectory); err != nil {
			return err
		}
		_, err := d.svcs.Coaching.Consent(ctx, c.P, c.Trajectory)
		return err
	})
}

// say is a message in c's conversation, from c or their clinician, who
// first reads the conversation (which marks the other side's messages
// read). The newest messages of each story stay unread by the other side.
func (d *demo) say(from, c *demoPerson, at time.Time, body string) {
	d.on(at, from.Nickname+" writes in "+c.Nickname+"'s conversation", func(ctx context.Context) error {
		if _, err := d.svcs.Coaching.Messages(ctx, from.P, c.Trajectory); err != nil {
			return err
		}
		d.clock.Add(3 * time.Minute)
		_, _, err := d.svcs.Coaching.Send(ctx, from.P, c.Trajectory, body, "")
		return err
	})
}

// lesson is c working through a lesson (its first steps, or all with
// steps < 0), after reading any feedback waiting for them.
func (d *demo) lesson(c *demoPerson, at time.Time, lessonID string, steps int) {
	d.on(at, c.Nickname+" works on lesson "+lessonID, func(ctx context.Context) error {
		if _, err := d.svcs.Coaching.ClientFeedback(ctx, c.P, ""); err != nil {
			return err
		}
		if w := c.waitingAt; w != "" && w != lessonID { // the rest of a lesson that waited for feedback
			if err := d.doLesson(ctx, c, w, -1); err != nil {
				return err
			}
		}
		return d.doLesson(ctx, c, lessonID, steps)
	})
}

// courseQuestionnaire is the course's own PHQ-9 at one of its points.
func (d *demo) courseQuestionnaire(c *demoPerson, at time.Time, point string, total int) {
	d.on(at, c.Nickname+" takes the course questionnaire "+point, func(ctx context.Context) error {
		_, err := d.svcs.Selfhelp.TakeMeasurement(ctx, c.ID, demoProgramme, point, c.Language, phq9(total, 0))
		return err
	})
}

// diary is c's mood diary of that day.
func (d *demo) diary(c *demoPerson, at time.Time, mood int, note string, activities ...string) {
	d.on(at, c.Nickname+" keeps the diary", func(ctx context.Context) error {
		day := d.clock.Now().In(d.loc).Format(time.DateOnly)
		_, err := d.svcs.Selfhelp.SaveDiary(ctx, c.ID, modules.DiaryEntry{Day: day, Mood: mood, Note: note, Activities: activities})
		return err
	})
}

// assignLessons is the clinician setting the client's lessons.
// pace is the coordinator setting the course's rhythm (days between lessons).
func (d *demo) pace(at time.Time, days int) {
	d.on(at, fmt.Sprintf("the coordinator sets the course's rhythm to %d days", days), func(ctx context.Context) error {
		_, err := d.svcs.Selfhelp.SetPace(ctx, d.coordinator.P, demoProgramme, days)
		return err
	})
}

func (d *demo) assignLessons(clinician, c *demoPerson, at time.Time, lessons ...string) {
	d.on(at, clinician.Nickname+" sets "+c.Nickname+"'s lessons", func(ctx context.Context) error {
		if _, err := d.svcs.Coaching.Work(ctx, clinician.P, c.Trajectory, demoProgramme); err != nil {
			return err
		}
		return d.svcs.Coaching.AssignLessons(ctx, clinician.P, c.Trajectory, demoProgramme, lessons)
	})
}

// feedback is the clinician reading the client's work on a lesson and
// writing feedback on it.
func (d *demo) feedback(clinician, c *demoPerson, at time.Time, lessonID, name string) {
	d.on(at, clinician.Nickname+" gives "+c.Nickname+" feedback on "+lessonID, func(ctx context.Context) error {
		if _, err := d.svcs.Coaching.Work(ctx, clinician.P, c.Trajectory, demoProgramme); err != nil {
			return err
		}
		d.clock.Add(10 * time.Minute)
		_, err := d.svcs.Coaching.GiveFeedback(ctx, clinician.P, c.Trajectory, lessonID, lessonFeedback(lessonID, name))
		return err
	})
}

// contact is the clinician logging a contact right after it.
func (d *demo) contact(clinician, c *demoPerson, at time.Time, mode string, minutes int, note string) {
	d.on(at.Add(time.Duration(minutes+5)*time.Minute), clinician.Nickname+" logs a contact with "+c.Nickname, func(ctx context.Context) error {
		_, err := d.svcs.Coaching.LogContact(ctx, clinician.P, c.Trajectory, coaching.Contact{Mode: mode, OccurredAt: at, Minutes: minutes, Note: note})
		return err
	})
}

// measure is the client taking the trajectory's questionnaires at a
// point: the PHQ-9, and the GAD-7 when gad >= 0.
func (d *demo) measure(c *demoPerson, at time.Time, point string, phq, item9, gad int) {
	d.on(at, c.Nickname+" answers the "+point+" questionnaires", func(ctx context.Context) error {
		if _, err := d.svcs.Coaching.Schedule(ctx, c.P, c.Trajectory); err != nil {
			return err
		}
		if _, err := d.svcs.Coaching.TakeMeasurement(ctx, c.P, c.Trajectory, point, "phq9", c.Language, phq9(phq, item9)); err != nil {
			return err
		}
		if gad < 0 {
			return nil
		}
		d.clock.Add(3 * time.Minute)
		_, err := d.svcs.Coaching.TakeMeasurement(ctx, c.P, c.Trajectory, point, "gad7", c.Language, gad7(gad))
		return err
	})
}

// acknowledge is the clinician acting on the client's open alert.
func (d *demo) acknowledge(clinician, c *demoPerson, at time.Time, note string) {
	d.on(at, clinician.Nickname+" acknowledges "+c.Nickname+"'s alert", func(ctx context.Context) error {
		rows, err := d.svcs.Coaching.Dashboard(ctx, clinician.P)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Trajectory.ID == c.Trajectory && len(r.Alerts) > 0 {
				return d.svcs.Coaching.Acknowledge(ctx, clinician.P, r.Alerts[0].ID, note)
			}
		}
		return errors.New("no open alert on the dashboard")
	})
}

// extend is the clinician's one extension.
func (d *demo) extend(clinician, c *demoPerson, at, until time.Time, reason string) {
	d.on(at, clinician.Nickname+" extends "+c.Nickname+"'s trajectory", func(ctx context.Context) error {
		_, err := d.svcs.Coaching.Extend(ctx, clinician.P, c.Trajectory, until, reason)
		return err
	})
}

// end closes the trajectory (by the clinician, or by the client stopping).
func (d *demo) end(by, c *demoPerson, at time.Time, o coaching.Outcome) {
	d.on(at, by.Nickname+" ends "+c.Nickname+"'s trajectory", func(ctx context.Context) error {
		_, err := d.svcs.Coaching.Close(ctx, by.P, c.Trajectory, o)
		return err
	})
}

// withdraw is the client withdrawing their application.
func (d *demo) withdraw(c *demoPerson, at time.Time) {
	d.on(at, c.Nickname+" withdraws", func(ctx context.Context) error {
		_, err := d.svcs.Coaching.Withdraw(ctx, c.P, c.Trajectory)
		return err
	})
}

// noContactJob is the daily coaching-no-contact job, run that night.
func (d *demo) noContactJob(at time.Time) {
	d.on(at, "the coaching-no-contact job", func(ctx context.Context) error {
		_, err := d.svcs.Coaching.RunNoContact(ctx, d.clock.Now())
		return err
	})
}

// plannedEnd is the planned end of a trajectory that starts at start, as
// the service computes it.
func (d *demo) plannedEnd(start time.Time) time.Time {
	return coaching.PlannedEnd(start.In(d.loc), d.svcs.Coaching.Config().Months).UTC()
}

// startEndingIn is a start (at 17:00, some three months back) whose
// planned end is about days from now (negative: in the past).
func (d *demo) startEndingIn(days int) time.Time {
	want := d.now.Add(time.Duration(days) * 24 * time.Hour)
	best := d.day(120, "17:00")
	for n := 120; n > 0; n-- {
		t := d.day(n, "17:00")
		if diff(d.plannedEnd(t), want) < diff(d.plannedEnd(best), want) {
			best = t
		}
	}
	return best
}

func diff(a, b time.Time) time.Duration {
	if a.After(b) {
		return a.Sub(b)
	}
	return b.Sub(a)
}

// selftestInput is an anonymous PHQ-9 self-test with a total.
func selftestInput(lang string, total, item9 int) selftest.SubmitInput {
	return selftest.SubmitInput{InstrumentID: "phq9", Language: lang, Answers: phq9(total, item9)}
}
