// Package zwsp inserts U+200B ZERO WIDTH SPACE into text at given positions,
// and maps a short write of the result back to the input: the mechanics
// that octoenv's and report's defusing writers share (each decides where
// the marks go by its own systems' rules).
package zwsp

// Mark is U+200B ZERO WIDTH SPACE in UTF-8: invisible in a log, and made of
// none of the bytes a command of Octopus or a CI system begins with.
const Mark = "\u200B"

// Insert appends p to dst with Mark before each position in at (ascending).
func Insert[T string | []byte](dst []byte, p T, at []int) []byte {
	start := 0
	for _, i := range at {
		dst = append(dst, p[start:i]...)
		dst = append(dst, Mark...)
		start = i
	}
	return append(dst, p[start:]...)
}

// InputWritten returns how many input bytes the first n output bytes of
// Insert carry, when Mark went before the input positions at. A Mark
// written only in part carries none.
func InputWritten(n int, at []int) int {
	for k, i := range at {
		mark := i + k*len(Mark) // where the k-th Mark starts in the output
		if n <= mark {
			return n - k*len(Mark)
		}
		if n < mark+len(Mark) {
			return i
		}
	}
	return n - len(at)*len(Mark)
}
