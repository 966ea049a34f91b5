package scaler

import (
	"strconv"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// The words of the reasons most loud decisions give (a function under load
// worded again when its next record follows: a quiet tick's record is
// worded once, then), put together by appending instead of fmt.Sprintf:
// parsing the formats and boxing the arguments was 2 % of a trace replay,
// nearly all of it these. Each writes what the fmt verb named beside it writes:
// strconv's shortest 'g' is %g, 'g' with 4 digits %.4g, and so on
// (TestWordsAreFmts compares them).

// wordsBuf is the stack buffer the builders whose length depends on their
// head append into: a buffer sized by the head (make with a variable
// length) went to the heap, a second allocation beside the string. A
// reason longer than it still comes out whole: append moves it to the heap.
const wordsBuf = 256

// targetWords is fmt.Sprintf("target %g×%.6g", target, proportion): the
// proportion as decided on (%.2f named 0.005 "0.01", twice the target the
// decision used; a review's finding).
func targetWords(target, proportion float64) string {
	b := make([]byte, 0, 32)
	b = append(b, "target "...)
	b = strconv.AppendFloat(b, target, 'g', -1, 64)
	b = append(b, "×"...)
	b = strconv.AppendFloat(b, proportion, 'g', 6, 64)
	return string(b)
}

// headWords is fmt.Sprintf("%s %.4g%s over %s on %d ready", typ, load, src,
// target, ready).
func headWords(typ string, load float64, src, target string, ready uint64) string {
	var buf [wordsBuf]byte
	b := buf[:0]
	b = append(b, typ...)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, load, 'g', 4, 64)
	b = append(b, src...)
	b = append(b, " over "...)
	b = append(b, target...)
	b = append(b, " on "...)
	b = strconv.AppendUint(b, ready, 10)
	b = append(b, " ready"...)
	return string(b)
}

// windowSourceWords is fmt.Sprintf(" (%v peak%s)", w, partWords(part)) for
// capacity, else fmt.Sprintf(" (%v avg)", w).
func windowSourceWords(w time.Duration, capacity bool, part metricsource.Part) string {
	b := make([]byte, 0, 48)
	b = append(b, " ("...)
	b = append(b, w.String()...)
	if capacity {
		b = append(b, " peak"...)
		if pw := part.Words(); pw != "" {
			b = append(b, ", "...)
			b = append(b, pw...)
		}
	} else {
		b = append(b, " avg"...)
	}
	b = append(b, ')')
	return string(b)
}

// steadyWords is fmt.Sprintf("%s needs %d → keep %d", head, rec, cur).
func steadyWords(head string, rec, cur uint64) string {
	var buf [wordsBuf]byte
	b := buf[:0]
	b = append(b, head...)
	b = append(b, " needs "...)
	b = strconv.AppendUint(b, rec, 10)
	b = append(b, " → keep "...)
	b = strconv.AppendUint(b, cur, 10)
	return string(b)
}

// toWords is fmt.Sprintf("%s → %d", head, v).
func toWords(head string, v uint64) string {
	var buf [wordsBuf]byte
	b := buf[:0]
	b = append(b, head...)
	b = append(b, " → "...)
	b = strconv.AppendUint(b, v, 10)
	return string(b)
}

// stabilisingWords is fmt.Sprintf("%s wants %d; highest in the %v window is
// %d → %d", head, rec, window, h, hi).
func stabilisingWords(head string, rec uint64, window time.Duration, h, hi uint64) string {
	var buf [wordsBuf]byte
	b := buf[:0]
	b = append(b, head...)
	b = append(b, " wants "...)
	b = strconv.AppendUint(b, rec, 10)
	b = append(b, "; highest in the "...)
	b = append(b, window.String()...)
	b = append(b, " window is "...)
	b = strconv.AppendUint(b, h, 10)
	b = append(b, " → "...)
	b = strconv.AppendUint(b, hi, 10)
	return string(b)
}

// toleranceWords is fmt.Sprintf("%s: within ±%.6g%% of %d replicas'
// capacity %.4g → keep %d", head, tolerance*100, cur, capacity, cur).
func toleranceWords(head string, percent float64, cur uint64, capacity float64) string {
	var buf [wordsBuf]byte
	b := buf[:0]
	b = append(b, head...)
	b = append(b, ": within ±"...)
	b = strconv.AppendFloat(b, percent, 'g', 6, 64)
	b = append(b, "% of "...)
	b = strconv.AppendUint(b, cur, 10)
	b = append(b, " replicas' capacity "...)
	b = strconv.AppendFloat(b, capacity, 'g', 4, 64)
	b = append(b, " → keep "...)
	b = strconv.AppendUint(b, cur, 10)
	return string(b)
}

// minWords is fmt.Sprintf("min %d", lo).
func minWords(lo uint64) string {
	return "min " + strconv.FormatUint(lo, 10)
}
