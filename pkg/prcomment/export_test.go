package prcomment

// BodyWithBudget is Body within a smaller budget, so that fuzzing reaches
// the cutting paths with small inputs.
func BodyWithBudget(budget int, key, markdown, details string, opts ...BodyOption) string {
	return buildBody(budget, key, markdown, details, opts...)
}
