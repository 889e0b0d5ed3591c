package main

import "testing"

func answers(vals ...int) []answer {
	out := make([]answer, len(vals))
	for i := range vals {
		v := vals[i]
		out[i] = answer{Item: items[i], Value: &v}
	}
	return out
}

// TestScore: the baseline scores the PHQ-9 as Haven does (the bands of
// selftest/instruments/phq9.yaml, crisis on item 9 above 0) and refuses
// what Haven refuses.
func TestScore(t *testing.T) {
	tests := []struct {
		name      string
		in        []answer
		total     int
		band      string
		crisis    bool
		wantError bool
	}{
		{"all zero", answers(0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "minimal", false, false},
		{"mild edge", answers(1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "mild", false, false},
		{"moderate", answers(2, 2, 2, 2, 2, 0, 0, 0, 0), 10, "moderate", false, false},
		{"moderately severe", answers(3, 3, 3, 3, 3, 0, 0, 0, 0), 15, "moderately_severe", false, false},
		{"severe with crisis", answers(3, 3, 3, 3, 3, 3, 1, 0, 1), 20, "severe", true, false},
		{"crisis whatever the total", answers(0, 0, 0, 0, 0, 0, 0, 0, 1), 1, "minimal", true, false},
		{"eight answers", answers(0, 0, 0, 0, 0, 0, 0, 0), 0, "", false, true},
		{"value 4", answers(4, 0, 0, 0, 0, 0, 0, 0, 0), 0, "", false, true},
		{"an item twice", append(answers(0, 0, 0, 0, 0, 0, 0, 0), answers(1)...), 0, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, band, crisis, err := score(tt.in)
			if (err != nil) != tt.wantError {
				t.Fatalf("error %v, want error %v", err, tt.wantError)
			}
			if err == nil && (total != tt.total || band != tt.band || crisis != tt.crisis) {
				t.Errorf("score = %d %s %v, want %d %s %v", total, band, crisis, tt.total, tt.band, tt.crisis)
			}
		})
	}
}
