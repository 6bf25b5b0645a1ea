package authtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Service-managed secrets: a stack on the fake, like one on Pulumi Cloud,
// has no passphrase; the CLI sends each secret to the service to encrypt or
// decrypt in the stack's context. The fake seals them with AES-256-GCM
// under a key of the stack's own, so a ciphertext of one stack does not
// decrypt in another (nor in a stack removed and made again).

func newKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (s *fakeStack) aead() cipher.AEAD {
	block, _ := aes.NewCipher(s.key)
	g, _ := cipher.NewGCM(block)
	return g
}

// seal returns nonce || ciphertext, with the stack's name as additional
// data.
func (s *fakeStack) seal(plaintext []byte) []byte {
	g := s.aead()
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	return g.Seal(nonce, nonce, plaintext, []byte(s.fullName()))
}

var errNotOurs = errors.New("the ciphertext was not encrypted for this stack")

func (s *fakeStack) open(ciphertext []byte) ([]byte, error) {
	g := s.aead()
	if len(ciphertext) < g.NonceSize() {
		return nil, errNotOurs
	}
	out, err := g.Open(nil, ciphertext[:g.NonceSize()], ciphertext[g.NonceSize():], []byte(s.fullName()))
	if err != nil {
		return nil, errNotOurs
	}
	return out, nil
}

// crypt decodes a request body into req, finds the stack and answers what
// do returns; do runs with c.st.mu held.
func crypt[Req any](c *Cloud, w http.ResponseWriter, r *http.Request, do func(*fakeStack, Req) (any, error)) {
	var req Req
	if err := readJSON(r, &req); err != nil {
		badRequest(w, err)
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s, _, ok := c.stackOf(w, r)
	if !ok {
		return
	}
	resp, err := do(s, req)
	if err != nil {
		badRequest(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// encrypt answers POST …/encrypt.
func (c *Cloud) encrypt(w http.ResponseWriter, r *http.Request) {
	crypt(c, w, r, func(s *fakeStack, req apitype.EncryptValueRequest) (any, error) {
		return apitype.EncryptValueResponse{Ciphertext: s.seal(req.Plaintext)}, nil
	})
}

// decrypt answers POST …/decrypt.
func (c *Cloud) decrypt(w http.ResponseWriter, r *http.Request) {
	crypt(c, w, r, func(s *fakeStack, req apitype.DecryptValueRequest) (any, error) {
		p, err := s.open(req.Ciphertext)
		return apitype.DecryptValueResponse{Plaintext: p}, err
	})
}

// batchEncrypt answers POST …/batch-encrypt, in the order asked.
func (c *Cloud) batchEncrypt(w http.ResponseWriter, r *http.Request) {
	crypt(c, w, r, func(s *fakeStack, req apitype.BatchEncryptRequest) (any, error) {
		out := make([][]byte, len(req.Plaintexts))
		for i, p := range req.Plaintexts {
			out[i] = s.seal(p)
		}
		return apitype.BatchEncryptResponse{Ciphertexts: out}, nil
	})
}

// batchDecrypt answers POST …/batch-decrypt with the plaintexts keyed by
// the base64 of their ciphertexts, as the CLI looks them up
// (secrets/service.serviceCrypter.BatchDecrypt).
func (c *Cloud) batchDecrypt(w http.ResponseWriter, r *http.Request) {
	crypt(c, w, r, func(s *fakeStack, req apitype.BatchDecryptRequest) (any, error) {
		out := make(map[string][]byte, len(req.Ciphertexts))
		for _, ct := range req.Ciphertexts {
			p, err := s.open(ct)
			if err != nil {
				return nil, err
			}
			out[base64.StdEncoding.EncodeToString(ct)] = p
		}
		return apitype.BatchDecryptResponse{Plaintexts: out}, nil
	})
}
