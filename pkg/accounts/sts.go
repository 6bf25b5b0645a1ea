package accounts

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	smithy "github.com/aws/smithy-go"
)

// awsSession is a set of AWS credentials, static or temporary.
type awsSession struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string    // empty for access keys
	Expiry          time.Time // zero for access keys
	ARN             string    // who they are, when known
}

// stsClient returns a client that never reads the machine's AWS
// configuration: its region, endpoint, retries and credentials come from
// the Resolver and the account alone. Without creds it sends unsigned
// requests (AssumeRoleWithWebIdentity needs none).
func (r *Resolver) stsClient(region string, creds *awsSession) *sts.Client {
	o := sts.Options{
		Region:     region,
		HTTPClient: r.o.httpClient,
		AppID:      r.o.userAgent,
		Retryer: retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = r.o.maxAttempts
			so.RateLimiter = ratelimit.None
			so.Backoff = retry.BackoffDelayerFunc(r.backoff)
		}),
	}
	if ep := r.stsEndpoint(); ep != "" {
		o.BaseEndpoint = aws.String(ep)
	}
	if creds != nil {
		static := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken, Source: "octopulumi"}
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return static, nil })
	}
	return sts.New(o)
}

// backoff waits exponentially longer between attempts, with jitter, within
// the Resolver's bounds.
func (r *Resolver) backoff(attempt int, _ error) (time.Duration, error) {
	d := r.o.retryWait << min(attempt, 16)
	if d > r.o.retryMax || d <= 0 {
		d = r.o.retryMax
	}
	if d <= r.o.retryWait {
		return d, nil
	}
	return r.o.retryWait + rand.N(d-r.o.retryWait), nil
}

// stsEndpoint is the option's endpoint, else AWS_ENDPOINT_URL_STS, else
// AWS_ENDPOINT_URL, read through WithEnviron; empty: the region's.
func (r *Resolver) stsEndpoint() string {
	if r.o.stsEndpoint != "" {
		return r.o.stsEndpoint
	}
	for _, name := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"} {
		if v := r.o.environ.nonEmpty(name); v != "" && checkEndpoint(v) == nil {
			return strings.TrimSuffix(v, "/")
		}
	}
	return ""
}

// stsRegion is the region whose STS endpoint to call: the account's, else
// the role's partition's first region.
func stsRegion(region, roleARN string) string {
	if region != "" {
		return region
	}
	switch {
	case strings.HasPrefix(roleARN, "arn:aws-cn:"):
		return "cn-north-1"
	case strings.HasPrefix(roleARN, "arn:aws-us-gov:"):
		return "us-gov-west-1"
	}
	return "us-east-1"
}

// webIdentity exchanges an account's token for temporary credentials.
func (r *Resolver) webIdentity(ctx context.Context, a *AWSOIDC) (*awsSession, error) {
	dur := orDuration(a.SessionDuration, defaultSession)
	out, err := r.stsClient(stsRegion(a.Region, a.RoleARN), nil).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String(a.RoleARN),
		RoleSessionName:  aws.String(r.o.sessionName),
		WebIdentityToken: aws.String(strings.TrimSpace(a.JWT)),
		DurationSeconds:  aws.Int32(int32(dur / time.Second)),
	})
	if err != nil {
		return nil, r.stsError(ctx, err, "AssumeRoleWithWebIdentity", a.RoleARN, func(e *STSError) { webIdentityHint(e, a, r.o.sessionName) })
	}
	s, err := sessionOf(out.Credentials, "AssumeRoleWithWebIdentity")
	if err != nil {
		return nil, err
	}
	if out.AssumedRoleUser != nil {
		s.ARN = aws.ToString(out.AssumedRoleUser.Arn)
	}
	return s, nil
}

// assumeRole takes the second hop with the credentials of the first.
func (r *Resolver) assumeRole(ctx context.Context, region string, from *awsSession, a Account, hop *AssumeRole) (*awsSession, error) {
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(hop.RoleARN),
		RoleSessionName: aws.String(orDefault(hop.SessionName, r.o.sessionName)),
		DurationSeconds: aws.Int32(int32(orDuration(hop.Duration, defaultSession) / time.Second)),
	}
	if hop.ExternalID != "" {
		in.ExternalId = aws.String(hop.ExternalID)
	}
	out, err := r.stsClient(stsRegion(region, hop.RoleARN), from).AssumeRole(ctx, in)
	if err != nil {
		return nil, r.stsError(ctx, err, "AssumeRole", hop.RoleARN, func(e *STSError) { assumeRoleHint(e, a, hop, from.ARN) })
	}
	s, err := sessionOf(out.Credentials, "AssumeRole")
	if err != nil {
		return nil, err
	}
	if out.AssumedRoleUser != nil {
		s.ARN = aws.ToString(out.AssumedRoleUser.Arn)
	}
	return s, nil
}

// callerIdentity asks STS whose keys these are.
func (r *Resolver) callerIdentity(ctx context.Context, a *AWSKeys) (string, error) {
	s := &awsSession{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
	out, err := r.stsClient(stsRegion(a.Region, ""), s).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", r.stsError(ctx, err, "GetCallerIdentity", "", func(e *STSError) { keysHint(e, a) })
	}
	return aws.ToString(out.Arn), nil
}

// sessionOf reads the credentials STS returned; a reply without them is
// an error, never an empty environment.
func sessionOf(c *types.Credentials, op string) (*awsSession, error) {
	if c == nil || aws.ToString(c.AccessKeyId) == "" || aws.ToString(c.SecretAccessKey) == "" || aws.ToString(c.SessionToken) == "" {
		return nil, &STSError{Op: op, Message: "the reply carried no credentials"}
	}
	return &awsSession{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken, Expiry: aws.ToTime(c.Expiration)}, nil
}

// stsError turns an SDK error into an STSError with a hint, or a
// RequestError when STS gave no answer.
func (r *Resolver) stsError(ctx context.Context, err error, op, role string, hint func(*STSError)) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) || ctx.Err() != nil {
		cause := err
		if ctx.Err() != nil {
			cause = ctx.Err()
		}
		return &RequestError{Op: op, Endpoint: orDefault(r.stsEndpoint(), "the region's STS endpoint"), Err: cause}
	}
	e := &STSError{Op: op, Code: ae.ErrorCode(), Message: ae.ErrorMessage(), RoleARN: role}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		e.StatusCode, e.RequestID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	hint(e)
	return e
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
