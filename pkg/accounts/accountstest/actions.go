package accountstest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

var sessionNameRe = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// validation answers STS's ValidationError.
func validation(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusBadRequest, "ValidationError", fmt.Sprintf(format, args...))
}

// required checks the parameters STS requires; on failure it has answered.
func required(w http.ResponseWriter, form url.Values, names ...string) bool {
	for _, n := range names {
		if form.Get(n) == "" {
			validation(w, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", strings.ToLower(n[:1])+n[1:])
			return false
		}
	}
	if s := form.Get("RoleSessionName"); !sessionNameRe.MatchString(s) {
		validation(w, "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", s)
		return false
	}
	return true
}

// sessionDuration reads DurationSeconds (default one hour, 900 to 43200);
// on failure it has answered.
func sessionDuration(w http.ResponseWriter, form url.Values) (time.Duration, bool) {
	v := form.Get("DurationSeconds")
	if v == "" {
		return time.Hour, true
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		validation(w, "1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must be a number", v)
	case n < 900:
		validation(w, "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", n)
	case n > 43200:
		validation(w, "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", n)
	default:
		return time.Duration(n) * time.Second, true
	}
	return 0, false
}

// webIdentity answers AssumeRoleWithWebIdentity: the token must come from a
// registered identity provider, verify against the issuer's keys, carry an
// audience the provider lists, and meet the role's trust policy.
func (s *STS) webIdentity(w http.ResponseWriter, r *http.Request, form url.Values) {
	if !required(w, form, "RoleArn", "RoleSessionName", "WebIdentityToken") {
		return
	}
	d, ok := sessionDuration(w, form)
	if !ok {
		return
	}
	token, roleARN := form.Get("WebIdentityToken"), form.Get("RoleArn")
	iss, err := unverifiedIssuer(token)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
		return
	}
	s.mu.Lock()
	idp, known := s.idps[iss]
	role, roleKnown := s.roles[roleARN]
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusBadRequest, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for "+iss)
		return
	}
	ctx := oidc.ClientContext(r.Context(), idp.Client)
	provider, err := oidc.NewProvider(ctx, iss)
	if err != nil {
		writeError(w, http.StatusBadRequest, "IDPCommunicationError", "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements")
		return
	}
	idt, err := provider.VerifierContext(ctx, &oidc.Config{SkipClientIDCheck: true, Now: s.now}).Verify(ctx, token)
	var expired *oidc.TokenExpiredError
	switch {
	case errors.As(err, &expired):
		writeError(w, http.StatusBadRequest, "ExpiredTokenException", fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", s.now().Unix(), expired.Expiry.Unix()))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
		return
	case !slices.ContainsFunc(idt.Audience, func(a string) bool { return slices.Contains(idp.Audiences, a) }):
		writeError(w, http.StatusBadRequest, "InvalidIdentityToken", "Incorrect token audience")
		return
	case !roleKnown || !role.admitsToken(iss, idt.Subject, idt.Audience):
		writeError(w, http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		return
	case d > role.maxSession():
		validation(w, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		return
	}
	creds, user := s.issue(roleARN, form.Get("RoleSessionName"), d)
	partition, account := arnAccount(roleARN)
	var out webIdentityResponse
	out.Xmlns = Namespace
	out.Result.SubjectFromWebIdentityToken = idt.Subject
	out.Result.Audience = strings.Join(idt.Audience, ",")
	out.Result.AssumedRoleUser, out.Result.Credentials = user, creds
	out.Result.Provider = fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partition, account, strings.TrimPrefix(iss, "https://"))
	out.Metadata.RequestID = newRequestID()
	writeXML(w, http.StatusOK, out)
}

// unverifiedIssuer reads a token's "iss" to find its identity provider.
func unverifiedIssuer(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", err
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Iss == "" {
		return "", errors.New("no issuer")
	}
	return claims.Iss, nil
}

// assumeRole answers AssumeRole, signed by a user's key or a session's.
func (s *STS) assumeRole(w http.ResponseWriter, r *http.Request, form url.Values, body []byte) {
	p, ok := s.authenticate(w, r, body)
	if !ok || !required(w, form, "RoleArn", "RoleSessionName") {
		return
	}
	d, ok := sessionDuration(w, form)
	if !ok {
		return
	}
	roleARN := form.Get("RoleArn")
	s.mu.Lock()
	role, known := s.roles[roleARN]
	s.mu.Unlock()
	who := p.arn
	if p.session {
		who = p.role
	}
	switch {
	case !known || !role.admitsPrincipal(who, form.Get("ExternalId")):
		writeError(w, http.StatusForbidden, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", p.arn, roleARN))
		return
	case p.session && d > time.Hour:
		validation(w, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		return
	case d > role.maxSession():
		validation(w, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		return
	}
	creds, user := s.issue(roleARN, form.Get("RoleSessionName"), d)
	var out assumeRoleResponse
	out.Xmlns = Namespace
	out.Result.AssumedRoleUser, out.Result.Credentials = user, creds
	out.Metadata.RequestID = newRequestID()
	writeXML(w, http.StatusOK, out)
}

// callerIdentity answers GetCallerIdentity for a signed request.
func (s *STS) callerIdentity(w http.ResponseWriter, r *http.Request, body []byte) {
	p, ok := s.authenticate(w, r, body)
	if !ok {
		return
	}
	_, account := arnAccount(p.arn)
	var out callerIdentityResponse
	out.Xmlns = Namespace
	out.Result.Arn, out.Result.UserID, out.Result.Account = p.arn, p.userID, account
	out.Metadata.RequestID = newRequestID()
	writeXML(w, http.StatusOK, out)
}
