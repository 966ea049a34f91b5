package scaler

import "fmt"

// Direction is the way a scale went.
type Direction int8

const (
	None Direction = 0
	Up   Direction = 1
	Down Direction = -1
	// UpToFloor is a raise to a floor (the function's min, a scheduled
	// minimum: codes at_min and scheduled_min), not for load: LastScaleUp
	// leaves it out. Counted as growth, the floor raised ahead of a
	// scheduled minimum held a function opted in to zero a whole
	// zero-duration past the minimum's end, though nobody called it.
	UpToFloor Direction = 2
)

// MarshalText writes "up", "up_to_floor", "down" or "none": the explain API shows a
// function's State, and 1 or -1 there meant nothing to an operator without
// the source (a State's omitempty still leaves None out: it is the zero
// int8).
func (d Direction) MarshalText() ([]byte, error) {
	switch d {
	case Up:
		return []byte("up"), nil
	case UpToFloor:
		return []byte("up_to_floor"), nil
	case Down:
		return []byte("down"), nil
	case None:
		return []byte("none"), nil
	}
	return nil, fmt.Errorf("scaler: no direction %d", int8(d))
}

// UnmarshalText reads what MarshalText writes; any other word is an error,
// not None.
func (d *Direction) UnmarshalText(b []byte) error {
	switch string(b) {
	case "up":
		*d = Up
	case "up_to_floor":
		*d = UpToFloor
	case "down":
		*d = Down
	case "none":
		*d = None
	default:
		return fmt.Errorf("scaler: last_scale_direction %q is not up, up_to_floor, down or none", b)
	}
	return nil
}
