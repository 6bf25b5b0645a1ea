package testbed

import "strings"

// CloudEnv is [Bed.Env] for a Pulumi Cloud backend at url (such as the
// fake of pkg/auth/authtest), logged in with token: PULUMI_BACKEND_URL is
// url, PULUMI_ACCESS_TOKEN is token, and there is no passphrase, since the
// service keeps a cloud stack's secrets.
func (b *Bed) CloudEnv(url, token string) []string {
	var env []string
	for _, kv := range b.Env() {
		switch {
		case strings.HasPrefix(kv, "PULUMI_CONFIG_PASSPHRASE="):
		case strings.HasPrefix(kv, "PULUMI_BACKEND_URL="):
			env = append(env, "PULUMI_BACKEND_URL="+url)
		default:
			env = append(env, kv)
		}
	}
	return append(env, "PULUMI_ACCESS_TOKEN="+token)
}
