package accounts

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode"
)

// readGoogle reads a Google Cloud account variable (or a Generic OpenID
// Connect account variable), or (ch.name empty) the step's own key
// (Octopus.Action.GoogleCloudAccount.JsonKey), with the Google settings.
func readGoogle(l Lookup, ch choice, p *problems) Account {
	var o origin
	project, region, zone, sa := readGoogleSettings(l, &o, p)
	name := ch.name
	keyRaw, keyFrom := l.nonEmpty(OctopusGoogleJSONKey), OctopusGoogleJSONKey
	if name != "" {
		keyRaw, keyFrom = property(l, name, PropJSONKey)
	}
	if keyRaw != "" {
		a := &GoogleKey{Variable: name, Project: project, Region: region, Zone: zone, ServiceAccount: sa, raw: keyRaw, origin: o}
		a.set("Key", keyFrom)
		key, err := decodeKey(keyRaw)
		if err != nil {
			p.variable(Google, keyFrom, "", "%v", err)
			return nil
		}
		a.Key = key
		return a
	}
	a := &GoogleOIDC{Variable: name, Project: project, Region: region, Zone: zone, ServiceAccount: sa, origin: o}
	var from string
	a.JWT, from = property(l, name, PropJWT)
	a.set("JWT", from)
	a.Audience, from = property(l, name, PropAudience)
	a.set("Audience", from)
	if a.JWT == "" {
		p.variable(Google, name+PropJWT, Google.expected(), "is empty, and so is %s: hand over the account's JSON key or its OpenID Connect token, as a sensitive value", name+PropJSONKey)
		return nil
	}
	if a.Audience == "" {
		p.variable(Google, from, "", "is empty: an OpenID Connect account for Google Cloud needs the workload identity provider as its audience (https://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>)")
	}
	life, lifeFrom := property(l, name, PropTokenLifetime)
	a.TokenLifetime = duration(Google, lifeFrom, life, minTokenLifetime, maxSession, p)
	a.set("TokenLifetime", lifeFrom)
	return a
}

// Limits of an impersonated service account's token lifetime, as Octopus
// documents them for its Google Cloud accounts.
const minTokenLifetime = 10 * time.Minute

func readGoogleSettings(l Lookup, o *origin, p *problems) (project, region, zone, sa string) {
	var from string
	project, from = setting(l, Google, VarGoogleProject, OctopusGoogleProject, "give a project ID", p)
	o.set("Project", from)
	if project != "" && !gcpProjectRe.MatchString(project) {
		p.variable(Google, from, "", "%q is not a Google Cloud project ID (6 to 30 lowercase letters, digits and hyphens)", project)
	}
	region, from = setting(l, Google, VarGoogleRegion, OctopusGoogleRegion, "give a region such as europe-west1", p)
	o.set("Region", from)
	if region != "" && !gcpRegionRe.MatchString(region) {
		p.variable(Google, from, "", "%q is not a Google Cloud region such as us-central1 or europe-west1", region)
	}
	zone, from = setting(l, Google, VarGoogleZone, OctopusGoogleZone, "give a zone such as europe-west1-b", p)
	o.set("Zone", from)
	if m := gcpZoneRe.FindStringSubmatch(zone); zone != "" && m == nil {
		p.variable(Google, from, "", "%q is not a Google Cloud zone such as us-central1-a", zone)
	} else if zone != "" && region != "" && m[1] != region {
		p.variable(Google, from, "", "zone %q is not in region %q", zone, region)
	}
	sa, from = setting(l, Google, VarGoogleServiceAccount, "", "give the e-mail address of the service account to impersonate", p)
	if sa == "" && strings.EqualFold(l.nonEmpty(OctopusGoogleImpersonate), "true") {
		sa, from = l.nonEmpty(OctopusGoogleServiceAccountEmails), OctopusGoogleServiceAccountEmails
		if chain := strings.Split(sa, ","); len(chain) > 1 {
			p.variable(Google, from, "", "names a delegation chain of %d service accounts; the Pulumi Google Cloud provider takes one service account to impersonate from the environment: give only the last", len(chain))
		} else if sa == "" {
			p.variable(Google, from, "", "is empty although %s is True: give the e-mail address of the service account to impersonate", OctopusGoogleImpersonate)
		}
	}
	o.set("ServiceAccount", from)
	if sa != "" && !strings.Contains(sa, ",") && !serviceAcctRe.MatchString(sa) {
		p.variable(Google, from, "", "%q is not a service account's e-mail address (name@project.iam.gserviceaccount.com)", sa)
	}
	return project, region, zone, sa
}

// decodeKey decodes Octopus's base64 form of a JSON key file; the key file
// itself is accepted too. Errors never contain the value.
func decodeKey(raw string) ([]byte, error) {
	compact := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, raw)
	if strings.HasPrefix(compact, "{") {
		if !json.Valid([]byte(raw)) {
			return nil, errors.New("holds text that starts like JSON but is not valid JSON; give the account's JSON key file, base64-encoded as Octopus stores it")
		}
		return []byte(raw), nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		data, err := enc.DecodeString(compact)
		if err != nil {
			continue
		}
		if trimmed := bytes.TrimSpace(data); !bytes.HasPrefix(trimmed, []byte("{")) || !json.Valid(trimmed) {
			return nil, errors.New("is base64, but what it encodes is not a JSON key file; give the service account's JSON key (Octopus stores it base64-encoded)")
		}
		return data, nil
	}
	return nil, errors.New("is not base64: it should hold the service account's JSON key file, base64-encoded as Octopus stores it")
}
