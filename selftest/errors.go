package selftest

import "github.com/haven-mh/haven/db/kind"

// ErrNotFound is returned when an instrument or submission does not exist.
var ErrNotFound error = kind.NotFoundError("selftest: not found")

// ValidationError lists what is wrong with a submission, per field. Field
// keys name the answer ("answers.phq9_3") or the profile field
// ("profile.age_band"). It is the shared invalid-input kind.
type ValidationError = kind.Invalid

func newValidationError() *ValidationError { return kind.NewInvalid("selftest") }
