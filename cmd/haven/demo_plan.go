package main

import (
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/coaching"
)

// The demonstration's cast and what happened to each of them, in days
// before today. Each client's story puts their trajectory in one state;
// the test (demo_test.go) checks that the real rules got it there.

// plan schedules the whole demonstration.
func (d *demo) plan() {
	d.coordinator = d.person(demoCoordinator, auth.RoleCoordinator)
	d.coordinator.DisplayName, d.coordinator.Profession = "Ines Claes", "care coordinator"
	d.sofie = d.person("demo-sofie", auth.RoleClinician)
	d.sofie.DisplayName, d.sofie.Profession, d.sofie.Capacity = "Sofie Peeters", "clinical psychologist", 10
	d.daan = d.person("demo-daan", auth.RoleClinician)
	d.daan.DisplayName, d.daan.Profession, d.daan.Capacity = "Daan Janssens", "psychiatric nurse", 5
	d.staffMember(d.coordinator, d.day(200, "09:00"))
	d.staffMember(d.sofie, d.day(199, "10:00"))
	d.staffMember(d.daan, d.day(199, "11:00"))
	// The organisation ran the course without a rhythm, so its stories
	// move at their own speed, until the coordinator set the course's own
	// week yesterday: the clients' next lessons now say when they open.
	d.pace(d.day(199, "12:00"), 0)
	d.pace(d.day(1, "09:00"), 7)

	d.anna()
	d.bram()
	d.chris()
	d.dina()
	d.eva()
	d.finn()
	d.greet()
	d.hugo()
	d.ilse()
	d.jonas()
	d.kim()
	d.lars()
	d.mila()
	d.noor()
	d.otto()
	d.pieter()
	d.roos()

	// The night the no-contact job ended otto's application (28 days
	// without contact); no other application was that old then.
	d.noContactJob(d.day(42, "03:40"))
	d.anonymousSelftests(demoSelftests)
	d.visits(demoVisitDays)
}

// The anonymous figures: self-tests over the last three months, and the
// days of page views.
const (
	demoSelftests = 80
	demoVisitDays = 30
)

func (d *demo) client(nick, expect, story string) *demoPerson {
	c := d.person(nick, auth.RoleClient)
	c.Expect, c.Story = expect, story
	return c
}

// intake is an application with the intake's PHQ-9 (total, item 9).
func intake(phq, item9 int, hopes, reachable string, care ...string) coaching.Application {
	return coaching.Application{PHQ9: phq9(phq, item9), Hopes: hopes, Reachable: reachable, CareElsewhere: care}
}

func (d *demo) anna() {
	c := d.client("demo-anna", string(coaching.StateApplied), "applied 3 days ago (in Dutch); on the waiting list, no clinician yet")
	c.Language = "nl"
	d.signUp(c, d.day(3, "20:05"), 0, 0)
	d.apply(c, d.day(3, "20:20"), intake(12, 0, "Weer zin krijgen in dingen en beter slapen.", "Op weekdagen na 18 uur.", coaching.CareGP))
}

func (d *demo) bram() {
	c := d.client("demo-bram", string(coaching.StateApplied), "applied last night with a crisis answer (PHQ-9 item 9): first on the waiting list, an open urgent alert for the coordinators")
	c.Language = "nl"
	d.signUp(c, d.day(1, "22:00"), 0, 0)
	d.apply(c, d.day(1, "22:15"), intake(19, 2, "Ik weet het even niet meer. Ik wil met iemand praten.", "Altijd, liefst 's avonds."))
}

func (d *demo) chris() {
	c := d.client("demo-chris", string(coaching.StateWaiting), "assigned to Daan Janssens yesterday; has not agreed yet, so the trajectory has not started and Daan sees only the application")
	d.signUp(c, d.day(6, "12:30"), 0, 0)
	d.apply(c, d.day(6, "12:45"), intake(15, 0, "I want to stop dreading Mondays and get my energy back.", "Lunch breaks, or after 19:00.", coaching.CareGP, coaching.CareMedication))
	d.assign(c, d.daan, d.day(1, "10:00"))
}

func (d *demo) dina() {
	c := d.client("demo-dina", string(coaching.StateActive), "started 17 days ago with Sofie after keeping her self-test; first lesson done with feedback, second in progress, a message from her unread by Sofie; gets e-mail notifications")
	s := d.sofie
	d.signUp(c, d.day(22, "20:40"), 14, 0)
	app := coaching.Application{Hopes: "Feeling less tired and flat, and enjoying my work again.", Reachable: "Weekday evenings.",
		CareElsewhere: []string{coaching.CareGP}, Email: "dina@example.org"}
	d.apply(c, d.day(21, "19:10"), app)
	d.assign(c, s, d.day(18, "09:30"))
	d.consent(c, d.day(17, "19:00"))
	d.say(s, c, d.day(16, "09:15"), "Hi Dina, welcome! I'm Sofie, and I'll guide you for the coming three months. I've read your application. Shall we start with a video call on Wednesday at 18:00? Meanwhile you can begin with the first lesson.")
	d.say(c, c, d.day(16, "20:30"), "Hi Sofie, Wednesday at 18:00 is fine. A bit nervous, but glad this is starting.")
	d.contact(s, c, d.day(15, "18:00"), coaching.ContactVideo, 45, "Intake by video. Low mood for four months since a reorganisation at work; sleeping badly, no suicidal thoughts. Agreed on the course with weekly messages.")
	d.assignLessons(s, c, d.day(15, "19:00"), "understanding", "activation", "thoughts", "challenging")
	d.lesson(c, d.day(14, "20:00"), "understanding", -1)
	d.diary(c, d.day(14, "22:00"), 4, "Tired after work, did nothing in the evening.")
	d.feedback(s, c, d.day(13, "10:00"), "understanding", "Dina")
	d.say(s, c, d.day(13, "10:20"), "I wrote feedback on your first lesson. How is the diary going?")
	d.diary(c, d.day(12, "21:30"), 5, "Short walk at lunch.", "walk")
	d.say(c, c, d.day(8, "21:00"), "Thanks for the feedback. The diary works, I see my mood is better on days I go outside. Hard to start the next lesson though.")
	d.diary(c, d.day(8, "21:40"), 5, "", "walk", "called my mother")
	d.say(s, c, d.day(7, "09:40"), "That is a useful discovery! The next lesson builds exactly on that. Try fifteen minutes at a time, it doesn't have to be done in one evening.")
	d.lesson(c, d.day(3, "19:30"), "activation", 4)
	d.diary(c, d.day(3, "22:00"), 6, "Planned three activities for the week.", "walk", "cooking")
	d.say(c, c, d.ago(2*time.Hour), "I made a week plan in the lesson. Is it OK that I start small, with just walks and one dinner with a friend?")
}

func (d *demo) eva() {
	c := d.client("demo-eva", string(coaching.StateActive), "week 8 with Daan: crisis answer at intake (alert acknowledged with a note), PHQ-9 19 → 11 at week 6, reliable improvement; GAD-7 monitored too; two questions to Daan unanswered for over a week (overdue)")
	dn := d.daan
	d.signUp(c, d.day(58, "21:10"), 0, 0)
	app := intake(19, 1, "Less anxiety, and no longer feeling that everything is pointless.", "Mornings before 10:00.", coaching.CarePsychologist)
	app.GAD7 = gad7(12)
	d.apply(c, d.day(58, "21:30"), app)
	d.assign(c, dn, d.day(57, "08:45"))
	consent := d.day(56, "09:30")
	d.consent(c, consent)
	d.contact(dn, c, d.day(56, "10:15"), coaching.ContactPhone, 25, "Called about the item-9 answer: passive thoughts, no plan or intent. Safety plan made together; she has the 1813 number.")
	d.acknowledge(dn, c, d.day(56, "10:50"), "Phoned her the morning she agreed: passive death wishes, no plan, no intent. Safety plan made; she will call 1813 or 112 when it gets worse. Discussed with Sofie.")
	d.say(dn, c, d.day(56, "11:00"), "Eva, thank you for the call this morning. As agreed: the first lesson is ready for you, and you can always write here. I answer within three working days.")
	d.assignLessons(dn, c, d.day(56, "11:05"), "understanding", "activation", "thoughts", "selfcare")
	d.lesson(c, d.day(50, "07:30"), "understanding", -1)
	d.feedback(dn, c, d.day(48, "14:00"), "understanding", "Eva")
	d.contact(dn, c, d.day(42, "09:00"), coaching.ContactFaceToFace, 50, "First session at the practice. Worry about her job dominates; works with the diary.")
	d.lesson(c, d.day(40, "08:00"), "activation", -1)
	d.feedback(dn, c, d.day(38, "13:30"), "activation", "Eva")
	d.say(c, c, d.day(37, "07:50"), "Thanks Daan. Walking before work really helps. The evenings are still difficult.")
	d.say(dn, c, d.day(36, "15:00"), "Good to hear about the mornings. For the evenings, the lesson on thoughts may help: many worries show up when the day gets quiet.")
	d.lesson(c, d.day(25, "08:10"), "thoughts", -1)
	d.feedback(dn, c, d.day(23, "16:00"), "thoughts", "Eva")
	d.measure(c, consent.AddDate(0, 0, 43), coaching.PointWeek6, 11, 0, 8)
	d.say(dn, c, d.day(11, "14:30"), "I saw your week-6 questionnaires: a clear improvement since the start, well done. Shall we plan a video call next week?")
	d.say(c, c, d.day(9, "07:45"), "Yes, a call would be good, preferably Tuesday morning. And a question about the homework: should I do a thought record every day, or only when something happens?")
	d.say(c, c, d.day(5, "07:40"), "Hi Daan, just checking whether you saw my message about Tuesday?")
}

func (d *demo) finn() {
	c := d.client("demo-finn", string(coaching.StateActive), "ends as planned in about five days with Sofie: the end questionnaire is due now, the course well under way, phone and video contacts")
	s := d.sofie
	start := d.startEndingIn(5)
	applied := start.AddDate(0, 0, -4)
	d.signUp(c, applied.Add(-30*time.Minute), 0, 0)
	d.apply(c, applied, intake(16, 0, "Getting my life back on track after the divorce.", "Any evening.", coaching.CareGP))
	d.assign(c, s, start.AddDate(0, 0, -2).Add(-7*time.Hour))
	d.consent(c, start)
	d.contact(s, c, start.AddDate(0, 0, 2).Add(2*time.Hour), coaching.ContactPhone, 30, "Intake by phone. Divorce half a year ago, sees his children every other week. No risk.")
	d.assignLessons(s, c, start.AddDate(0, 0, 2).Add(3*time.Hour), "understanding", "activation", "thoughts", "challenging", "problems")
	d.lesson(c, start.AddDate(0, 0, 4), "understanding", -1)
	d.feedback(s, c, start.AddDate(0, 0, 5).Add(-6*time.Hour), "understanding", "Finn")
	d.lesson(c, start.AddDate(0, 0, 14), "activation", -1)
	d.feedback(s, c, start.AddDate(0, 0, 15).Add(-5*time.Hour), "activation", "Finn")
	d.contact(s, c, start.AddDate(0, 0, 21).Add(1*time.Hour), coaching.ContactVideo, 40, "Activation going well on weekends with the children, weekdays empty.")
	d.lesson(c, start.AddDate(0, 0, 30), "thoughts", -1)
	d.feedback(s, c, start.AddDate(0, 0, 31).Add(-4*time.Hour), "thoughts", "Finn")
	d.measure(c, start.AddDate(0, 0, 43), coaching.PointWeek6, 11, 0, -1)
	d.lesson(c, start.AddDate(0, 0, 50), "challenging", -1)
	d.feedback(s, c, start.AddDate(0, 0, 52), "challenging", "Finn")
	d.say(c, c, start.AddDate(0, 0, 55), "Testing the thought 'I failed as a father' was hard but it helped. My son asked to stay an extra weekend.")
	d.say(s, c, start.AddDate(0, 0, 56).Add(-5*time.Hour), "That is a lovely piece of evidence against that thought. Keep it in your list of helpful thoughts.")
	d.lesson(c, start.AddDate(0, 0, 70), "problems", 3)
	d.say(s, c, d.day(6, "10:00"), "Finn, our three months end next week. Please fill in the end questionnaire; then we'll look back together and decide what comes next.")
	d.say(c, c, d.day(5, "20:30"), "Will do. Can we also talk about whether I can continue on my own?")
	d.say(s, c, d.day(4, "09:00"), "Certainly, that is exactly what the last call is for. I'll phone you Friday at 19:00.")
}

func (d *demo) greet() {
	c := d.client("demo-greet", string(coaching.StateActive), "extended once by Daan (a bereavement set her back): the planned end moved by three weeks, to about ten days from now")
	dn := d.daan
	start := d.startEndingIn(-11)
	end := d.plannedEnd(start)
	d.signUp(c, start.AddDate(0, 0, -5), 0, 0)
	d.apply(c, start.AddDate(0, 0, -4), intake(16, 0, "To cope with stress at work without falling apart at home.", "Tuesday and Thursday afternoons.", coaching.CareGP))
	d.assign(c, dn, start.AddDate(0, 0, -2).Add(-6*time.Hour))
	d.consent(c, start)
	d.contact(dn, c, start.AddDate(0, 0, 2), coaching.ContactFaceToFace, 60, "Intake at the practice. Burn-out signs and low mood; husband supportive.")
	d.assignLessons(dn, c, start.AddDate(0, 0, 2).Add(2*time.Hour), "understanding", "activation", "thoughts", "challenging", "problems", "selfcare", "relapse")
	for i, l := range []string{"understanding", "activation", "thoughts", "challenging", "problems", "selfcare"} {
		d.lesson(c, start.AddDate(0, 0, 4+11*i), l, -1)
		d.feedback(dn, c, start.AddDate(0, 0, 6+11*i), l, "Greet")
	}
	d.measure(c, start.AddDate(0, 0, 44), coaching.PointWeek6, 10, 0, -1)
	d.say(c, c, end.AddDate(0, 0, -10), "My father died last week. I haven't been able to do anything for the course.")
	d.say(dn, c, end.AddDate(0, 0, -9), "I'm very sorry for your loss, Greet. There is no hurry: we can extend your trajectory so you can finish the last lessons when you are ready. I'll call you tomorrow.")
	d.contact(dn, c, end.AddDate(0, 0, -8), coaching.ContactPhone, 35, "Grief after her father's death; mood lower but no risk. Agreed to extend.")
	d.extend(dn, c, end.AddDate(0, 0, -7), end.AddDate(0, 0, 21), "Father died in the last weeks of the trajectory; three more weeks to finish the relapse-prevention lesson.")
	d.lesson(c, d.day(4, "14:00"), "relapse", 3)
	d.say(c, c, d.day(4, "15:00"), "I started the last lesson. Writing down my warning signs was confronting but good.")
	d.say(dn, c, d.day(3, "09:30"), "Good that you started again. Take your time with it; we'll go through your plan in our last session.")
}

func (d *demo) hugo() {
	c := d.client("demo-hugo", string(coaching.StateActive), "week 8 with Sofie: the week-6 PHQ-9, taken only today, went from 11 to 18 with a crisis answer — an open urgent alert for Sofie and at-risk flags (deterioration, Sofie's messages unanswered)")
	s := d.sofie
	d.signUp(c, d.day(60, "23:10"), 0, 0)
	d.apply(c, d.day(60, "23:30"), intake(11, 0, "Sleeping better and not drinking every evening.", "Late evenings."))
	d.assign(c, s, d.day(58, "09:00"))
	consent := d.day(57, "18:00")
	d.consent(c, consent)
	d.contact(s, c, d.day(55, "20:00"), coaching.ContactVideo, 40, "Intake by video. Drinks 3–4 beers most evenings to sleep. Motivated for the course.")
	d.assignLessons(s, c, d.day(55, "21:00"), "understanding", "activation", "selfcare")
	d.lesson(c, d.day(50, "23:00"), "understanding", -1)
	d.feedback(s, c, d.day(48, "11:00"), "understanding", "Hugo")
	d.say(c, c, d.day(40, "23:40"), "Started the activation lesson. Not easy with the night shifts.")
	d.say(s, c, d.day(39, "10:00"), "Night shifts do make it harder. Plan your activities around your sleep, not around the clock — the planner allows any time.")
	d.lesson(c, d.day(35, "23:15"), "activation", 2)
	d.say(s, c, d.day(12, "10:30"), "Hi Hugo, I haven't heard from you in a while. How are things going?")
	d.say(s, c, d.day(9, "10:30"), "Hugo, your week-6 questionnaire is waiting for you. Let me know if something is in the way.")
	d.measure(c, d.ago(3*time.Hour), coaching.PointWeek6, 18, 1, -1)
}

func (d *demo) ilse() {
	c := d.client("demo-ilse", string(coaching.StateCompleted), "completed with Sofie three months ago: PHQ-9 18 → 12 → 7 (reliable improvement and recovery), follow-up questionnaire taken, the whole course done")
	s := d.sofie
	d.signUp(c, d.day(195, "20:20"), 18, 0)
	d.lesson(c, d.day(194, "20:00"), "understanding", -1)
	d.apply(c, d.day(193, "19:00"), coaching.Application{Hopes: "To feel like myself again and go back to work full-time.", Reachable: "Weekdays 9–17.",
		CareElsewhere: []string{coaching.CareGP, coaching.CareMedication}})
	d.assign(c, s, d.day(190, "10:00"))
	start := d.day(189, "18:00")
	d.consent(c, start)
	end := d.plannedEnd(start)
	d.say(s, c, d.day(188, "09:00"), "Welcome Ilse. I see you already did the first lesson on your own, great. Let's have a video call to get to know each other.")
	d.contact(s, c, d.day(187, "14:00"), coaching.ContactVideo, 45, "Intake. On sick leave for six weeks; antidepressant started by GP a month ago.")
	d.assignLessons(s, c, d.day(187, "15:00"), "understanding", "activation", "thoughts", "challenging", "problems", "selfcare", "relapse")
	d.feedback(s, c, d.day(186, "10:00"), "understanding", "Ilse")
	lessons := []string{"activation", "thoughts", "challenging", "problems", "selfcare", "relapse"}
	for i, l := range lessons {
		d.lesson(c, d.day(183-12*i, "20:00"), l, -1)
		d.feedback(s, c, d.day(181-12*i, "11:00"), l, "Ilse")
	}
	d.courseQuestionnaire(c, d.day(159, "21:30"), "middle", 12)
	d.measure(c, start.AddDate(0, 0, 42).Add(3*time.Hour), coaching.PointWeek6, 12, 0, -1)
	d.contact(s, c, d.day(140, "13:00"), coaching.ContactFaceToFace, 50, "Back at work half-time. Thought records going well.")
	d.say(c, c, d.day(139, "19:00"), "Thank you for yesterday. It felt good to see you in person.")
	d.say(s, c, d.day(138, "09:30"), "It was good to meet you too. Keep going with the problem-solving lesson, I'll look at it next week.")
	d.contact(s, c, d.day(120, "13:00"), coaching.ContactPhone, 20, "Short check-in. Sleep better, mood stable.")
	d.courseQuestionnaire(c, d.day(118, "21:00"), "end", 8)
	d.measure(c, end.AddDate(0, 0, -6), coaching.PointEnd, 7, 0, -1)
	closed := end.AddDate(0, 0, -2)
	d.say(s, c, closed.Add(-2*time.Hour), "Ilse, this was our last week. You have come a long way. I'll close the trajectory today; in three months you'll get a short questionnaire to see how you are doing.")
	d.end(s, c, closed, coaching.Outcome{State: coaching.StateCompleted, Note: "Completed as planned; back at work full-time; relapse-prevention plan shared with her GP."})
	if f := coaching.PlannedEnd(closed.In(d.loc), 3).UTC().AddDate(0, 0, 1); f.Before(d.ago(2 * time.Hour)) {
		d.measure(c, f, coaching.PointFollowUp3, 6, 0, -1)
	}
}

func (d *demo) jonas() {
	c := d.client("demo-jonas", string(coaching.StateDroppedOut), "dropped out (disappeared): stopped answering Daan after the first lesson; closed by Daan with a note")
	dn := d.daan
	d.signUp(c, d.day(130, "21:00"), 0, 0)
	d.apply(c, d.day(130, "21:20"), intake(15, 0, "Less stress.", "Whenever."))
	d.assign(c, dn, d.day(127, "09:00"))
	d.consent(c, d.day(126, "22:00"))
	d.contact(dn, c, d.day(124, "17:00"), coaching.ContactPhone, 20, "Short intake by phone; busy job, little time.")
	d.lesson(c, d.day(122, "23:00"), "understanding", -1)
	d.feedback(dn, c, d.day(120, "10:00"), "understanding", "Jonas")
	d.lesson(c, d.day(119, "23:00"), "understanding", -1) // the rest, after the feedback
	d.lesson(c, d.day(111, "23:30"), "activation", 2)     // a week later: the course's rhythm
	d.say(c, c, d.day(110, "23:50"), "Sorry, very busy weeks. Will continue soon.")
	d.say(dn, c, d.day(109, "09:00"), "No problem, Jonas. Would a fixed moment each week help, for instance Sunday evening?")
	d.say(dn, c, d.day(95, "09:00"), "Hi Jonas, how are you doing? I haven't heard from you for two weeks.")
	d.say(dn, c, d.day(82, "09:00"), "Jonas, I'm worried I haven't heard from you. Please let me know if you want to go on; otherwise I'll close your trajectory in two weeks.")
	d.end(dn, c, d.day(68, "16:00"), coaching.Outcome{State: coaching.StateDroppedOut, Reason: coaching.ReasonDisappeared,
		Note: "No reply to three messages and a phone call over five weeks."})
}

func (d *demo) kim() {
	c := d.client("demo-kim", string(coaching.StateDroppedOut), "stopped herself (helped enough) after three lessons and a good week-6 PHQ-9 (11 → 5)")
	s := d.sofie
	d.signUp(c, d.day(100, "19:00"), 0, 0)
	d.apply(c, d.day(100, "19:15"), intake(11, 0, "Get out of this dip before it gets worse.", "Evenings.", coaching.CareGP))
	d.assign(c, s, d.day(97, "09:30"))
	start := d.day(96, "20:00")
	d.consent(c, start)
	d.contact(s, c, d.day(94, "18:30"), coaching.ContactVideo, 35, "Intake. Mild to moderate symptoms after a busy winter; good support at home.")
	d.lesson(c, d.day(92, "21:00"), "understanding", -1)
	d.feedback(s, c, d.day(91, "10:00"), "understanding", "Kim")
	d.lesson(c, d.day(80, "21:00"), "activation", -1)
	d.feedback(s, c, d.day(79, "10:00"), "activation", "Kim")
	d.lesson(c, d.day(60, "21:00"), "thoughts", -1)
	d.feedback(s, c, d.day(59, "10:00"), "thoughts", "Kim")
	d.measure(c, start.AddDate(0, 0, 43), coaching.PointWeek6, 5, 0, -1)
	d.say(s, c, d.day(52, "09:30"), "Kim, your week-6 questionnaire shows a big improvement: from 11 to 5. How do you feel about it yourself?")
	d.say(c, c, d.day(46, "20:00"), "Sofie, I feel so much better now that I'd like to stop and carry on by myself. Thank you for everything!")
	d.end(c, c, d.day(45, "20:10"), coaching.Outcome{State: coaching.StateDroppedOut, Reason: coaching.ReasonHelpedEnough,
		Note: "I feel much better and want to continue on my own."})
}

func (d *demo) lars() {
	c := d.client("demo-lars", string(coaching.StateDroppedOut), "dropped out (not suitable) after two contacts with Daan: online care was not for him")
	dn := d.daan
	d.signUp(c, d.day(80, "14:00"), 0, 0)
	d.apply(c, d.day(80, "14:20"), intake(14, 0, "Somebody to talk to.", "Daytime; I'm unemployed."))
	d.assign(c, dn, d.day(78, "10:00"))
	d.consent(c, d.day(77, "11:00"))
	d.contact(dn, c, d.day(75, "10:00"), coaching.ContactFaceToFace, 60, "Intake at the practice. Wants to talk, not to write; reading the lessons is hard for him.")
	d.lesson(c, d.day(72, "11:00"), "understanding", 3)
	d.contact(dn, c, d.day(66, "10:00"), coaching.ContactVideo, 30, "Video call. Has not continued the course; prefers weekly face-to-face sessions.")
	d.end(dn, c, d.day(60, "15:00"), coaching.Outcome{State: coaching.StateDroppedOut, Reason: coaching.ReasonNotSuitable,
		Note: "After two contacts we agreed online care does not suit him; referred back to his GP for face-to-face therapy."})
}

func (d *demo) mila() {
	c := d.client("demo-mila", string(coaching.StateReferred), "referred to outpatient care by Sofie: no improvement after nine weeks (PHQ-9 20 → 21)")
	s := d.sofie
	d.signUp(c, d.day(110, "09:00"), 0, 0)
	d.apply(c, d.day(110, "09:20"), intake(20, 0, "I don't know any more. Everything is too much.", "Mornings.", coaching.CareGP, coaching.CareMedication))
	d.assign(c, s, d.day(106, "09:00"))
	start := d.day(105, "10:00")
	d.consent(c, start)
	d.contact(s, c, d.day(104, "10:00"), coaching.ContactFaceToFace, 60, "Intake. Severe symptoms for over a year, medication without much effect.")
	d.lesson(c, d.day(100, "10:00"), "understanding", -1)
	d.feedback(s, c, d.day(99, "10:00"), "understanding", "Mila")
	d.lesson(c, d.day(85, "10:00"), "activation", -1)
	d.feedback(s, c, d.day(84, "10:00"), "activation", "Mila")
	d.measure(c, start.AddDate(0, 0, 43), coaching.PointWeek6, 21, 0, -1)
	d.contact(s, c, d.day(55, "10:00"), coaching.ContactVideo, 45, "No improvement; discussed more intensive care. She agrees to a referral.")
	d.say(s, c, d.day(54, "09:00"), "Mila, as discussed: I have contacted the mental-health centre. They will call you for an appointment within two weeks. Until then you can write to me here.")
	d.say(c, c, d.day(50, "11:00"), "They called, I have an appointment next week. Thank you for arranging it.")
	d.end(s, c, d.day(40, "16:00"), coaching.Outcome{State: coaching.StateReferred, Reason: coaching.ReasonReferredOutpatient,
		Note: "No improvement after nine weeks (PHQ-9 20 → 21); referred to the outpatient mental-health centre with her consent."})
}

func (d *demo) noor() {
	c := d.client("demo-noor", string(coaching.StateWithdrawn), "withdrew her application before a clinician was assigned")
	d.signUp(c, d.day(40, "16:00"), 0, 0)
	d.apply(c, d.day(40, "16:15"), intake(10, 0, "Some tips for a difficult period.", "Weekends."))
	d.withdraw(c, d.day(35, "12:00"))
}

func (d *demo) otto() {
	c := d.client("demo-otto", string(coaching.StateNoContact), "assigned but never agreed nor had contact: ended by the no-contact job after 28 days (no_contact_after_signup)")
	d.signUp(c, d.day(72, "02:10"), 0, 0)
	d.apply(c, d.day(72, "02:30"), intake(13, 0, "I can't sleep.", "Night."))
	d.assign(c, d.daan, d.day(70, "09:30"))
}

func (d *demo) pieter() {
	c := d.client("demo-pieter", "", "the course on his own (questionnaire, two lessons done, the third under way) and a mood diary")
	d.signUp(c, d.day(45, "20:00"), 0, 0)
	d.courseQuestionnaire(c, d.day(45, "20:10"), "start", 13)
	d.lesson(c, d.day(45, "20:20"), "understanding", -1)
	d.lesson(c, d.day(38, "21:00"), "activation", -1)
	for i, n := range []int{37, 35, 33, 30, 27} {
		d.diary(c, d.day(n, "22:00"), 4+i%3, "", "walk")
	}
	d.lesson(c, d.day(26, "20:30"), "thoughts", 3)
}

func (d *demo) roos() {
	c := d.client("demo-roos", "", "opened the first lesson once, three weeks ago, and did not come back")
	d.signUp(c, d.day(25, "13:00"), 0, 0)
	d.lesson(c, d.day(25, "13:05"), "understanding", 2)
}
