package selftest

import "slices"

// Profile holds the optional, anonymous profile answers a visitor may give
// with a self-test, so that reports can describe who seeks help per module.
// Every field is optional; an empty string means "skipped".
type Profile struct {
	AgeBand          string `json:"age_band,omitempty"`
	Gender           string `json:"gender,omitempty"`
	Region           string `json:"region,omitempty"`
	SoughtHelpBefore string `json:"sought_help_before,omitempty"`
}

// AgeUnder18 is the age band of a visitor under 18: their result shows the
// lines for children and young people beside the others.
const AgeUnder18 = "under_18"

// The allowed values of each profile question. They are deliberately coarse
// (bands, provinces) so that a combination of answers does not single anyone out.
var (
	AgeBands = []string{AgeUnder18, "18_24", "25_34", "35_44", "45_54", "55_64", "65_plus"}
	Genders  = []string{"woman", "man", "non_binary", "other"}
	Regions  = []string{
		"be_antwerp", "be_limburg", "be_east_flanders", "be_flemish_brabant", "be_west_flanders",
		"be_brussels", "be_wallonia",
		"nl_drenthe", "nl_flevoland", "nl_friesland", "nl_gelderland", "nl_groningen", "nl_limburg",
		"nl_north_brabant", "nl_north_holland", "nl_overijssel", "nl_south_holland", "nl_utrecht", "nl_zeeland",
		"other",
	}
	YesNo = []string{"yes", "no"}
)

// ProfileQuestion describes one profile question and its allowed values.
type ProfileQuestion struct {
	ID     string
	Values []string
}

// ProfileQuestions lists the profile questions in display order.
func ProfileQuestions() []ProfileQuestion {
	return []ProfileQuestion{
		{ID: "age_band", Values: AgeBands},
		{ID: "gender", Values: Genders},
		{ID: "region", Values: Regions},
		{ID: "sought_help_before", Values: YesNo},
	}
}

// validate checks that every given answer is one of the allowed values.
func (p Profile) validate(verr *ValidationError) {
	check := func(field, v string, allowed []string) {
		if v != "" && !slices.Contains(allowed, v) {
			verr.Add("profile."+field, "not one of the allowed values")
		}
	}
	check("age_band", p.AgeBand, AgeBands)
	check("gender", p.Gender, Genders)
	check("region", p.Region, Regions)
	check("sought_help_before", p.SoughtHelpBefore, YesNo)
}
