package metricsource

// Local is implemented by sources that answer from the controller's own
// memory (the embedded source: its store is filled by the controller's
// scrapes), with no call to another system. A query returns as soon as the
// store's lock is free, so a caller need not bound it with a deadline: the
// idler's cycle asks one query per keep-alive window, dozens a cycle, and a
// timer per query was a twentieth of the bytes a replayed day allocates.
type Local interface {
	AnswersLocally()
}

// IsLocal reports whether src answers from memory (Local).
func IsLocal(src any) bool {
	_, ok := src.(Local)
	return ok
}
