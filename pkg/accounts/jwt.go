package accounts

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// maxJWTBytes bounds the tokens accepted; real OIDC tokens are a few
// kilobytes.
const maxJWTBytes = 64 << 10

// Claims are what an Octopus token says, read without verifying it. Use
// them to explain a refusal; never to trust the token.
type Claims struct {
	Algorithm string
	Issuer    string
	Subject   string
	Audience  []string
	Expiry    time.Time
	NotBefore time.Time
	IssuedAt  time.Time
}

// ParseClaims reads a JWT's header and claims without verifying anything.
// Its errors never contain the token.
func ParseClaims(token string) (Claims, error) {
	var c Claims
	token = strings.TrimSpace(token)
	if len(token) > maxJWTBytes {
		return c, fmt.Errorf("it is %d bytes long, more than the %d a token may be", len(token), maxJWTBytes)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, fmt.Errorf("it has %d dot-separated parts where a JWT has 3 (header.payload.signature)", len(parts))
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return c, fmt.Errorf("its header %w", err)
	}
	c.Algorithm = header.Alg
	var raw struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp *json.Number    `json:"exp"`
		Nbf *json.Number    `json:"nbf"`
		Iat *json.Number    `json:"iat"`
	}
	if err := decodeSegment(parts[1], &raw); err != nil {
		return c, fmt.Errorf("its payload %w", err)
	}
	c.Issuer, c.Subject = raw.Iss, raw.Sub
	var err error
	if c.Audience, err = audiences(raw.Aud); err != nil {
		return c, err
	}
	for _, t := range []struct {
		name string
		n    *json.Number
		to   *time.Time
	}{{"exp", raw.Exp, &c.Expiry}, {"nbf", raw.Nbf, &c.NotBefore}, {"iat", raw.Iat, &c.IssuedAt}} {
		if t.n == nil {
			continue
		}
		f, err := t.n.Float64()
		if err != nil || f < 0 || f > 1e11 {
			return c, fmt.Errorf("its claim %q is not a time in seconds since 1970", t.name)
		}
		*t.to = time.Unix(int64(f), 0).UTC()
	}
	return c, nil
}

func audiences(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many, nil
	}
	return nil, errors.New(`its claim "aud" is neither a string nor a list of strings`)
}

// decodeSegment decodes one base64url JSON segment; its errors say what is
// wrong without quoting the segment.
func decodeSegment(seg string, v any) error {
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return errors.New("is not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return errors.New("is not a JSON object")
	}
	return nil
}

// issuerHost returns the issuer's host and path, as IAM names an OpenID
// Connect provider and its condition keys (octopus.example.com:sub).
func issuerHost(iss string) string {
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" {
		return strings.TrimSuffix(strings.TrimPrefix(iss, "https://"), "/")
	}
	return strings.TrimSuffix(u.Host+u.Path, "/")
}

// octopusSubject splits Octopus's default subject
// (space:<slug>:project:<slug>:tenant:<slug>:environment:<slug>, or parts of
// it) into its key/value pairs; ok is false for other shapes.
func octopusSubject(sub string) (parts [][2]string, ok bool) {
	fields := strings.Split(sub, ":")
	if len(fields) < 2 || len(fields)%2 != 0 {
		return nil, false
	}
	known := map[string]bool{"space": true, "project": true, "tenant": true, "environment": true, "runbook": true, "account": true, "type": true, "feed": true, "target": true}
	for i := 0; i < len(fields); i += 2 {
		if !known[fields[i]] {
			return nil, false
		}
		parts = append(parts, [2]string{fields[i], fields[i+1]})
	}
	return parts, true
}

// subjectPattern suggests a trust-policy pattern for an Octopus subject:
// everything after the project replaced by a wildcard, so that one
// condition admits the project in every environment and tenant.
func subjectPattern(sub string) string {
	parts, ok := octopusSubject(sub)
	if !ok {
		return sub
	}
	var out []string
	for _, p := range parts {
		out = append(out, p[0]+":"+p[1])
		if p[0] == "project" {
			return strings.Join(out, ":") + ":*"
		}
	}
	return sub
}
