package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// What the made-up people answer: questionnaires with a chosen total,
// lesson exercises, the anonymous self-tests and the page views.

// demoProgramme is the self-help course the demo's clients follow.
const demoProgramme = "depression"

// questionnaire answers instrument's items (prefix_1 … prefix_n, each 0–3)
// so that they add up to total; the last item is set to last (PHQ-9 item
// 9: thoughts of being better off dead) and the others share the rest.
func questionnaire(prefix string, items, total, last int) []selftest.Answer {
	rest := total - last
	if last < 0 || last > 3 || rest < 0 || rest > 3*(items-1) {
		panic(fmt.Sprintf("demo: %s total %d with last item %d is impossible", prefix, total, last))
	}
	vals := make([]int, items)
	vals[items-1] = last
	for i := 0; rest > 0; i = (i + 1) % (items - 1) {
		if vals[i] < 3 {
			vals[i]++
			rest--
		}
	}
	out := make([]selftest.Answer, items)
	for i, v := range vals {
		out[i] = selftest.Answer{Item: fmt.Sprintf("%s_%d", prefix, i+1), Value: v}
	}
	return out
}

// phq9 answers the PHQ-9 with total points, item9 of them on item 9.
func phq9(total, item9 int) []selftest.Answer { return questionnaire("phq9", 9, total, item9) }

// gad7 answers the GAD-7 with total points.
func gad7(total int) []selftest.Answer { return questionnaire("gad7", 7, total, min(3, (total+6)/7)) }

// doLesson has client work through lesson: open it and save its first
// steps (all when steps < 0) as done, a few minutes apart.
func (d *demo) doLesson(ctx context.Context, c *demoPerson, lessonID string, steps int) error {
	prog, err := d.svcs.Selfhelp.Library().Programme(demoProgramme)
	if err != nil {
		return err
	}
	l := prog.Lesson(lessonID)
	if l == nil {
		return fmt.Errorf("no lesson %q in %s", lessonID, demoProgramme)
	}
	if _, err := d.svcs.Selfhelp.OpenLesson(ctx, c.ID, demoProgramme, lessonID); err != nil {
		return err
	}
	for i, st := range l.Steps {
		if steps >= 0 && i >= steps {
			break
		}
		d.clock.Add(4 * time.Minute)
		_, err := d.svcs.Selfhelp.SaveStep(ctx, c.ID, demoProgramme, lessonID, st.ID, d.stepValues(c, st), true)
		if errors.Is(err, modules.ErrWaiting) { // a feedback moment: on after the feedback
			c.waitingAt = lessonID
			return nil
		}
		if err != nil {
			return fmt.Errorf("lesson %s step %s: %w", lessonID, st.ID, err)
		}
	}
	if c.waitingAt == lessonID {
		c.waitingAt = ""
	}
	return nil
}

// stepValues fills every field of an exercise the way a client would.
func (d *demo) stepValues(c *demoPerson, st *modules.Step) modules.Values {
	vals := modules.Values{}
	today := d.clock.Now().In(d.loc)
	for _, f := range st.Fields {
		pick := int(hash(c.Nickname + st.ID + f.ID))
		var v any
		switch f.Type {
		case modules.FieldText:
			v = demoText(f.ID, pick)
		case modules.FieldScale:
			v = 3 + pick%5
		case modules.FieldSingle:
			v = f.Options[pick%len(f.Options)].ID
			if o := f.Options[pick%len(f.Options)]; o.Safety != "" {
				v = f.Options[(pick+1)%len(f.Options)].ID
			}
		case modules.FieldMultiple, modules.FieldChecklist:
			// Never a safety signal by chance: a crisis answer in the
			// course alerts the clinician, and the stories say where one is.
			var ids []string
			for i, o := range f.Options {
				if (i+pick)%3 == 0 && o.Safety == "" {
					ids = append(ids, o.ID)
				}
			}
			v = ids
		case modules.FieldList:
			v = demoList(f.ID, pick)
		case modules.FieldPlanner:
			mood := 4 + pick%4
			v = []modules.PlanItem{
				{Activity: "Walk round the park before work", Day: today.AddDate(0, 0, 1).Format(time.DateOnly), Time: "08:00"},
				{Activity: "Phone my sister", Day: today.AddDate(0, 0, 2).Format(time.DateOnly), Time: "19:30"},
				{Activity: "Go to the market with a friend", Day: today.Format(time.DateOnly), Done: true, Mood: &mood},
			}
		}
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		vals[f.ID] = b
	}
	return vals
}

func hash(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return h.Sum32()
}

// demoTexts are answers to the course's text fields, by field id; other
// fields get one of demoFallback.
var demoTexts = map[string][]string{
	"situation": {
		"Sunday afternoon at home, alone. The others had gone to a birthday party and I had said I was too tired.",
		"Monday morning at work, in the team meeting. My manager asked for the figures I had not finished.",
	},
	"thoughts":  {"Nobody really misses me. I always spoil things anyway.", "I can't do anything right any more."},
	"thought":   {"I'm letting everyone down.", "They must think I'm useless."},
	"feelings":  {"Sad and heavy, a tight chest, tired all over.", "Tense and ashamed; my stomach was in a knot."},
	"feeling":   {"Sad, and guilty.", "Anxious and flat at the same time."},
	"behaviour": {"I stayed on the sofa scrolling my phone for hours.", "I kept quiet and went home early."},
	"effect":    {"I felt even worse in the evening and slept badly.", "Relief for an hour, then more gloomy than before."},
	"hopes": {
		"To get up in the morning without dreading the day, and to enjoy seeing friends again.",
		"To sleep better and to stop going over everything in my head.",
	},
	"mood-change": {"On Thursday my mood lifted a bit after a walk with the dog in the sun."},
	"obstacles":   {"Rain, or feeling too tired after work. Then I will do a shorter version instead of nothing."},
	"noticed":     {"Going outside in the morning helped most; cooking for a friend too, more than I expected."},
	"evidence-for": {
		"I did make a mistake in the report.",
	},
	"evidence-against":   {"My manager thanked me for my work last month. One mistake is not everything."},
	"friend":             {"I would tell a friend that one mistake doesn't make them a failure and that they are tired, not useless."},
	"other-explanations": {"She might have been busy or worried about something herself."},
	"worst-best-likely":  {"Worst: I lose my job. Best: nobody notices. Most likely: I correct it and it is forgotten in a week."},
	"helpful-thought":    {"I made a mistake and I can fix it; that is what everyone does sometimes."},
	"daily-thoughts":     {"'I'll never get better' came up a few times. Writing down the evidence against it helped on two of the days."},
	"first-choice":       {"The pile of unopened letters, because it keeps me awake and it is something I can start on."},
	"problem":            {"I have put off opening my post for weeks and I am worried about the bills."},
	"describe":           {"About twenty letters on the kitchen table; I feel sick when I look at them."},
	"goal":               {"Have all letters opened and sorted by the end of next week."},
	"pros-cons":          {"Doing ten minutes a day: easy to start, but slow. Asking my brother to help: faster, but I feel ashamed."},
	"choice":             {"Ten minutes a day, and ask my brother for the difficult ones."},
	"plan":               {"Monday: open five letters. Tuesday: sort them. Wednesday: call about the one bill I don't understand."},
	"evaluation":         {"It went better than I feared. Most letters were advertising; only one bill was late."},
	"next-step":          {"Set up a payment plan for the late bill."},
	"first-change":       {"Lights out at 11 and no phone in the bedroom."},
	"what-helped":        {"The fixed bedtime. I still woke early twice, but got up instead of lying there."},
	"contact-made":       {"I had coffee with a colleague; it was nice to talk about something else than work."},
	"learned":            {"That doing things comes before feeling like it, and that my thoughts are not always facts."},
	"first-action":       {"Plan one pleasant activity every day and tell my partner how I feel."},
	"shared-with":        {"My partner and my GP. We agreed they may ask me about my warning signs."},
	"after-a-month":      {"Still doing well. I want to add swimming to the plan."},
}

var demoFallback = []string{
	"I recognised more of it than I expected.",
	"Writing it down helped me see it more clearly.",
	"Not sure yet; I want to come back to this.",
}

func demoText(fieldID string, pick int) string {
	if texts, ok := demoTexts[fieldID]; ok {
		return texts[pick%len(texts)]
	}
	// Thought records in the homework (record-1-situation …).
	for _, suffix := range []string{"situation", "thought", "feeling"} {
		if len(fieldID) > len(suffix) && fieldID[len(fieldID)-len(suffix):] == suffix {
			texts := demoTexts[suffix]
			return texts[pick%len(texts)]
		}
	}
	return demoFallback[pick%len(demoFallback)]
}

var demoLists = map[string][]string{
	"my-activities":    {"Walk the dog in the woods", "Bake bread", "Play guitar", "Swim on Saturday morning"},
	"helpful-thoughts": {"One mistake is not a failure", "I don't know what she thinks; I can ask", "Tired is not the same as useless"},
	"problems":         {"Unopened post and bills", "Arguments about the household", "Too much overtime"},
	"solutions":        {"Ten minutes a day", "Ask my brother", "Call the energy company", "Do nothing (not really a solution)"},
	"people":           {"My sister Els", "Tom from the running club", "My neighbour"},
	"what-helps":       {"Walking every morning", "Talking to my partner", "Keeping a regular bedtime"},
	"signs":            {"Sleeping badly for several nights", "Cancelling plans with friends", "Brooding in the evening"},
	"professionals":    {"My GP", "Tele-Onthaal 106", "The Zelfmoordlijn 1813 when it gets too much"},
}

func demoList(fieldID string, pick int) []string {
	if items, ok := demoLists[fieldID]; ok {
		return items
	}
	return []string{"Something small every day", "Ask for help sooner"}[:1+pick%2]
}

// lessonFeedback is a clinician's feedback on each lesson, to a client.
func lessonFeedback(lessonID, name string) string {
	switch lessonID {
	case "understanding":
		return fmt.Sprintf("Hi %s, thank you for your work on the first lesson. Your vicious circle of that Sunday afternoon is very recognisable: staying home to rest and then feeling heavier in the evening. That is exactly what we will work on in the next lesson. Try to keep the diary every day this week, even in a few words.", name)
	case "activation":
		return fmt.Sprintf("Well done, %s. Your week plan is realistic, and I like that you wrote down what you will do when it rains. Notice in your diary how your mood is on the days with and without a walk — I am curious what you find.", name)
	case "thoughts":
		return fmt.Sprintf("%s, your thought records are thorough. You spotted 'all or nothing' and 'mind reading' yourself, which is the hardest part. In the next lesson you will learn to test these thoughts; take your Monday-morning record as the first one.", name)
	case "challenging":
		return fmt.Sprintf("Good work, %s. Your helpful thought ('I made a mistake and I can fix it') is realistic rather than just positive — that is why it works. Keep practising with one thought a day.", name)
	case "problems":
		return fmt.Sprintf("Thanks, %s. Splitting the post into ten minutes a day was a smart choice. Let me know after the first week how it went; we can look at the bill together in our next call.", name)
	case "selfcare":
		return fmt.Sprintf("%s, the fixed bedtime seems to help already. Keep it going for at least three more weeks before you judge it — sleep changes slowly.", name)
	case "relapse":
		return fmt.Sprintf("Your plan is clear and personal, %s. Share it with someone you trust, as the lesson suggests, and keep it somewhere you will find it when you need it.", name)
	}
	return fmt.Sprintf("Thank you for your work on this lesson, %s.", name)
}

// anonymousSelftests schedules the anonymous self-tests of the last
// three months: visitors who never made an account, with a mix of
// instruments, severities, languages and profile answers.
func (d *demo) anonymousSelftests(n int) {
	r := rand.New(rand.NewPCG(10, 2025))
	pick := func(xs []string) string {
		if r.IntN(5) == 0 {
			return "" // skipped
		}
		return xs[r.IntN(len(xs))]
	}
	for i := 0; i < n; i++ {
		at := d.day(1+r.IntN(90), fmt.Sprintf("%02d:%02d", 7+r.IntN(16), r.IntN(60)))
		in := selftest.SubmitInput{InstrumentID: "phq9", Language: "nl",
			Profile: selftest.Profile{AgeBand: pick(selftest.AgeBands[1:]), Gender: pick(selftest.Genders),
				Region: pick(selftest.Regions[:7]), SoughtHelpBefore: pick(selftest.YesNo)}}
		if r.IntN(10) < 3 {
			in.Language = "en"
		}
		// Severity as people who take a screening test online have it:
		// most mild to moderately severe.
		total := []int{3, 6, 8, 9, 11, 12, 13, 14, 16, 17, 19, 22, 25}[r.IntN(13)]
		if r.IntN(10) < 3 {
			in.InstrumentID = "gad7"
			in.Answers = gad7(min(total, 21))
		} else {
			item9 := max(0, total-24) // above 24 points item 9 cannot be 0
			if total >= 14 && r.IntN(4) == 0 {
				item9 = max(item9, 1)
			}
			in.Answers = phq9(total, item9)
		}
		d.on(at, "an anonymous visitor takes the self-test", func(ctx context.Context) error {
			_, err := d.svcs.Selftest.Submit(ctx, in)
			return err
		})
	}
}

// visits schedules the page views of the last days, counted the way the
// site counts them (db/visits): in memory, flushed, days closed.
func (d *demo) visits(days int) {
	r := rand.New(rand.NewPCG(7, 2025))
	agents := []string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
	}
	for n := days; n >= 1; n-- {
		visitors := 12 + r.IntN(30)
		views := make([]int, visitors)
		for i := range views {
			views[i] = 1 + r.IntN(6)
		}
		d.on(d.day(n, "21:00"), "the day's page views are counted", func(ctx context.Context) error {
			for i, v := range views {
				// Documentation addresses (RFC 5737): never anyone's.
				src := fmt.Sprintf("198.51.100.%d", i+1)
				for range v {
					if err := d.svcs.Visits.Record(ctx, src, agents[i%len(agents)]); err != nil {
						return err
					}
				}
			}
			return d.svcs.Visits.Flush(ctx)
		})
	}
	d.on(d.ago(time.Minute), "the visits-close-days job counts the days", func(ctx context.Context) error {
		return d.svcs.Visits.CloseDays(ctx, d.clock.Now())
	})
}
