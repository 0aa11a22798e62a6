// Package textdist measures how far apart two names are, for the "did you
// mean" suggestions of error messages (settings, EC2 profile APIs, instance
// types).
package textdist

// Levenshtein is the edit distance between a and b (insertions, deletions and
// substitutions of one rune each cost 1). Once the distance is certain to
// exceed limit it returns limit+1 early, so a caller comparing against a
// bound pays only for names near it.
func Levenshtein(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit+1)
}
