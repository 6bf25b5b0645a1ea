package auth_test

// This benchmark compares our OIDC login with the real CLI's
// `pulumi login --oidc-token`; it lives in a file of its own because it
// depends on the test toolchain (internal/testbed).

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// BenchmarkLoginOIDC logs in by OIDC against the loopback fakes over TLS,
// once with this package (pre-flight, probe, exchange, /api/user) and once
// with the real CLI, per iteration, and reports both wall times and their
// ratio (target: ours/cli <= 0.25) and the discovery fetches (target: 1).
//
//	go test -run '^$' -bench BenchmarkLoginOIDC -benchtime 10x ./pkg/auth/
func BenchmarkLoginOIDC(b *testing.B) {
	tools := testbed.Tools(b)
	iss, err := authtest.NewIssuer(authtest.IssuerTLS(), authtest.TrailingSlash())
	if err != nil {
		b.Fatal(err)
	}
	defer iss.Close()
	cloud := authtest.NewCloud(authtest.CloudTLS())
	defer cloud.Close()
	cloud.TrustIssuer("acme", iss)

	dir := b.TempDir()
	caFile := filepath.Join(dir, "fakes-ca.pem")
	if err := os.WriteFile(caFile, iss.CertPEM(), 0o600); err != nil {
		b.Fatal(err)
	}
	c, err := auth.New(
		auth.WithHTTPClient(authtest.NewClient(iss.CertPEM(), cloud.CertPEM())),
		auth.WithBaseURL(cloud.URL),
		auth.WithDiscoveryCache(auth.NewDiscoveryCache()),
	)
	if err != nil {
		b.Fatal(err)
	}
	jwt, err := iss.Mint(map[string]any{"aud": auth.Audience("acme")}, authtest.Lifetime(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var ours, cli time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := c.LoginOIDC(ctx, jwt, auth.ExchangeRequest{Organization: "acme"}, "benchmark"); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)

		home := filepath.Join(dir, "cli", string(rune('a'+i%26))+time.Now().Format("150405.000000000"))
		cmd := exec.CommandContext(ctx, tools.Pulumi, "login", "--oidc-token", jwt, "--oidc-org", "acme", cloud.URL)
		cmd.Env = []string{
			"PATH=" + tools.Bin + ":/usr/bin:/bin",
			"HOME=" + home,
			"PULUMI_HOME=" + filepath.Join(home, ".pulumi"),
			"PULUMI_CREDENTIALS_PATH=" + filepath.Join(home, "credentials"),
			"PULUMI_SKIP_UPDATE_CHECK=true",
			"SSL_CERT_FILE=" + caFile,
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start = time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("pulumi login: %v\n%s", err, auth.NewRedactor(jwt).String(out.String()))
		}
		cli += time.Since(start)
	}
	if got := cloud.Exchanges(); got != 2*b.N {
		b.Fatalf("%d exchanges for %d iterations of both logins", got, b.N)
	}
	n := float64(b.N)
	b.ReportMetric(float64(ours.Microseconds())/n/1000, "ours-ms/op")
	b.ReportMetric(float64(cli.Microseconds())/n/1000, "cli-ms/op")
	b.ReportMetric(float64(ours)/float64(cli), "ours/cli")
	b.ReportMetric(float64(iss.Requests(authtest.DiscoveryPath)), "discovery-fetches")
}
