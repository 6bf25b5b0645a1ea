//go:build !unix

package runner

import "errors"

// pipesSupported: elsewhere (Windows) the event log is a file, tailed.
const pipesSupported = false

func openEventPipe(string) (eventLog, error) {
	return nil, errors.New("runner: named pipes are not supported here")
}
