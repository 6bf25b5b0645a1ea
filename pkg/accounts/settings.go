package accounts

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// setting reads one of a cloud's settings: octopulumi's Pulumi.* variable
// ours, else Octopus's step-level variable octopus. A Pulumi.* variable that
// is set but blank is a problem (hint says what to give); from names the
// variable the value came from.
func setting(l Lookup, c Cloud, ours, octopus, hint string, p *problems) (value, from string) {
	if v, ok := l.get(ours); ok {
		if v = strings.TrimSpace(v); v == "" {
			p.variable(c, ours, "", "is set but empty: %s, or leave the variable out", hint)
		}
		return v, ours
	}
	if v := l.nonEmpty(octopus); v != "" {
		return v, octopus
	}
	return "", ""
}

// property reads an account variable's property (trimmed, as Calamari
// does); from is its full name.
func property(l Lookup, account, suffix string) (value, from string) {
	return l.nonEmpty(account + suffix), account + suffix
}

var (
	awsRegionRe    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	roleARNRe      = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]+$`)
	sessionNameRe  = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDRe   = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	accessKeyIDRe  = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
	guidRe         = regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)
	gcpProjectRe   = regexp.MustCompile(`^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	gcpRegionRe    = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+$`)
	gcpZoneRe      = regexp.MustCompile(`^([a-z]+-[a-z]+[0-9]+)-[a-z]$`)
	serviceAcctRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*@[a-z0-9.-]+\.gserviceaccount\.com$`)
	wifProviderRe  = regexp.MustCompile(`^(?:https:)?//iam\.googleapis\.com/(projects/(\d+)/locations/global/workloadIdentityPools/[a-z0-9-]+/providers/[a-z0-9-]+)$`)
	wifAnyNumberRe = regexp.MustCompile(`^(?:https:)?//iam\.googleapis\.com/projects/([^/]+)/locations/global/workloadIdentityPools/[^/]+/providers/[^/]+$`)
)

// Session limits of AWS STS: 15 minutes to 12 hours.
const (
	minSession     = 15 * time.Minute
	maxSession     = 12 * time.Hour
	defaultSession = time.Hour
)

// parseDuration reads seconds ("3600") or a Go duration ("1h").
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > int64(maxSession/time.Second)*100 {
			return 0, fmt.Errorf("%d seconds is out of range", n)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is neither a number of seconds nor a duration such as 1h", v)
	}
	return d, nil
}

// duration reads and bounds a duration setting; zero when v is empty.
func duration(c Cloud, from, v string, lo, hi time.Duration, p *problems) time.Duration {
	if v == "" {
		return 0
	}
	d, err := parseDuration(v)
	switch {
	case err != nil:
		p.variable(c, from, "", "%v", err)
	case d < lo || d > hi:
		p.variable(c, from, "", "%s is outside the %s to %s that is allowed", d, lo, hi)
	default:
		return d
	}
	return 0
}

func checkRegionAWS(from, region string, p *problems) {
	if region != "" && !awsRegionRe.MatchString(region) {
		p.variable(AWS, from, "", "%q is not an AWS region such as us-east-1 or eu-west-2", region)
	}
}

func checkRoleARN(from, arn string, p *problems) {
	if !roleARNRe.MatchString(arn) {
		p.variable(AWS, from, "", "%q is not an IAM role ARN such as arn:aws:iam::123456789012:role/deploy", arn)
	}
}

func checkGUID(c Cloud, from, what, v string, p *problems) {
	switch {
	case v == "":
		p.variable(c, from, c.expected(), "is empty: the account's %s is missing", what)
	case !guidRe.MatchString(v):
		p.variable(c, from, "", "%q is not a GUID; the account's %s is one, such as 2a681dca-3230-4e01-abcb-b1fd225c0982", v, what)
	}
}

// SessionName makes an AWS role session name from parts (for example
// "octopus", the deployment's id and the step's name): the parts joined
// with "-", characters STS does not allow replaced by "-", cut to 64
// characters. STS records it in CloudTrail, so the deployment is visible
// there. Empty parts are skipped; with none left it is "octopulumi".
func SessionName(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		case strings.ContainsRune("_+=,.@-", r):
			return r
		}
		return '-'
	}, strings.Join(kept, "-"))
	if len(s) > 64 {
		s = s[:64]
	}
	if len(s) < 2 {
		return "octopulumi"
	}
	return s
}
