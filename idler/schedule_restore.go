package idler

import "time"

// Restoring ahead of a scheduled minimum. A function at zero whose
// scheduled minimum starts before the idler's next run is raised by this
// cycle, the last before the start: an operator who schedules "3 replicas
// from 08:00" expects them serving at 08:00, and the first cycle inside
// the period raised them up to a cycle late, cold for their start-up time
// after that. (Raising earlier than the last cycle before the start would
// hold replicas for nobody; the scaler floors them once the minimum is
// active, and the idler never idles a function whose minimum starts before
// its run after next, see Input.ScheduledSoon.)

// restoreAhead marks w, a function at zero with min-schedule value v and no
// minimum active at now, as soon when a minimum of v starts by the
// schedule's next run; its ScheduleReason words it.
func (d *Idler) restoreAhead(w *work, v string, now time.Time) {
	if n, why := d.schedule.upcoming(v, now, d.cycleNext); n > 0 {
		w.soon, w.in.ScheduleReason = true, why
	}
}

// soonMinimum is the scheduled minimum restoreAhead found for w at now (0:
// none). Asked again rather than kept in every work item: the schedule
// cache answers it from the same value and instants.
func (d *Idler) soonMinimum(w *work, now time.Time) uint64 {
	if !w.soon || w.fn.Replicas != 0 || w.in.ScheduledMin > 0 {
		return 0
	}
	n, _ := d.schedule.upcoming(w.minSchedule, now, d.cycleNext)
	return n
}
