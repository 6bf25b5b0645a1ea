package reporttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// PlainReport is report.json, the plain reporter's file for Jenkins and any
// other system, as a later stage decodes it: written from the shape package
// report documents for it, not from its code.
type PlainReport struct {
	// Outputs holds each output's value by its name.
	Outputs map[string]string `json:"outputs"`
	// SecretOutputs names the secret outputs, whose values are never written.
	SecretOutputs []string `json:"secretOutputs"`
	// Metrics holds each metric's value by its name.
	Metrics map[string]float64 `json:"metrics"`
	// Attachments lists the attached files; a Path is relative to the
	// report's folder, with forward slashes.
	Attachments []struct {
		Name string `json:"name"`
		Path string `json:"path"`
	} `json:"attachments"`
	// Failure is the failure's message, if the step failed.
	Failure string `json:"failure"`
	// Summary is the summary's file name in the report's folder, if there is
	// one.
	Summary string `json:"summary"`
}

// ReadPlainReport decodes data, the text of a report.json, strictly: a key
// the documented shape does not name is an error, as is anything after the
// one JSON object.
func ReadPlainReport(data []byte) (PlainReport, error) {
	var rep PlainReport
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return PlainReport{}, fmt.Errorf("report.json: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return PlainReport{}, fmt.Errorf("report.json: more after its object, at byte %d", dec.InputOffset())
	}
	return rep, nil
}
