package testbed

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3Bucket is one bucket on an S3-compatible server that runs in the test
// process on loopback (gofakes3, in memory), for a self-managed backend on
// s3://.
type S3Bucket struct {
	// URL is the backend URL: s3://<bucket>?endpoint=127.0.0.1:<port>&… in
	// the form pulumi v3.274.1 accepts (its diy backend translates the AWS
	// SDK v1 names disableSSL and a scheme-less endpoint for gocloud.dev
	// v0.46's s3blob; s3ForcePathStyle and region pass through).
	URL string
	// Env holds the AWS credentials for the bucket (random per bucket), for
	// the pulumi process only: give it to runner.WithEnv, never os.Setenv.
	Env map[string]string
	// Name is the bucket's name.
	Name string

	backend *s3mem.Backend
}

// S3 starts an S3 server on loopback for this test, makes a bucket on it
// and returns it; the server stops when the test ends.
func S3(tb testing.TB) *S3Bucket {
	tb.Helper()
	backend := s3mem.New()
	const name = "octopulumi-state"
	if err := backend.CreateBucket(name); err != nil {
		tb.Fatal(err)
	}
	// httptest.NewServer listens on 127.0.0.1 (or [::1] without IPv4).
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	tb.Cleanup(srv.Close)
	host := srv.Listener.Addr().(*net.TCPAddr).String()
	return &S3Bucket{
		URL: "s3://" + name + "?endpoint=" + host + "&disableSSL=true&s3ForcePathStyle=true&region=us-east-1",
		Env: map[string]string{
			"AWS_ACCESS_KEY_ID":     "AKIA" + randomHex(tb, 8),
			"AWS_SECRET_ACCESS_KEY": randomHex(tb, 20),
			// No instance metadata lookups from a test.
			"AWS_EC2_METADATA_DISABLED": "true",
		},
		Name:    name,
		backend: backend,
	}
}

// SecretKey is the bucket's secret access key, which tests look for in
// output that must not contain it.
func (b *S3Bucket) SecretKey() string { return b.Env["AWS_SECRET_ACCESS_KEY"] }

// Keys lists the bucket's object keys under prefix, sorted.
func (b *S3Bucket) Keys(tb testing.TB, prefix string) []string {
	tb.Helper()
	p := gofakes3.NewPrefix(&prefix, nil)
	list, err := b.backend.ListBucket(b.Name, &p, gofakes3.ListBucketPage{})
	if err != nil {
		tb.Fatal(err)
	}
	var keys []string
	for _, c := range list.Contents {
		keys = append(keys, c.Key)
	}
	sort.Strings(keys)
	return keys
}

// Get returns an object's contents, or false when there is none.
func (b *S3Bucket) Get(key string) ([]byte, bool) {
	obj, err := b.backend.GetObject(b.Name, key, nil)
	if err != nil {
		return nil, false
	}
	defer obj.Contents.Close()
	buf := make([]byte, obj.Size)
	if _, err := io.ReadFull(obj.Contents, buf); err != nil {
		return nil, false
	}
	return buf, true
}

func randomHex(tb testing.TB, n int) string {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}
