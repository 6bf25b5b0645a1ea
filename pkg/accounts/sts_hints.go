package accounts

import (
	"fmt"
	"strings"
	"time"
)

// arnParts returns an IAM ARN's partition and account id.
func arnParts(arn string) (partition, account string) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 5 {
		return "aws", "<account>"
	}
	return f[1], f[4]
}

// rolePrincipal turns an assumed-role session ARN
// (arn:aws:sts::123456789012:assumed-role/deploy/session) into the role's
// ARN, as trust policies name it.
func rolePrincipal(sessionARN string) string {
	partition, account := arnParts(sessionARN)
	_, rest, ok := strings.Cut(sessionARN, ":assumed-role/")
	if !ok {
		return sessionARN
	}
	role, _, _ := strings.Cut(rest, "/")
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, role)
}

func firstOr(list []string, def string) string {
	if len(list) == 0 {
		return def
	}
	return list[0]
}

// webIdentityHint explains a refused AssumeRoleWithWebIdentity in terms of
// the token's claims and the role: which identity provider, audience or
// trust-policy condition to change.
func webIdentityHint(e *STSError, a *AWSOIDC, session string) {
	cl, _ := ParseClaims(a.JWT)
	host := issuerHost(cl.Issuer)
	aud := firstOr(cl.Audience, "<none>")
	partition, account := arnParts(a.RoleARN)
	e.Variable = a.src("RoleARN")
	msg := strings.ToLower(e.Message)
	switch e.Code {
	case "InvalidIdentityToken":
		switch {
		case strings.Contains(msg, "no openidconnect provider"):
			e.Hint = fmt.Sprintf("AWS account %s has no IAM OpenID Connect identity provider for the token's issuer %q: add one (IAM > Identity providers > Add provider, OpenID Connect) with provider URL https://%s and audience %q", account, cl.Issuer, host, aud)
		case strings.Contains(msg, "audience"):
			e.Hint = fmt.Sprintf("the IAM identity provider %s does not list the token's audience %q: add it to the provider's audiences (client IDs)", host, aud)
		default:
			e.Hint = fmt.Sprintf("AWS could not validate the token: check that an IAM identity provider has the token's issuer as URL (https://%s) and lists its audience %q, and that AWS can fetch %s/.well-known/openid-configuration and the keys it names (the Octopus Server must be reachable from the internet, with a publicly trusted certificate)", host, aud, strings.TrimSuffix(cl.Issuer, "/"))
		}
	case "AccessDenied", "IDPRejectedClaim":
		e.Hint = fmt.Sprintf(`the trust policy of role %s does not admit this token: it must allow "sts:AssumeRoleWithWebIdentity" to the principal {"Federated": "arn:%s:iam::%s:oidc-provider/%s"} under conditions the token meets: StringEquals %q: %q and StringLike %q: %q (the token's subject is %q)`,
			a.RoleARN, partition, account, host, host+":aud", aud, host+":sub", subjectPattern(cl.Subject), cl.Subject)
	case "ExpiredTokenException":
		e.Variable = a.src("JWT")
		e.Hint = fmt.Sprintf("the Octopus token expired at %s: Octopus issues it when the step starts; run the step again, and check the clocks of this worker and of the Octopus Server", cl.Expiry.Format(time.RFC3339))
	case "IDPCommunicationError":
		e.Hint = fmt.Sprintf("AWS STS could not reach the issuer %q for its keys: %s/.well-known/openid-configuration and the keys it names must be reachable from the internet", cl.Issuer, strings.TrimSuffix(cl.Issuer, "/"))
	default:
		durationHint(e, a.src("SessionDuration"), orDuration(a.SessionDuration, defaultSession), "the AWS account's Session Duration")
		regionHint(e, a.src("Region"), stsRegion(a.Region, a.RoleARN))
	}
}

// assumeRoleHint explains a refused second hop.
func assumeRoleHint(e *STSError, a Account, hop *AssumeRole, fromARN string) {
	e.Variable = hop.src(0)
	switch e.Code {
	case "AccessDenied":
		ext := ""
		if hop.ExternalID != "" {
			ext = fmt.Sprintf(` with the condition StringEquals "sts:ExternalId" set to the external id in %s`, hop.src(1))
		}
		// Access keys checked without VerifyKeys have no known ARN; STS
		// names the caller in its message.
		who := rolePrincipal(orDefault(fromARN, deniedPrincipal(e.Message)))
		if who == "" {
			e.Hint = fmt.Sprintf(`role %s does not let the account's access keys assume it: its trust policy must allow "sts:AssumeRole" to their IAM user or role%s (octopulumi accounts check --verify names it), and that principal needs an IAM policy allowing "sts:AssumeRole" on %s`, hop.RoleARN, ext, hop.RoleARN)
			return
		}
		e.Hint = fmt.Sprintf(`role %s does not let %s assume it: its trust policy must allow "sts:AssumeRole" to the principal {"AWS": %q}%s, and that principal needs an IAM policy allowing "sts:AssumeRole" on %s`, hop.RoleARN, who, who, ext, hop.RoleARN)
	case "InvalidClientTokenId", "SignatureDoesNotMatch":
		if k, ok := a.(*AWSKeys); ok {
			keysHint(e, k)
		}
	default:
		durationHint(e, hop.src(3), orDuration(hop.Duration, defaultSession), "the second role's session duration")
	}
}

// deniedPrincipal reads the caller's ARN from STS's AccessDenied message
// ("User: arn:aws:iam::123456789012:user/deployer is not authorized to
// perform: sts:AssumeRole on resource: …"); "" when it names none.
func deniedPrincipal(msg string) string {
	_, rest, ok := strings.Cut(msg, "User: ")
	if !ok {
		return ""
	}
	arn, _, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(arn, "arn:") {
		return ""
	}
	return arn
}

// keysHint explains refused access keys.
func keysHint(e *STSError, a *AWSKeys) {
	switch e.Code {
	case "InvalidClientTokenId":
		e.Variable = a.src("AccessKeyID")
		e.Hint = "AWS does not know this access key ID: it was deleted or deactivated, or belongs to another partition; update the keys of the Octopus AWS account"
	case "SignatureDoesNotMatch":
		e.Variable = a.src("SecretAccessKey")
		e.Hint = "the secret key does not belong to the access key ID: update the secret key of the Octopus AWS account"
	}
}

func durationHint(e *STSError, variable string, d time.Duration, what string) {
	if e.Code == "ValidationError" && strings.Contains(strings.ToLower(e.Message), "duration") {
		e.Variable = variable
		e.Hint = fmt.Sprintf("the requested session of %s is longer than the role allows: lower %s (%s), or raise the role's Maximum session duration in IAM", d, what, variable)
	}
}

func regionHint(e *STSError, variable, region string) {
	if e.Code == "RegionDisabledException" {
		e.Variable = variable
		e.Hint = fmt.Sprintf("STS is not active in region %s for this AWS account: activate it (IAM > Account settings), or choose another region in %s", region, variable)
	}
}
