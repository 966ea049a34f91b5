package jetstream

// SetAfterPage sets a function called after each page of the consumer
// listing is read, with the offset of the next page (tests only: a change
// to the consumers between two pages).
func (s *Source) SetAfterPage(f func(next int)) { s.afterPage = f }
