//go:build unix

package main_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/accounts/accountstest"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// The end-to-end tests of cloud accounts: each account kind deployed
// through the real binary (and the step template's script) on the test bed,
// the provider's environment read back from a localfile:index:EnvProbe, and
// every run searched for the account's secrets wherever a secret could
// leak: the task log, errors, artifacts, the command lines of the running
// pulumi processes, and the files left in the work folder, TMPDIR, HOME and
// PULUMI_HOME.

// Test accounts: ids and names that are not secrets.
const (
	azureClient       = "00000000-0000-4000-8000-00000000c11e"
	azureTenant       = "00000000-0000-4000-8000-0000000007e4"
	azureSubscription = "00000000-0000-4000-8000-000000005ab5"
	googleEmail       = "deployer@octopulumi-e2e.iam.gserviceaccount.com"
	googleProject     = "octopulumi-e2e" // the key's, from its e-mail's domain
	googleProvider    = "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/octopus/providers/octopus"
	awsUserARN        = "arn:aws:iam::" + accountstest.DefaultAccountID + ":user/deployer"
	awsAccessKeyID    = "AKIAE2ETESTKEY000001"
	secondRoleARN     = "arn:aws:iam::210987654321:role/deploy-target"
	octopusSubject    = "space:default:project:web-shop:environment:staging"
)

// ambient are cloud credentials a worker itself may have in its
// environment (an instance profile's session, a developer's login). A
// step's account of a cloud supersedes that cloud's: none of them may reach
// the provider beside the account. Other clouds' pass, as the worker's own
// identity.
var ambient = map[string]string{
	"AWS_SESSION_TOKEN":         "ambient-aws-session-token-of-the-worker",
	"AWS_PROFILE":               "ambient-profile",
	"ARM_CLIENT_SECRET":         "ambient-arm-client-secret-of-the-worker",
	"GOOGLE_OAUTH_ACCESS_TOKEN": "ambient-google-access-token-of-the-worker",
}

// ambientPrefixes are the inherited variables an account of each cloud
// supersedes.
var ambientPrefixes = map[accounts.Cloud][]string{
	accounts.AWS:    {"AWS_"},
	accounts.Azure:  {"ARM_", "AZURE_"},
	accounts.Google: {"GOOGLE_", "GCLOUD_", "CLOUDSDK_"},
}

// cloudWorld is one test's test bed with the cloud-probe program, a fake
// Octopus issuer and a fake STS that trusts it (behind a proxy that keeps
// the credentials STS issued), and a TMPDIR of the binary's own.
type cloudWorld struct {
	bed *testbed.Bed
	dir string // the program: the step's work folder
	tmp string // the binary's TMPDIR
	iss *authtest.Issuer
	sts *accountstest.STS
	// stsURL is the proxy in front of sts, for AWS_ENDPOINT_URL_STS.
	stsURL string

	mu     sync.Mutex
	issued []stsCredentials // what STS issued, in order
}

// stsCredentials is a session STS issued.
type stsCredentials struct {
	action, accessKeyID, secret, token string
}

func newCloudWorld(t *testing.T) *cloudWorld {
	t.Helper()
	bed := testbed.New(t)
	w := &cloudWorld{bed: bed, dir: bed.Program(t, "cloud-probe"), tmp: t.TempDir()}
	w.iss, w.sts = accountstest.Start(t)
	target, err := url.Parse(w.sts.URL)
	if err != nil {
		t.Fatal(err)
	}
	// A reverse proxy keeps the Host header, so the SDK's signatures
	// still verify at the fake.
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = w.record
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	w.stsURL = srv.URL
	return w
}

// The parts of STS's XML replies that record reads.
var (
	xmlAction = regexp.MustCompile(`<(AssumeRoleWithWebIdentity|AssumeRole|GetCallerIdentity)Response`)
	xmlKeyID  = xmlElement("AccessKeyId")
	xmlSecret = xmlElement("SecretAccessKey")
	xmlToken  = xmlElement("SessionToken")
)

func xmlElement(name string) *regexp.Regexp {
	return regexp.MustCompile(`<` + name + `>([^<]+)</` + name + `>`)
}

// record keeps the credentials in an STS reply.
func (w *cloudWorld) record(resp *http.Response) error {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if m := xmlKeyID.FindSubmatch(body); m != nil {
		c := stsCredentials{accessKeyID: string(m[1])}
		if a := xmlAction.FindSubmatch(body); a != nil {
			c.action = string(a[1])
		}
		if s := xmlSecret.FindSubmatch(body); s != nil {
			c.secret = string(s[1])
		}
		if s := xmlToken.FindSubmatch(body); s != nil {
			c.token = string(s[1])
		}
		w.mu.Lock()
		w.issued = append(w.issued, c)
		w.mu.Unlock()
	}
	return nil
}

func (w *cloudWorld) sessions() []stsCredentials {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]stsCredentials(nil), w.issued...)
}

// mint returns a token of the Octopus issuer for aud, with the subject of a
// deployment of project web-shop to Staging.
func (w *cloudWorld) mint(t *testing.T, aud string, opts ...authtest.MintOption) string {
	t.Helper()
	jwt, err := w.iss.Mint(map[string]any{"aud": aud, "sub": octopusSubject}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

// env is the step's environment: the test bed's, the binary's TMPDIR, the
// STS endpoint, the worker's ambient credentials, a deployment id, and the
// Octopus variables vars (each handed over as the step template hands it:
// sensitive account properties as secrets).
func (w *cloudWorld) env(vars map[string]string, extra ...string) []string {
	env := append(stepEnv(w.bed), "TMPDIR="+w.tmp, "AWS_ENDPOINT_URL_STS="+w.stsURL,
		"OCTOPULUMI_VAR_Octopus__Deployment__Id=Deployments-42", "OCTOPULUMI_VAR_Octopus__Step__Name=Deploy infrastructure")
	for k, v := range ambient {
		env = append(env, k+"="+v)
	}
	for k, v := range vars {
		env = append(env, octoenv.EnvName(k, sensitiveProperty(k))+"="+v)
	}
	return append(env, extra...)
}

// sensitiveProperty reports whether name is a sensitive property of an
// account variable (X.SecretKey, X.OpenIdConnect.Jwt, …).
func sensitiveProperty(name string) bool {
	for _, c := range []accounts.Cloud{accounts.AWS, accounts.Azure, accounts.Google} {
		for _, p := range accounts.Properties(c) {
			if p.Sensitive && strings.HasSuffix(name, p.Suffix) {
				return true
			}
		}
	}
	return false
}

// cloudRun is one run of the binary, watched while it ran.
type cloudRun struct {
	run
	// processes are the command lines of the run's processes (octopulumi,
	// pulumi, its language host and plugins) seen while it ran.
	processes []string
	// files are the credential files (google-*) seen in TMPDIR while it
	// ran: their contents and modes.
	files map[string]seenFile
}

type seenFile struct {
	content []byte
	mode    fs.FileMode
}

// deploy runs `octopulumi deploy` on the world's program with env, holding
// the provider for hold seconds (the program's delaySeconds), and watches
// the run, calling during while it runs (see watch). A run that takes more
// than four minutes is killed.
func (w *cloudWorld) deploy(t *testing.T, env []string, hold string, during func(id string, pid int) bool) cloudRun {
	t.Helper()
	env = append(env, "OCTOPULUMI_VAR_Pulumi__Config__delaySeconds="+hold)
	return w.watch(t, env, during, "deploy", "--program", w.dir, "--backend", w.bed.Backend, "--pulumi-home", w.bed.Home)
}

// watch runs the binary with env and args; while it runs it records the
// command lines of its processes (its own, pulumi's, the plugins') and the
// credential files in TMPDIR, and calls during (when not nil) with the run
// folder's id and the binary's pid until it returns true. A run that takes
// more than four minutes is killed.
func (w *cloudWorld) watch(t *testing.T, env []string, during func(id string, pid int) bool, args ...string) cloudRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, octopulumi(t), args...)
	cmd.Env = env
	cmd.WaitDelay = 30 * time.Second
	stop := make(chan struct{})
	var seen cloudRun
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); seen = w.observe(stop, during) }()
	r := func() run {
		defer func() { close(stop); wg.Wait() }()
		return runCmd(t, cmd)
	}()
	if ctx.Err() != nil {
		t.Fatalf("octopulumi %s did not end within four minutes\nstdout:\n%s\nstderr:\n%s", args[0], r.stdout, r.stderr)
	}
	seen.run = r
	return seen
}

// observe polls the world's run until stop is closed; see watch.
func (w *cloudWorld) observe(stop <-chan struct{}, during func(id string, pid int) bool) cloudRun {
	cr := cloudRun{files: map[string]seenFile{}}
	seen := map[string]bool{}
	record := func(cmdline string) {
		if cmdline != "" && !seen[cmdline] {
			seen[cmdline] = true
			cr.processes = append(cr.processes, cmdline)
		}
	}
	var id string
	pid := 0
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return cr
		case <-tick.C:
		}
		if pid == 0 {
			pid = w.binaryPid()
		}
		if pid != 0 {
			raw, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
			record(string(bytes.ReplaceAll(bytes.TrimRight(raw, "\x00"), []byte{0}, []byte{' '})))
		}
		if id == "" {
			if m, _ := filepath.Glob(filepath.Join(w.tmp, "octopulumi-run-*")); len(m) == 1 {
				id = strings.TrimPrefix(filepath.Base(m[0]), "octopulumi-run-")
			}
		}
		if id != "" {
			for _, p := range processesOfRun(id) {
				_, cmdline, _ := strings.Cut(p, ": ")
				record(cmdline)
			}
			if during != nil && pid != 0 && during(id, pid) {
				during = nil
			}
		}
		_ = filepath.WalkDir(w.tmp, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), "google-") {
				return nil
			}
			if _, ok := cr.files[p]; ok {
				return nil
			}
			fi, err1 := d.Info()
			content, err2 := os.ReadFile(p)
			if err1 == nil && err2 == nil {
				cr.files[p] = seenFile{content: content, mode: fi.Mode().Perm()}
			}
			return nil
		})
	}
}

// binaryPid finds the octopulumi process running with the world's TMPDIR;
// 0 when there is none (yet).
func (w *cloudWorld) binaryPid() int {
	marker := []byte("\x00TMPDIR=" + w.tmp + "\x00")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if filepath.Base(exe) != "octopulumi" {
			continue
		}
		env, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if bytes.Contains(append([]byte{0}, env...), marker) {
			return pid
		}
	}
	return 0
}

// probe reads the EnvProbe's outputs: for each variable, whether the
// provider process had it, and its SHA-256.
func probe(t *testing.T, r cloudRun) (set map[string]bool, sums map[string]string) {
	t.Helper()
	vars := r.variables()
	if err := json.Unmarshal([]byte(value(vars, "set")), &set); err != nil {
		t.Fatalf("output set = %q: %v\n%s", value(vars, "set"), err, r.stdout)
	}
	if err := json.Unmarshal([]byte(value(vars, "sha256")), &sums); err != nil {
		t.Fatalf("output sha256 = %q: %v", value(vars, "sha256"), err)
	}
	return set, sums
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// expected is what the provider must see for an account of clouds: want,
// the worker's ambient variables of the other clouds, and nothing else.
func (w *cloudWorld) expected(want map[string]string, clouds ...accounts.Cloud) map[string]string {
	out := map[string]string{"AWS_ENDPOINT_URL_STS": w.stsURL}
	for k, v := range ambient {
		out[k] = v
	}
	for _, c := range clouds {
		for k := range out {
			for _, p := range ambientPrefixes[c] {
				if strings.HasPrefix(k, p) {
					delete(out, k)
				}
			}
		}
	}
	for k, v := range want {
		out[k] = v
	}
	return out
}

// checkProbe checks that the provider received exactly want among the
// variables the probe records.
func checkProbe(t *testing.T, r cloudRun, want map[string]string) {
	t.Helper()
	set, sums := probe(t, r)
	if len(set) < 20 {
		t.Fatalf("the probe recorded %d variables: %v", len(set), set)
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v, ok := want[n]
		switch {
		case ok && !set[n]:
			t.Errorf("the provider did not get %s", n)
		case !ok && set[n]:
			t.Errorf("the provider got %s, which it must not", n)
		case ok && sums[n] != sum(v):
			what := "another value"
			for k, a := range ambient {
				if sums[n] == sum(a) {
					what = "the worker's ambient " + k
				}
			}
			t.Errorf("the provider got %s with %s, not the expected one", n, what)
		}
	}
	for n := range want {
		if _, ok := set[n]; !ok {
			t.Errorf("the probe does not record %s", n)
		}
	}
}

// checkNoLeak searches everything a run leaves for secrets (and their
// base64): the task log but the mask messages (which carry them for
// Octopus to mask), the other service messages' values, stderr, artifacts,
// the command lines of the run's processes, and every file in the work
// folder, TMPDIR and the bed (HOME, PULUMI_HOME, the state); and checks
// that no credential file and no run folder is left in TMPDIR.
func checkNoLeak(t *testing.T, w *cloudWorld, r cloudRun, secrets ...string) {
	t.Helper()
	var forms []string
	for _, s := range secrets {
		if s != "" {
			forms = append(forms, s, base64.StdEncoding.EncodeToString([]byte(s)))
		}
	}
	check := func(where, text string) {
		t.Helper()
		for i, s := range forms {
			if strings.Contains(text, s) {
				form := "the secret"
				if i%2 == 1 {
					form = "the base64 of the secret"
				}
				t.Errorf("%s %.8s… is in %s", form, secrets[i/2], where)
			}
		}
	}
	var log strings.Builder
	for _, line := range strings.SplitAfter(r.stdout, "\n") {
		if !strings.Contains(line, "##octopus[mask ") {
			log.WriteString(line)
		}
	}
	check("stdout", log.String())
	check("stderr", r.stderr)
	for _, m := range r.messages {
		if m.Name == "mask" {
			continue
		}
		for _, a := range m.Attrs {
			check("the "+m.Name+" message's "+a.Name, a.Value)
		}
		if m.Name == "createArtifact" {
			p, _ := m.Get("path")
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Errorf("artifact %s: %v", p, err)
			}
			check("artifact "+p, string(raw))
		}
	}
	for _, p := range r.processes {
		check("the command line "+p, p)
	}
	for _, root := range []string{w.dir, w.tmp, w.bed.Dir} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			raw, err := os.ReadFile(p)
			if err == nil {
				check("the file "+p, string(raw))
			}
			return nil
		})
	}
	_ = filepath.WalkDir(w.tmp, func(p string, d fs.DirEntry, err error) error {
		if err == nil && (strings.HasPrefix(d.Name(), "google-") || strings.HasPrefix(d.Name(), "octopulumi-run-") ||
			strings.HasPrefix(d.Name(), "octopulumi-accounts-check-")) {
			t.Errorf("%s is left in TMPDIR after the step", p)
		}
		return nil
	})
}

// checkMasked checks that the run asked Octopus to mask each secret.
func checkMasked(t *testing.T, r cloudRun, secrets ...string) {
	t.Helper()
	masked := map[string]bool{}
	for _, m := range r.messages {
		if m.Name == "mask" {
			v, _ := m.Get("value")
			masked[v] = true
		}
	}
	for _, s := range secrets {
		if !masked[s] {
			t.Errorf("the secret %.8s… is not masked in Octopus", s)
		}
	}
}

// checkRanPulumi checks that the watch saw octopulumi, pulumi up and the
// provider run, so that the command-line check looked at them.
func checkRanPulumi(t *testing.T, r cloudRun) {
	t.Helper()
	var binary, up, provider bool
	for _, p := range r.processes {
		binary = binary || strings.HasPrefix(p, octopulumi(t)+" ")
		up = up || strings.Contains(p, "pulumi up ")
		provider = provider || strings.Contains(p, "pulumi-resource-localfile")
	}
	if !binary || !up || !provider {
		t.Errorf("the watch did not see octopulumi (%v), pulumi up (%v) and the provider (%v) run: %q", binary, up, provider, r.processes)
	}
}

// seenFileOf returns the one credential file seen whose name starts with
// prefix.
func seenFileOf(t *testing.T, r cloudRun, prefix string) (string, seenFile) {
	t.Helper()
	var paths []string
	for p := range r.files {
		if strings.HasPrefix(filepath.Base(p), prefix) {
			paths = append(paths, p)
		}
	}
	if len(paths) != 1 {
		t.Fatalf("credential files %s* seen while the step ran: %v, want one", prefix, paths)
	}
	f := r.files[paths[0]]
	if f.mode != 0o600 {
		t.Errorf("%s has mode %v, want 0600", paths[0], f.mode)
	}
	return paths[0], f
}

// googleKey makes a service account key: the key file, its base64 (the
// Octopus account's JsonKey) and a line of its private key, a secret to
// search for in any encoding of the file.
func googleKey(t *testing.T) (keyFile []byte, b64, keyLine string) {
	t.Helper()
	keyFile, b64, err := accountstest.ServiceAccountKey(googleEmail)
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		PrivateKey string `json:"private_key"`
	}
	if err := json.Unmarshal(keyFile, &k); err != nil {
		t.Fatal(err)
	}
	return keyFile, b64, strings.Split(k.PrivateKey, "\n")[2]
}

// accountCase is one account kind: its Octopus variables, its secrets, its
// clouds, what the task log says, and what the provider must get (known
// after the run: STS's session, the credential files' paths).
type accountCase struct {
	vars    map[string]string
	secrets []string
	clouds  []accounts.Cloud
	log     []string
	want    func(t *testing.T, r cloudRun) map[string]string
}

// lastSession returns the credentials STS issued last for action.
func (w *cloudWorld) lastSession(t *testing.T, action string) stsCredentials {
	t.Helper()
	var last *stsCredentials
	for _, s := range w.sessions() {
		if s.action == action {
			last = &s
		}
	}
	if last == nil || last.secret == "" || last.token == "" {
		t.Fatalf("STS issued no session for %s: %+v", action, w.sessions())
	}
	return *last
}

func awsSessionEnv(s stsCredentials) map[string]string {
	return map[string]string{"AWS_ACCESS_KEY_ID": s.accessKeyID, "AWS_SECRET_ACCESS_KEY": s.secret, "AWS_SESSION_TOKEN": s.token}
}

func awsKeysCase(t *testing.T, w *cloudWorld) accountCase {
	secret := w.sts.AddUser(awsUserARN, awsAccessKeyID)
	return accountCase{
		vars:    map[string]string{"Pulumi.AwsAccount": "Cloud.Aws", "Cloud.Aws.AccessKey": awsAccessKeyID, "Cloud.Aws.SecretKey": secret, "Pulumi.AwsRegion": "eu-west-1"},
		secrets: []string{secret},
		clouds:  []accounts.Cloud{accounts.AWS},
		log:     []string{`AWS: the AWS account variable "Cloud.Aws", access keys, region eu-west-1`},
		want: func(*testing.T, cloudRun) map[string]string {
			return map[string]string{"AWS_ACCESS_KEY_ID": awsAccessKeyID, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
		},
	}
}

func awsOIDCVars(jwt string) map[string]string {
	return map[string]string{"Pulumi.AwsAccount": "Cloud.Aws", "Cloud.Aws.RoleArn": accountstest.DefaultRoleARN,
		"Cloud.Aws.SessionDuration": "3600", "Cloud.Aws.OpenIdConnect.Jwt": jwt}
}

func awsOIDCCase(t *testing.T, w *cloudWorld) accountCase {
	jwt := w.mint(t, accounts.AWSAudience)
	return accountCase{
		vars:    awsOIDCVars(jwt),
		secrets: []string{jwt},
		clouds:  []accounts.Cloud{accounts.AWS},
		log:     []string{"OpenID Connect as role " + accountstest.DefaultRoleARN, "Deployments-42"},
		want: func(t *testing.T, r cloudRun) map[string]string {
			s := w.lastSession(t, accountstest.ActionAssumeRoleWithWebIdentity)
			checkMasked(t, r, s.secret, s.token)
			checkNoLeak(t, w, r, s.secret, s.token)
			reqs := w.sts.Requests(accountstest.ActionAssumeRoleWithWebIdentity)
			if len(reqs) != 1 || !strings.Contains(reqs[0].Form.Get("RoleSessionName"), "Deployments-42") {
				t.Errorf("AssumeRoleWithWebIdentity requests %+v: want one, its session named after the deployment", reqs)
			}
			return awsSessionEnv(s)
		},
	}
}

func awsSecondRoleCase(t *testing.T, w *cloudWorld) accountCase {
	w.sts.AddRole(accountstest.Role{ARN: secondRoleARN, Principals: []string{accountstest.DefaultRoleARN}, ExternalID: "octopus-e2e"})
	c := awsOIDCCase(t, w)
	c.vars["Pulumi.AwsAssumeRoleArn"] = secondRoleARN
	c.vars["Pulumi.AwsAssumeRoleExternalId"] = "octopus-e2e"
	c.log = []string{"OpenID Connect as role " + accountstest.DefaultRoleARN, "then role " + secondRoleARN + ", with an external id"}
	c.want = func(t *testing.T, r cloudRun) map[string]string {
		first := w.lastSession(t, accountstest.ActionAssumeRoleWithWebIdentity)
		second := w.lastSession(t, accountstest.ActionAssumeRole)
		checkMasked(t, r, first.secret, first.token, second.secret, second.token)
		checkNoLeak(t, w, r, first.secret, first.token, second.secret, second.token)
		if reqs := w.sts.Requests(accountstest.ActionAssumeRole); len(reqs) != 1 || reqs[0].AccessKeyID != first.accessKeyID {
			t.Errorf("AssumeRole requests %+v: want one, signed with the first session's key %s", reqs, first.accessKeyID)
		}
		return awsSessionEnv(second)
	}
	return c
}

func azureVars(extra map[string]string) map[string]string {
	v := map[string]string{"Pulumi.AzureAccount": "Cloud.Azure", "Cloud.Azure.Client": azureClient, "Cloud.Azure.TenantId": azureTenant,
		"Cloud.Azure.SubscriptionNumber": azureSubscription, "Cloud.Azure.AzureEnvironment": "AzureCloud"}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

func azureEnv(extra map[string]string) map[string]string {
	v := map[string]string{"ARM_CLIENT_ID": azureClient, "ARM_TENANT_ID": azureTenant, "ARM_SUBSCRIPTION_ID": azureSubscription, "ARM_ENVIRONMENT": "public"}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

func azureSecretCase(t *testing.T, w *cloudWorld) accountCase {
	secret := "azure-client-secret~" + sum(t.Name())[:24]
	return accountCase{
		vars:    azureVars(map[string]string{"Cloud.Azure.Password": secret}),
		secrets: []string{secret},
		clouds:  []accounts.Cloud{accounts.Azure},
		log:     []string{"client secret as client " + azureClient + " in tenant " + azureTenant},
		want: func(*testing.T, cloudRun) map[string]string {
			return azureEnv(map[string]string{"ARM_CLIENT_SECRET": secret})
		},
	}
}

func azureOIDCCase(t *testing.T, w *cloudWorld) accountCase {
	jwt := w.mint(t, "api://AzureADTokenExchange", authtest.Lifetime(2*time.Hour))
	return accountCase{
		vars:    azureVars(map[string]string{"Cloud.Azure.OpenIdConnect.Jwt": jwt}),
		secrets: []string{jwt},
		clouds:  []accounts.Cloud{accounts.Azure},
		log:     []string{"OpenID Connect as client " + azureClient},
		want: func(*testing.T, cloudRun) map[string]string {
			return azureEnv(map[string]string{"ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": jwt})
		},
	}
}

func googleKeyCase(t *testing.T, w *cloudWorld) accountCase {
	keyFile, b64, keyLine := googleKey(t)
	return accountCase{
		vars:    map[string]string{"Pulumi.GoogleAccount": "Cloud.Google", "Cloud.Google.JsonKey": b64, "Pulumi.GoogleRegion": "europe-west1"},
		secrets: []string{b64, keyLine},
		clouds:  []accounts.Cloud{accounts.Google},
		log:     []string{"service account key of " + googleEmail + ", project " + googleProject + ", region europe-west1"},
		want: func(t *testing.T, r cloudRun) map[string]string {
			path, f := seenFileOf(t, r, "google-key-")
			if !bytes.Equal(f.content, keyFile) {
				t.Errorf("%s does not hold the key file", path)
			}
			return map[string]string{"GOOGLE_CREDENTIALS": path, "GOOGLE_APPLICATION_CREDENTIALS": path, "GOOGLE_PROJECT": googleProject, "GOOGLE_REGION": "europe-west1"}
		},
	}
}

func googleOIDCCase(t *testing.T, w *cloudWorld) accountCase {
	aud := "https:" + googleProvider
	jwt := w.mint(t, aud, authtest.Lifetime(2*time.Hour))
	return accountCase{
		vars:    map[string]string{"Pulumi.GoogleAccount": "Cloud.Google", "Cloud.Google.OpenIdConnect.Jwt": jwt, "Cloud.Google.Audience": aud, "Pulumi.GoogleProject": googleProject},
		secrets: []string{jwt},
		clouds:  []accounts.Cloud{accounts.Google},
		log:     []string{"workload identity federation with " + googleProvider},
		want: func(t *testing.T, r cloudRun) map[string]string {
			tokenPath, token := seenFileOf(t, r, "google-token-")
			if string(token.content) != jwt {
				t.Errorf("%s does not hold the token", tokenPath)
			}
			path, f := seenFileOf(t, r, "google-wif-")
			var cfg struct {
				Type             string `json:"type"`
				Audience         string `json:"audience"`
				CredentialSource struct {
					File string `json:"file"`
				} `json:"credential_source"`
			}
			if err := json.Unmarshal(f.content, &cfg); err != nil || cfg.Type != "external_account" || cfg.Audience != googleProvider || cfg.CredentialSource.File != tokenPath {
				t.Errorf("%s is not a workload identity configuration of %s reading %s (%v):\n%s", path, googleProvider, tokenPath, err, f.content)
			}
			return map[string]string{"GOOGLE_CREDENTIALS": path, "GOOGLE_APPLICATION_CREDENTIALS": path, "GOOGLE_PROJECT": googleProject}
		},
	}
}

// allCloudsCase is an account of each cloud in one step.
func allCloudsCase(t *testing.T, w *cloudWorld) accountCase {
	a, z, g := awsKeysCase(t, w), azureSecretCase(t, w), googleKeyCase(t, w)
	c := accountCase{vars: map[string]string{}, clouds: []accounts.Cloud{accounts.AWS, accounts.Azure, accounts.Google}}
	for _, x := range []accountCase{a, z, g} {
		for k, v := range x.vars {
			c.vars[k] = v
		}
		c.secrets = append(c.secrets, x.secrets...)
		c.log = append(c.log, x.log...)
	}
	c.want = func(t *testing.T, r cloudRun) map[string]string {
		out := map[string]string{}
		for _, x := range []accountCase{a, z, g} {
			for k, v := range x.want(t, r) {
				out[k] = v
			}
		}
		return out
	}
	return c
}

var accountKinds = []struct {
	name string
	make func(*testing.T, *cloudWorld) accountCase
}{
	{"AWS keys", awsKeysCase},
	{"AWS OIDC", awsOIDCCase},
	{"AWS OIDC then a second role", awsSecondRoleCase},
	{"Azure client secret", azureSecretCase},
	{"Azure OIDC", azureOIDCCase},
	{"Google key", googleKeyCase},
	{"Google OIDC", googleOIDCCase},
	{"AWS, Azure and Google at once", allCloudsCase},
}

// TestAccountsDeployEachKind deploys with each account kind through
// `octopulumi deploy`: the provider gets exactly the account's variables
// (and none of the worker's own for that cloud), the task log says which
// account as whom, and no secret is anywhere but in the provider's
// environment and the run's private files, gone when the step ends.
func TestAccountsDeployEachKind(t *testing.T) {
	t.Parallel()
	for _, k := range accountKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			w := newCloudWorld(t)
			c := k.make(t, w)
			r := w.deploy(t, w.env(c.vars), "2", nil)
			if r.code != 0 {
				t.Fatalf("deploy exited %d: %s\nstdout:\n%s\nstderr:\n%s", r.code, resultMessage(r.run), r.stdout, r.stderr)
			}
			for _, l := range c.log {
				if !strings.Contains(r.stdout, l) {
					t.Errorf("the task log does not say %q:\n%s", l, r.stdout)
				}
			}
			checkProbe(t, r, w.expected(c.want(t, r), c.clouds...))
			checkRanPulumi(t, r)
			checkNoLeak(t, w, r, c.secrets...)
		})
	}
}

// TestAccountsAWSTrustPolicy: the role's trust policy is enforced at the
// STS: a token whose subject it does not admit fails the step before
// Pulumi runs, with what to change in the trust policy.
func TestAccountsAWSTrustPolicy(t *testing.T) {
	t.Parallel()
	w := newCloudWorld(t)
	const subject = "space:default-2:project:web-shop:environment:staging"
	jwt, err := w.iss.Mint(map[string]any{"aud": accounts.AWSAudience, "sub": subject})
	if err != nil {
		t.Fatal(err)
	}
	r := w.deploy(t, w.env(awsOIDCVars(jwt)), "0", nil)
	msg := resultMessage(r.run)
	if r.code != 1 {
		t.Errorf("deploy exited %d, want 1", r.code)
	}
	for _, want := range []string{"AccessDenied", "trust policy of role " + accountstest.DefaultRoleARN, `"sts:AssumeRoleWithWebIdentity"`,
		`:sub": "space:default-2:project:web-shop:*"`, "(the token's subject is \"" + subject + "\")"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the result message does not say %q:\n%s", want, msg)
		}
	}
	if n := w.sts.Calls(accountstest.ActionAssumeRoleWithWebIdentity); n != 1 {
		t.Errorf("%d AssumeRoleWithWebIdentity calls, want 1 (a refusal is not retried)", n)
	}
	if len(w.sts.Sessions()) != 0 {
		t.Errorf("STS issued sessions %v for a token the trust policy refuses", w.sts.Sessions())
	}
	if w.bed.Mirror.Total() != 0 {
		t.Error("pulumi ran although the account was refused")
	}
	checkNoLeak(t, w, r, jwt)
}

// TestAccountsLeakOnFailure: every way a step with a cloud account fails —
// refused by STS, caught by the pre-flight, a bad key, Pulumi failing after
// the credentials were made, a cancelled run — fails with a message that
// says what to fix and leaves no secret anywhere, and no credential file.
func TestAccountsLeakOnFailure(t *testing.T) {
	t.Parallel()
	type failure struct {
		vars    map[string]string
		secrets []string
		hold    string   // the program's delaySeconds
		cancel  bool     // interrupt octopulumi while the provider holds the credentials
		want    []string // in the result message
		pulumi  bool     // whether pulumi ran
		after   func(t *testing.T, w *cloudWorld, r cloudRun) []string
	}
	issued := func(t *testing.T, w *cloudWorld, _ cloudRun) []string {
		var out []string
		for _, s := range w.sessions() {
			out = append(out, s.secret, s.token)
		}
		if len(out) == 0 {
			t.Error("STS issued no session")
		}
		return out
	}
	cases := []struct {
		name string
		make func(t *testing.T, w *cloudWorld) failure
	}{{
		"AWS OIDC, a subject the trust policy refuses", func(t *testing.T, w *cloudWorld) failure {
			jwt, err := w.iss.Mint(map[string]any{"aud": accounts.AWSAudience, "sub": "space:other:project:x:environment:y"})
			if err != nil {
				t.Fatal(err)
			}
			return failure{vars: awsOIDCVars(jwt), secrets: []string{jwt}, want: []string{"AccessDenied", "trust policy"}}
		},
	}, {
		"AWS OIDC, an expired token", func(t *testing.T, w *cloudWorld) failure {
			jwt := w.mint(t, accounts.AWSAudience, authtest.IssuedAt(time.Now().Add(-2*time.Hour)), authtest.Lifetime(time.Hour))
			return failure{vars: awsOIDCVars(jwt), secrets: []string{jwt}, want: []string{"Cloud.Aws.OpenIdConnect.Jwt", "expired"}}
		},
	}, {
		"AWS OIDC, Octopus's default audience", func(t *testing.T, w *cloudWorld) failure {
			jwt := w.mint(t, "api://default")
			return failure{vars: awsOIDCVars(jwt), secrets: []string{jwt}, want: []string{"Cloud.Aws.OpenIdConnect.Jwt", "api://default", accounts.AWSAudience}}
		},
	}, {
		"AWS keys, a second role that does not trust them", func(t *testing.T, w *cloudWorld) failure {
			secret := w.sts.AddUser(awsUserARN, awsAccessKeyID)
			w.sts.AddRole(accountstest.Role{ARN: secondRoleARN, Principals: []string{"arn:aws:iam::" + accountstest.DefaultAccountID + ":user/someone-else"}})
			return failure{vars: map[string]string{"Pulumi.AwsAccount": "Cloud.Aws", "Cloud.Aws.AccessKey": awsAccessKeyID, "Cloud.Aws.SecretKey": secret,
				"Pulumi.AwsAssumeRoleArn": secondRoleARN}, secrets: []string{secret}, want: []string{"AccessDenied", "role " + secondRoleARN + " does not let " + awsUserARN + " assume it"}}
		},
	}, {
		"AWS OIDC, then Pulumi fails", func(t *testing.T, w *cloudWorld) failure {
			jwt := w.mint(t, accounts.AWSAudience)
			v := awsOIDCVars(jwt)
			v["Pulumi.Config.failHold"] = "true"
			return failure{vars: v, secrets: []string{jwt}, pulumi: true, want: []string{"localfile:index:File::hold", "failOnCreate"}, after: issued}
		},
	}, {
		"Azure, both a client secret and a token", func(t *testing.T, w *cloudWorld) failure {
			jwt := w.mint(t, "api://AzureADTokenExchange")
			return failure{vars: azureVars(map[string]string{"Cloud.Azure.Password": "azure-secret-and-a-token", "Cloud.Azure.OpenIdConnect.Jwt": jwt}),
				secrets: []string{jwt, "azure-secret-and-a-token"}, want: []string{"Cloud.Azure.Password", "silently prefer the client secret"}}
		},
	}, {
		"Azure OIDC, a token for another audience", func(t *testing.T, w *cloudWorld) failure {
			jwt := w.mint(t, accounts.AWSAudience)
			return failure{vars: azureVars(map[string]string{"Cloud.Azure.OpenIdConnect.Jwt": jwt}), secrets: []string{jwt},
				want: []string{"Cloud.Azure.OpenIdConnect.Jwt", "api://AzureADTokenExchange"}}
		},
	}, {
		"Google, a user's credentials instead of a service account key", func(t *testing.T, w *cloudWorld) failure {
			file := `{"type":"authorized_user","client_id":"1234.apps.googleusercontent.com","client_secret":"gcp-user-client-secret","refresh_token":"1//gcp-user-refresh-token"}`
			b64 := base64.StdEncoding.EncodeToString([]byte(file))
			return failure{vars: map[string]string{"Pulumi.GoogleAccount": "Cloud.Google", "Cloud.Google.JsonKey": b64},
				secrets: []string{b64, "gcp-user-client-secret", "1//gcp-user-refresh-token"}, want: []string{"Cloud.Google.JsonKey", "not a service account key"}}
		},
	}, {
		"Google OIDC, an audience that is no workload identity provider", func(t *testing.T, w *cloudWorld) failure {
			jwt := w.mint(t, "https://example.com/octopus")
			return failure{vars: map[string]string{"Pulumi.GoogleAccount": "Cloud.Google", "Cloud.Google.OpenIdConnect.Jwt": jwt, "Cloud.Google.Audience": "https://example.com/octopus"},
				secrets: []string{jwt}, want: []string{"Cloud.Google.Audience", "workload identity provider"}}
		},
	}, {
		"Google key, then Pulumi fails", func(t *testing.T, w *cloudWorld) failure {
			_, b64, keyLine := googleKey(t)
			return failure{vars: map[string]string{"Pulumi.GoogleAccount": "Cloud.Google", "Cloud.Google.JsonKey": b64, "Pulumi.Config.failHold": "true"},
				secrets: []string{b64, keyLine}, pulumi: true, want: []string{"localfile:index:File::hold", "failOnCreate"}}
		},
	}, {
		"Google OIDC, cancelled while the provider holds the credentials", func(t *testing.T, w *cloudWorld) failure {
			jwt := w.mint(t, "https:"+googleProvider, authtest.Lifetime(2*time.Hour))
			return failure{vars: map[string]string{"Pulumi.GoogleAccount": "Cloud.Google", "Cloud.Google.OpenIdConnect.Jwt": jwt, "Cloud.Google.Audience": "https:" + googleProvider},
				secrets: []string{jwt}, hold: "30", cancel: true, pulumi: true}
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newCloudWorld(t)
			f := tc.make(t, w)
			if f.hold == "" {
				f.hold = "0"
			}
			var during func(id string, pid int) bool
			if f.cancel {
				during = func(id string, pid int) bool {
					files, _ := filepath.Glob(filepath.Join(w.tmp, "octopulumi-run-"+id, "*", "google-*"))
					for _, p := range processesOfRun(id) {
						if strings.Contains(p, "pulumi-resource-localfile") && len(files) > 0 {
							time.Sleep(time.Second) // into the held create
							return syscall.Kill(pid, syscall.SIGINT) == nil
						}
					}
					return false
				}
			}
			r := w.deploy(t, w.env(f.vars), f.hold, during)
			msg := resultMessage(r.run)
			t.Logf("exit %d: %s", r.code, msg)
			if r.code == 0 || msg == "" {
				t.Errorf("deploy exited %d with the result message %q; want a failure that says why", r.code, msg)
			}
			for _, want := range f.want {
				if !strings.Contains(msg, want) {
					t.Errorf("the result message does not say %q:\n%s", want, msg)
				}
			}
			if f.pulumi {
				checkRanPulumi(t, r)
			} else if w.bed.Mirror.Total() != 0 {
				t.Error("pulumi ran although the account was refused")
			}
			if f.cancel && len(r.files) == 0 {
				t.Error("no credential file was seen while the step ran")
			}
			if f.after != nil {
				f.secrets = append(f.secrets, f.after(t, w, r)...)
			}
			checkNoLeak(t, w, r, f.secrets...)
			if t.Failed() {
				t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestAccountsBadInput: account variables that cannot be right fail the step
// with exit code 1 before Pulumi runs, the result message naming the
// Octopus variable to fix; never a panic, never the bad value itself.
func TestAccountsBadInput(t *testing.T) {
	t.Parallel()
	w := newCloudWorld(t)
	notAKey := base64.StdEncoding.EncodeToString([]byte("-----BEGIN NOT A KEY-----"))
	cases := []struct {
		name    string
		vars    map[string]string
		secrets []string
		want    []string
	}{{
		name: "a missing property",
		vars: map[string]string{"Pulumi.AwsAccount": "Cloud.Aws", "Cloud.Aws.AccessKey": awsAccessKeyID},
		want: []string{"Cloud.Aws.SecretKey: is empty", "expected an AWS account"},
	}, {
		name:    "a missing property of the step template's account parameter",
		vars:    map[string]string{"Pulumi.AwsAccount": "Accounts-1", "Pulumi.AwsAccount.SecretKey": "a-secret-without-its-key-id"},
		secrets: []string{"a-secret-without-its-key-id"},
		want:    []string{"Pulumi.AwsAccount.AccessKey", "is empty although Pulumi.AwsAccount.SecretKey is set"},
	}, {
		name:    "an account variable of the wrong type",
		vars:    map[string]string{"Pulumi.AzureAccount": "Cloud.Aws", "Cloud.Aws.AccessKey": awsAccessKeyID, "Cloud.Aws.SecretKey": "an-aws-secret-key"},
		secrets: []string{"an-aws-secret-key"},
		want:    []string{"Pulumi.AzureAccount", `"Cloud.Aws", which is an AWS account`, "expected an Azure account"},
	}, {
		name: "a Generic OpenID Connect account for Azure",
		vars: map[string]string{"Pulumi.AzureAccount": "Cloud.Oidc", "Cloud.Oidc.OpenIdConnect.Jwt": "eyJhbGciOiJub25lIn0.e30.", "Cloud.Oidc.Audience": "api://AzureADTokenExchange"},
		want: []string{"Pulumi.AzureAccount", "is a Generic OpenID Connect account"},
	}, {
		name: "an account variable that is not there",
		vars: map[string]string{"Pulumi.GoogleAccount": "Cloud.Nowhere"},
		want: []string{"Pulumi.GoogleAccount", `names "Cloud.Nowhere"`, "Cloud.Nowhere.JsonKey"},
	}, {
		name:    "a JWT that is not a JWT",
		vars:    awsOIDCVars("this-is-no-jwt-but-a-secret"),
		secrets: []string{"this-is-no-jwt-but-a-secret"},
		want:    []string{"Cloud.Aws.OpenIdConnect.Jwt", "is not a JWT"},
	}, {
		name:    "a base64 key that is not a key",
		vars:    map[string]string{"Pulumi.GoogleAccount": "Cloud.Google", "Cloud.Google.JsonKey": notAKey},
		secrets: []string{notAKey},
		want:    []string{"Cloud.Google.JsonKey", "is base64, but what it encodes is not a JSON key file"},
	}, {
		name:    "a key that is not base64",
		vars:    map[string]string{"Pulumi.GoogleAccount": "Cloud.Google", "Cloud.Google.JsonKey": "not base64 but secret!"},
		secrets: []string{"not base64 but secret!"},
		want:    []string{"Cloud.Google.JsonKey", "is not base64"},
	}, {
		name:    "a region that is not one",
		vars:    map[string]string{"Pulumi.AwsAccount": "Cloud.Aws", "Cloud.Aws.AccessKey": awsAccessKeyID, "Cloud.Aws.SecretKey": "an-aws-secret-key", "Pulumi.AwsRegion": "Ireland"},
		secrets: []string{"an-aws-secret-key"},
		want:    []string{"Pulumi.AwsRegion"},
	}, {
		name: "several problems, all at once",
		vars: map[string]string{"Pulumi.AwsAccount": "Cloud.Aws", "Cloud.Aws.AccessKey": "not-a-key-id", "Cloud.Aws.SecretKey": "an-aws-secret-key",
			"Pulumi.AzureAccount": "Cloud.Azure", "Cloud.Azure.Client": "not-a-guid", "Cloud.Azure.TenantId": azureTenant, "Cloud.Azure.SubscriptionNumber": azureSubscription},
		secrets: []string{"an-aws-secret-key"},
		want:    []string{"Cloud.Aws.AccessKey", "Cloud.Azure.Client", "Cloud.Azure.Password"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.deploy(t, w.env(tc.vars), "0", nil)
			msg := resultMessage(r.run)
			t.Logf("exit %d: %s", r.code, msg)
			if r.code != 1 {
				t.Errorf("deploy exited %d, want 1", r.code)
			}
			for _, want := range tc.want {
				if !strings.Contains(msg, want) {
					t.Errorf("the result message does not say %q:\n%s", want, msg)
				}
			}
			if out := r.stdout + r.stderr; strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") {
				t.Errorf("octopulumi panicked:\n%s", out)
			}
			if len(r.processes) > 1 || w.bed.Mirror.Total() != 0 {
				t.Errorf("pulumi ran although the account variables are wrong: %q", r.processes)
			}
			checkNoLeak(t, w, r, tc.secrets...)
		})
	}
}

// TestAccountsCheckCommand: `octopulumi accounts check` tests an account as
// a deploy would, without Pulumi: it says which account as whom, verifies
// access keys with --verify, explains a refusal, and prints no secret.
func TestAccountsCheckCommand(t *testing.T) {
	t.Parallel()
	w := newCloudWorld(t)
	secret := w.sts.AddUser(awsUserARN, awsAccessKeyID)
	keys := func(secret string) map[string]string {
		return map[string]string{"Pulumi.AwsAccount": "Cloud.Aws", "Cloud.Aws.AccessKey": awsAccessKeyID, "Cloud.Aws.SecretKey": secret}
	}
	jwt := w.mint(t, accounts.AWSAudience)
	azureJWT := w.mint(t, "api://default")
	_, googleB64, googleKeyLine := googleKey(t)
	cases := []struct {
		name    string
		vars    map[string]string
		verify  bool
		code    int
		want    []string
		secrets []string
		calls   map[string]int // STS calls by action
	}{{
		name: "access keys, verified", vars: keys(secret), verify: true,
		want:    []string{`AWS: the AWS account variable "Cloud.Aws", access keys of ` + awsUserARN},
		secrets: []string{secret}, calls: map[string]int{accountstest.ActionGetCallerIdentity: 1},
	}, {
		name: "access keys, not verified", vars: keys(secret),
		want:    []string{`AWS: the AWS account variable "Cloud.Aws", access keys`},
		secrets: []string{secret}, calls: map[string]int{accountstest.ActionGetCallerIdentity: 0},
	}, {
		name: "access keys with the wrong secret, verified", vars: keys("wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEYXX"), verify: true, code: 1,
		want:    []string{"SignatureDoesNotMatch", "the secret key does not belong to the access key ID"},
		secrets: []string{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEYXX"}, calls: map[string]int{accountstest.ActionGetCallerIdentity: 1},
	}, {
		name: "OpenID Connect", vars: awsOIDCVars(jwt),
		want:    []string{"OpenID Connect as role " + accountstest.DefaultRoleARN},
		secrets: []string{jwt}, calls: map[string]int{accountstest.ActionAssumeRoleWithWebIdentity: 1},
	}, {
		name: "an Azure token for Octopus's default audience", vars: azureVars(map[string]string{"Cloud.Azure.OpenIdConnect.Jwt": azureJWT}), code: 1,
		want:    []string{"Cloud.Azure.OpenIdConnect.Jwt", "api://AzureADTokenExchange"},
		secrets: []string{azureJWT},
	}, {
		name: "a Google Cloud key", vars: map[string]string{"Pulumi.GoogleAccount": "Cloud.Google", "Cloud.Google.JsonKey": googleB64},
		want:    []string{"service account key of " + googleEmail + ", project " + googleProject},
		secrets: []string{googleB64, googleKeyLine},
	}, {
		name: "no account", vars: map[string]string{}, code: 1,
		want: []string{"no cloud account given", "Pulumi.AwsAccount"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := map[string]int{}
			for a := range tc.calls {
				before[a] = w.sts.Calls(a)
			}
			args := []string{"accounts", "check"}
			if tc.verify {
				args = append(args, "--verify")
			}
			// The check validates the stack's name too: a runbook on Pulumi
			// Cloud has the organization.
			r := w.watch(t, w.env(tc.vars, "OCTOPULUMI_VAR_Pulumi__Organization=acme"), nil, args...)
			out := r.stdout + r.stderr
			t.Logf("exit %d:\n%s", r.code, out)
			if r.code != tc.code {
				t.Errorf("accounts check exited %d, want %d", r.code, tc.code)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("accounts check does not say %q", want)
				}
			}
			for a, n := range tc.calls {
				if got := w.sts.Calls(a) - before[a]; got != n {
					t.Errorf("%d %s calls, want %d", got, a, n)
				}
			}
			if w.bed.Mirror.Total() != 0 {
				t.Error("accounts check ran pulumi")
			}
			checkNoLeak(t, w, r, tc.secrets...)
		})
	}
	for _, s := range w.sessions() {
		if s.action == accountstest.ActionAssumeRoleWithWebIdentity {
			r := w.watch(t, w.env(awsOIDCVars(jwt), "OCTOPULUMI_VAR_Pulumi__Organization=acme"), nil, "accounts", "check")
			checkNoLeak(t, w, r, s.secret, s.token)
		}
	}
}

// TestAccountsStepTemplate deploys through the step template's script, as
// Calamari runs it, with the template's account parameters: Octopus gives
// the script an account parameter's properties (Octopulumi.AwsAccount.AccessKey,
// …) and the script hands them to octopulumi as the properties of the
// account variable it reads (Pulumi.AwsAccount.AccessKey, …).
func TestAccountsStepTemplate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		make func(t *testing.T, w *cloudWorld) accountCase
	}{{
		"AWS keys", func(t *testing.T, w *cloudWorld) accountCase {
			secret := w.sts.AddUser(awsUserARN, awsAccessKeyID)
			return accountCase{
				vars: map[string]string{"Octopulumi.AwsAccount": "Accounts-1", "Octopulumi.AwsAccount.AccessKey": awsAccessKeyID, "Octopulumi.AwsAccount.SecretKey": secret,
					"Octopulumi.AwsRegion": "eu-west-1"},
				secrets: []string{secret},
				clouds:  []accounts.Cloud{accounts.AWS},
				log:     []string{`AWS: the AWS account variable "Pulumi.AwsAccount", access keys, region eu-west-1`},
				want: func(*testing.T, cloudRun) map[string]string {
					return map[string]string{"AWS_ACCESS_KEY_ID": awsAccessKeyID, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
				},
			}
		},
	}, {
		"AWS OIDC", func(t *testing.T, w *cloudWorld) accountCase {
			jwt := w.mint(t, accounts.AWSAudience)
			return accountCase{
				vars: map[string]string{"Octopulumi.AwsAccount": "Accounts-2", "Octopulumi.AwsAccount.RoleArn": accountstest.DefaultRoleARN,
					"Octopulumi.AwsAccount.SessionDuration": "3600", "Octopulumi.AwsAccount.OpenIdConnect.Jwt": jwt},
				secrets: []string{jwt},
				clouds:  []accounts.Cloud{accounts.AWS},
				log:     []string{"OpenID Connect as role " + accountstest.DefaultRoleARN},
				want: func(t *testing.T, r cloudRun) map[string]string {
					s := w.lastSession(t, accountstest.ActionAssumeRoleWithWebIdentity)
					checkMasked(t, r, s.secret, s.token)
					checkNoLeak(t, w, r, s.secret, s.token)
					return awsSessionEnv(s)
				},
			}
		},
	}, {
		"Azure OIDC", func(t *testing.T, w *cloudWorld) accountCase {
			jwt := w.mint(t, "api://AzureADTokenExchange", authtest.Lifetime(2*time.Hour))
			return accountCase{
				vars: map[string]string{"Octopulumi.AzureAccount": "Accounts-3", "Octopulumi.AzureAccount.Client": azureClient, "Octopulumi.AzureAccount.TenantId": azureTenant,
					"Octopulumi.AzureAccount.SubscriptionNumber": azureSubscription, "Octopulumi.AzureAccount.AzureEnvironment": "AzureCloud",
					"Octopulumi.AzureAccount.OpenIdConnect.Jwt": jwt, "Octopulumi.AzureAccount.Audience": "api://AzureADTokenExchange"},
				secrets: []string{jwt},
				clouds:  []accounts.Cloud{accounts.Azure},
				log:     []string{"OpenID Connect as client " + azureClient},
				want: func(*testing.T, cloudRun) map[string]string {
					return azureEnv(map[string]string{"ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": jwt})
				},
			}
		},
	}}
	body := scriptBody(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newCloudWorld(t)
			c := tc.make(t, w)
			vars := map[string]string{
				"Octopus.Project.Name":        "Web Shop",
				"Octopus.Environment.Name":    "Staging",
				"Octopus.Deployment.Id":       "Deployments-42",
				"Octopulumi.Program":          w.dir,
				"Octopulumi.Backend":          w.bed.Backend,
				"Octopulumi.ConfigPassphrase": testbed.Passphrase,
				"Octopulumi.ConfigVariables":  "Pulumi.Config.delaySeconds",
				"Pulumi.Config.delaySeconds":  "0",
			}
			for k, v := range c.vars {
				vars[k] = v
			}
			env := []string{"TMPDIR=" + w.tmp, "AWS_ENDPOINT_URL_STS=" + w.stsURL}
			for k, v := range ambient {
				env = append(env, k+"="+v)
			}
			r := cloudRun{run: runTemplate(t, w.bed, vars, body, env...)}
			if r.code != 0 {
				t.Fatalf("the template script exited %d: %s\nstdout:\n%s\nstderr:\n%s", r.code, resultMessage(r.run), r.stdout, r.stderr)
			}
			for _, l := range c.log {
				if !strings.Contains(r.stdout, l) {
					t.Errorf("the task log does not say %q:\n%s", l, r.stdout)
				}
			}
			checkProbe(t, r, w.expected(c.want(t, r), c.clouds...))
			checkNoLeak(t, w, r, c.secrets...)
		})
	}
}
