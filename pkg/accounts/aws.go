package accounts

import (
	"context"
	"fmt"
)

// resolveAWSKeys sets an access-key account's variables: the keys
// themselves, or a second role's session taken with them.
func (r *Resolver) resolveAWSKeys(ctx context.Context, a *AWSKeys, c *Credentials) error {
	s := &awsSession{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
	desc := fmt.Sprintf("AWS: %s, access keys", a.Source())
	if r.o.verifyKeys {
		arn, err := r.callerIdentity(ctx, a)
		if err != nil {
			return err
		}
		s.ARN = arn
		desc += " of " + arn
	}
	if a.AssumeRole != nil {
		hop, err := r.assumeRole(ctx, a.Region, s, a, a.AssumeRole)
		if err != nil {
			return err
		}
		r.secret(c, hop.AccessKeyID, hop.SecretAccessKey, hop.SessionToken)
		desc += hopNote(a.AssumeRole, hop)
		s = hop
	}
	setAWS(c, s, a.Region)
	c.Descriptions = append(c.Descriptions, desc+regionNote(a.Region))
	return nil
}

// resolveAWSOIDC exchanges the token for the role's session, and takes the
// second role when one is given.
func (r *Resolver) resolveAWSOIDC(ctx context.Context, a *AWSOIDC, c *Credentials) error {
	s, err := r.webIdentity(ctx, a)
	if err != nil {
		return err
	}
	r.secret(c, s.AccessKeyID, s.SecretAccessKey, s.SessionToken)
	desc := fmt.Sprintf("AWS: %s, OpenID Connect as role %s (session %q%s)", a.Source(), a.RoleARN, r.o.sessionName, untilNote(s.Expiry))
	if a.AssumeRole != nil {
		hop, err := r.assumeRole(ctx, a.Region, s, a, a.AssumeRole)
		if err != nil {
			return err
		}
		r.secret(c, hop.AccessKeyID, hop.SecretAccessKey, hop.SessionToken)
		desc += hopNote(a.AssumeRole, hop)
		s = hop
	}
	setAWS(c, s, a.Region)
	c.Descriptions = append(c.Descriptions, desc+regionNote(a.Region))
	return nil
}

func hopNote(h *AssumeRole, s *awsSession) string {
	ext := ""
	if h.ExternalID != "" {
		ext = ", with an external id"
	}
	return fmt.Sprintf(", then role %s%s%s", h.RoleARN, ext, untilNote(s.Expiry))
}

// setAWS sets the variables pulumi-aws (and every AWS SDK) reads. The
// region goes in both AWS_REGION and AWS_DEFAULT_REGION, as Calamari does,
// and only when given: otherwise the stack's aws:region applies.
func setAWS(c *Credentials, s *awsSession, region string) {
	c.set("AWS_ACCESS_KEY_ID", s.AccessKeyID, "AWS_SECRET_ACCESS_KEY", s.SecretAccessKey, "AWS_SESSION_TOKEN", s.SessionToken,
		"AWS_REGION", region, "AWS_DEFAULT_REGION", region)
	c.expires(s.Expiry)
}
