package metricsource

import "testing"

// TestLowerBoundWords: none for no instance down; one named as such; a
// long list cut at three.
func TestLowerBoundWords(t *testing.T) {
	for _, c := range []struct {
		down []string
		want string
	}{
		{nil, ""},
		{[]string{"10.0.0.8:8082"}, "gateway instance 10.0.0.8:8082 not scraped: the load read is a lower bound"},
		{[]string{"a:1", "b:1", "c:1", "d:1", "e:1"}, "gateway instances a:1, b:1, c:1 and 2 more not scraped: the load read is a lower bound"},
	} {
		if got := LowerBoundWords(c.down, "load"); got != c.want {
			t.Errorf("LowerBoundWords(%v) = %q, want %q", c.down, got, c.want)
		}
	}
}
