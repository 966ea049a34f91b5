// Package testenv holds the helpers every package's tests share when they
// drive real processes or read files that may be absent: WaitFor polls a
// condition until it holds or a deadline passes (for real processes only;
// loops are tested on virtual time with testing/synctest, never by
// polling), and SkipOrFail, LookPath and NeedPath turn a missing tool or
// data set into a skip on a developer's machine but a failure under
// CI=true, where something missing means a broken pipeline, not a reason to
// pass.
package testenv
