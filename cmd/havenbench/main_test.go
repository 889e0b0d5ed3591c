package main

import (
	"testing"
)

const demoOut = `Haven demonstration created in SQLite, /tmp/x/haven.db.

ROLE         NICKNAME          PASSWORD             TOTP SECRET                       WHO
coordinator  demo-coordinator  9QXY-T574-485N-NWHZ  LNGF2FRM56FGUSCCTNWPXVX2I7PQVYMW  Ines Claes, care coordinator
clinician    demo-sofie        3SHS-EDMK-HKM0-AZSX  72OZDB5ZCIW2TVFOFFB546HV4QT65XHX  Sofie Peeters, clinical psychologist, capacity 10

Recovery codes (four of each one's ten):
  demo-coordinator  KGN5-8TWB-7ZE3-GNYD  KJC0-BMZA-2V00-406Y

NICKNAME     PASSWORD             STATE           WHAT TO LOOK AT
demo-anna    STH4-YSFF-DDV4-X19R  applied         applied 3 days ago (in Dutch); on the waiting list, no clinician yet
demo-dina    M5MY-XADK-N46M-TCYN  active          started 17 days ago with Sofie
demo-pieter  KYKF-1SMS-PWZF-QK22  self-help only  the course on his own

Also made up, for the figures: 80 anonymous self-tests.
`

func TestParseDemo(t *testing.T) {
	got, err := parseDemo(demoOut)
	if err != nil {
		t.Fatal(err)
	}
	want := []account{
		{role: "coordinator", nick: "demo-coordinator", password: "9QXY-T574-485N-NWHZ", totp: "LNGF2FRM56FGUSCCTNWPXVX2I7PQVYMW"},
		{role: "clinician", nick: "demo-sofie", password: "3SHS-EDMK-HKM0-AZSX", totp: "72OZDB5ZCIW2TVFOFFB546HV4QT65XHX"},
		{role: "client", nick: "demo-anna", password: "STH4-YSFF-DDV4-X19R", state: "applied"},
		{role: "client", nick: "demo-dina", password: "M5MY-XADK-N46M-TCYN", state: "active"},
		{role: "client", nick: "demo-pieter", password: "KYKF-1SMS-PWZF-QK22", state: "self-help only"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d accounts %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("account %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := parseDemo("nothing here"); err == nil {
		t.Error("no sign-ins gave no error")
	}
}

func TestDBURL(t *testing.T) {
	tests := []struct{ admin, name, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "haven_x", "postgres://postgres@127.0.0.1:5432/haven_x?sslmode=disable"},
		{"postgres://u:p@db/postgres", "haven_y", "postgres://u:p@db/haven_y"},
	}
	for _, tt := range tests {
		if got := dbURL(tt.admin, tt.name); got != tt.want {
			t.Errorf("dbURL(%q, %q) = %q, want %q", tt.admin, tt.name, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}}
	for _, tt := range tests {
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
}

// TestTargets: a goal above 0 is a floor, at or below 0 a ceiling (its
// negation), so "0 errors" is met by 0 only.
func TestTargets(t *testing.T) {
	var r report
	r.add("ratio", 0.61, ">= 0.60", 0.60)
	r.add("low ratio", 0.59, ">= 0.60", 0.60)
	r.add("p99", 2.0, "<= 2.0", -2.0)
	r.add("p99 high", 2.01, "<= 2.0", -2.0)
	r.add("errors", 0, "0", 0)
	r.add("some errors", 1, "0", 0)
	want := []bool{true, false, true, false, true, false}
	for i, tg := range r.Targets {
		if tg.Met != want[i] {
			t.Errorf("%s %.2f: met %v, want %v", tg.Name, tg.Value, tg.Met, want[i])
		}
	}
}
