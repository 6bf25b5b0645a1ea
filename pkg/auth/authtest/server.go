package authtest

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
)

// server wraps an httptest.Server, plain or TLS.
type server struct {
	srv *httptest.Server
}

func startServer(h http.Handler, useTLS bool) server {
	srv := httptest.NewUnstartedServer(h)
	// Clients that hang up mid-handshake (a CLI exiting) are not news.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	return server{srv: srv}
}

// client returns an HTTP client that trusts the server's certificate.
func (s server) client() *http.Client { return s.srv.Client() }

// certPEM returns the server's certificate in PEM, or nil for plain HTTP.
func (s server) certPEM() []byte {
	if s.srv.TLS == nil {
		return nil
	}
	cert := s.srv.Certificate()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
