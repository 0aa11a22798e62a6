package textdist

import "testing"

func TestLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 5, 0},
		{"abc", "", 5, 3},
		{"", "abc", 5, 3},
		{"m5.lage", "m5.large", 5, 1},
		{"m5.lage", "m5.xlarge", 5, 2},
		{"m5.lage", "m4.large", 5, 2},
		{"kitten", "sitting", 10, 3}, // the textbook example: k→s, e→i, +g
		{"flaw", "lawn", 10, 2},
		{"WARM_IP_TARGET", "WARM_IP_TARGET", 3, 0},
		{"WARM_IP_TAGRET", "WARM_IP_TARGET", 3, 2}, // a transposition is two edits
		{"AtachNetworkInterface", "AttachNetworkInterface", 3, 1},
		{"m5.large", "m5.xlarge", 2, 1},
		{"kitten", "sitting", 2, 3}, // beyond the limit: limit+1
		{"a", "abcdefgh", 3, 4},     // length gap alone exceeds it
		{"é", "e", 3, 1},            // runes, not bytes
	} {
		if got := Levenshtein([]rune(c.a), []rune(c.b), c.limit); got != c.want {
			t.Errorf("Levenshtein(%q, %q, %d) = %d, want %d", c.a, c.b, c.limit, got, c.want)
		}
	}
}
