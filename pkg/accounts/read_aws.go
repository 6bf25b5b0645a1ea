package accounts

import (
	"strings"
)

// readAWS reads an AWS account variable, or a Generic OpenID Connect
// account variable used for AWS (generic), with the AWS settings.
func readAWS(l Lookup, ch choice, generic bool, p *problems) Account {
	name := ch.name
	region, regionFrom := setting(l, AWS, VarAWSRegion, OctopusAWSRegion, "give a region such as eu-west-1", p)
	checkRegionAWS(regionFrom, region, p)
	hop := readAssumeRole(l, p)
	ak, akFrom := property(l, name, PropAccessKey)
	role, roleFrom := property(l, name, PropRoleARN)
	switch {
	case !generic && ak != "":
		a := &AWSKeys{Variable: name, AccessKeyID: ak, Region: region, AssumeRole: hop}
		a.set("AccessKeyID", akFrom)
		a.set("Region", regionFrom)
		var secretFrom string
		a.SecretAccessKey, secretFrom = property(l, name, PropSecretKey)
		a.set("SecretAccessKey", secretFrom)
		checkKeys(a, p)
		return a
	case !generic && role == "":
		if _, ok := l.get(name + PropSecretKey); ok {
			p.variable(AWS, name+PropAccessKey, AWS.expected(), "is empty although %s is set: the account's access key ID is missing", name+PropSecretKey)
		} else {
			p.variable(AWS, name+PropRoleARN, AWS.expected(), "is empty: an AWS account has either access keys (%s) or OpenID Connect with a role ARN", name+PropAccessKey)
		}
		return nil
	case generic:
		var ok bool
		if role, ok = l.get(VarAWSRoleARN); !ok || strings.TrimSpace(role) == "" {
			p.variable(AWS, VarAWSRoleARN, "", "is not set: %q is a Generic OpenID Connect account, which names no role; set %s to the ARN of the role its token may assume", name, VarAWSRoleARN)
			return nil
		}
		role, roleFrom = strings.TrimSpace(role), VarAWSRoleARN
	}
	return readAWSOIDC(l, name, role, roleFrom, region, regionFrom, hop, p)
}

func readAWSOIDC(l Lookup, name, role, roleFrom, region, regionFrom string, hop *AssumeRole, p *problems) Account {
	a := &AWSOIDC{Variable: name, RoleARN: role, Region: region, AssumeRole: hop}
	a.set("RoleARN", roleFrom)
	a.set("Region", regionFrom)
	checkRoleARN(roleFrom, role, p)
	var from string
	a.JWT, from = property(l, name, PropJWT)
	a.set("JWT", from)
	if a.JWT == "" {
		p.variable(AWS, from, "", "is empty: the account's OpenID Connect token must be handed over to the step (as a sensitive value)")
	}
	dur, durFrom := property(l, name, PropSessionDuration)
	a.SessionDuration = duration(AWS, durFrom, dur, minSession, maxSession, p)
	a.set("SessionDuration", durFrom)
	a.Audience, from = setting(l, AWS, VarAWSAudience, "", "give the audience the IAM identity provider accepts", p)
	if from != "" {
		a.set("Audience", from)
	}
	return a
}

func checkKeys(a *AWSKeys, p *problems) {
	if !accessKeyIDRe.MatchString(a.AccessKeyID) {
		p.variable(AWS, a.src("AccessKeyID"), "", "is not an AWS access key ID (20 capital letters and digits, such as AKIA…)")
	}
	if a.SecretAccessKey == "" {
		p.variable(AWS, a.src("SecretAccessKey"), AWS.expected(), "is empty: the account's secret key must be handed over with its access key (as a sensitive value)")
	}
}

// readAWSStepKeys reads the keys Octopus puts in an AWS step's variables
// when the account comes from a target (Octopus.Action.Amazon.*).
func readAWSStepKeys(l Lookup, p *problems) Account {
	region, regionFrom := setting(l, AWS, VarAWSRegion, OctopusAWSRegion, "give a region such as eu-west-1", p)
	checkRegionAWS(regionFrom, region, p)
	a := &AWSKeys{AccessKeyID: l.nonEmpty(OctopusAWSAccessKey), SecretAccessKey: l.nonEmpty(OctopusAWSSecretKey), Region: region, AssumeRole: readAssumeRole(l, p)}
	a.set("AccessKeyID", OctopusAWSAccessKey)
	a.set("SecretAccessKey", OctopusAWSSecretKey)
	a.set("Region", regionFrom)
	checkKeys(a, p)
	return a
}

// readAssumeRole reads the second role: octopulumi's Pulumi.AwsAssumeRole*
// variables, else Octopus's step-level Octopus.Action.Aws.AssumeRole*.
func readAssumeRole(l Lookup, p *problems) *AssumeRole {
	names := [4]string{VarAWSAssumeRoleARN, VarAWSAssumeRoleExternalID, VarAWSAssumeRoleSessionName, VarAWSAssumeRoleDuration}
	arn, _ := setting(l, AWS, VarAWSAssumeRoleARN, "", "give the second role's ARN", p)
	if arn == "" && strings.EqualFold(l.nonEmpty(OctopusAWSAssumeRole), "true") {
		names = [4]string{OctopusAWSAssumedRoleARN, OctopusAWSAssumeRoleExternalID, OctopusAWSAssumedRoleSession, OctopusAWSAssumeRoleSessionDuration}
		if arn = l.nonEmpty(OctopusAWSAssumedRoleARN); arn == "" {
			p.variable(AWS, OctopusAWSAssumedRoleARN, "", "is empty although %s is True: give the ARN of the role to assume", OctopusAWSAssumeRole)
			return nil
		}
	}
	if arn == "" {
		for _, n := range names[1:] {
			if l.nonEmpty(n) != "" {
				p.variable(AWS, n, "", "is set but %s is not: give the ARN of the second role to assume, or leave %s out", VarAWSAssumeRoleARN, n)
			}
		}
		return nil
	}
	checkRoleARN(names[0], arn, p)
	hop := &AssumeRole{RoleARN: arn, ExternalID: l.nonEmpty(names[1]), SessionName: l.nonEmpty(names[2]), from: names}
	if n := len(hop.ExternalID); n > 0 && (n < 2 || n > 1224 || !externalIDRe.MatchString(hop.ExternalID)) {
		p.variable(AWS, names[1], "", "is not an external id STS accepts: 2 to 1224 letters, digits and _+=,.@:/-")
	}
	if hop.SessionName != "" && !sessionNameRe.MatchString(hop.SessionName) {
		p.variable(AWS, names[2], "", "%q is not a session name STS accepts: 2 to 64 letters, digits and _+=,.@-", hop.SessionName)
	}
	hop.Duration = duration(AWS, names[3], l.nonEmpty(names[3]), minSession, maxSession, p)
	return hop
}
