package accountstest

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLike(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"space:default:project:*", "space:default:project:web:environment:prod", true},
		{"space:default:project:*", "space:other:project:web", false},
		{"*", "", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*:environment:prod", "space:x:project:y:environment:prod", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
	}
	for _, tt := range tests {
		if got := like(tt.pattern, tt.s); got != tt.want {
			t.Errorf("like(%q, %q) = %v", tt.pattern, tt.s, got)
		}
	}
}

// post sends a raw Query API request and decodes STS's error document.
func post(t *testing.T, s *STS, form url.Values, header map[string]string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e errorResponse
	_ = xml.Unmarshal(body, &e)
	if resp.StatusCode != http.StatusOK && (e.Xmlns != Namespace || e.RequestID == "" || e.Error.Type == "") {
		t.Errorf("the error document is not STS's: %s", body)
	}
	return resp.StatusCode, e.Error.Code, e.Error.Message
}

// TestSTSRefusesMalformed answers malformed and unsigned requests as STS
// does, with its codes.
func TestSTSRefusesMalformed(t *testing.T) {
	t.Parallel()
	s := NewSTS()
	defer s.Close()
	s.AddUser("arn:aws:iam::123456789012:user/u", "AKIAUSERUSERUSER1234")
	tests := []struct {
		name   string
		form   url.Values
		header map[string]string
		status int
		code   string
	}{
		{"unknown action", url.Values{"Action": {"Nope"}, "Version": {Version}}, nil, 400, "InvalidAction"},
		{"wrong version", url.Values{"Action": {ActionGetCallerIdentity}, "Version": {"2010-01-01"}}, nil, 400, "InvalidParameterValue"},
		{"unsigned", url.Values{"Action": {ActionGetCallerIdentity}, "Version": {Version}}, nil, 403, "MissingAuthenticationToken"},
		{"unknown key", url.Values{"Action": {ActionGetCallerIdentity}, "Version": {Version}},
			map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWNUNKNOWN12/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00"}, 403, "InvalidClientTokenId"},
		{"bad signature", url.Values{"Action": {ActionGetCallerIdentity}, "Version": {Version}},
			map[string]string{"X-Amz-Date": "20260101T000000Z", "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAUSERUSERUSER1234/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"}, 403, "SignatureDoesNotMatch"},
		{"missing token", url.Values{"Action": {ActionAssumeRoleWithWebIdentity}, "Version": {Version}, "RoleArn": {"arn:aws:iam::1:role/r"}, "RoleSessionName": {"s1"}}, nil, 400, "ValidationError"},
		{"bad session name", url.Values{"Action": {ActionAssumeRoleWithWebIdentity}, "Version": {Version}, "RoleArn": {"arn:aws:iam::1:role/r"}, "RoleSessionName": {"a b"}, "WebIdentityToken": {"x.y.z"}}, nil, 400, "ValidationError"},
		{"short duration", url.Values{"Action": {ActionAssumeRoleWithWebIdentity}, "Version": {Version}, "RoleArn": {"arn:aws:iam::1:role/r"}, "RoleSessionName": {"s1"}, "WebIdentityToken": {"x.y.z"}, "DurationSeconds": {"60"}}, nil, 400, "ValidationError"},
		{"not a JWT", url.Values{"Action": {ActionAssumeRoleWithWebIdentity}, "Version": {Version}, "RoleArn": {"arn:aws:iam::1:role/r"}, "RoleSessionName": {"s1"}, "WebIdentityToken": {"opaque"}}, nil, 400, "InvalidIdentityToken"},
	}
	for _, tt := range tests {
		status, code, msg := post(t, s, tt.form, tt.header)
		if status != tt.status || code != tt.code || msg == "" {
			t.Errorf("%s: %d %s %q, want %d %s", tt.name, status, code, msg, tt.status, tt.code)
		}
	}
	if n := s.Calls(ActionGetCallerIdentity); n != 4 {
		t.Errorf("%d GetCallerIdentity calls counted, want 4", n)
	}
}

// TestSTSFaults answers injected faults with STS's error document, in
// order, and keeps a repeating one.
func TestSTSFaults(t *testing.T) {
	t.Parallel()
	s := NewSTS()
	defer s.Close()
	s.Inject(ActionGetCallerIdentity, Throttling)
	s.Inject(ActionGetCallerIdentity, Fault{Status: http.StatusInternalServerError, Code: "InternalFailure", Repeat: true})
	form := url.Values{"Action": {ActionGetCallerIdentity}, "Version": {Version}}
	for i, want := range []string{"Throttling", "InternalFailure", "InternalFailure"} {
		if _, code, _ := post(t, s, form, nil); code != want {
			t.Errorf("request %d: %s, want %s", i, code, want)
		}
	}
}
