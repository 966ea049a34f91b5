package openfaas

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The file names OpenFaaS uses under its secret mount path (gateway
// /run/secrets/, chart /var/secrets, Pro autoscaler /var/secrets/autoscaler).
const (
	UserFile     = "basic-auth-user"
	PasswordFile = "basic-auth-password"
)

// ReadCredentials reads the basic-auth user and password from the OpenFaaS
// secret files under secretMountPath. Surrounding whitespace (the trailing
// newline of `echo admin > basic-auth-user`) is trimmed. A missing, unreadable
// or empty file is an error naming that file.
func ReadCredentials(secretMountPath string) (user, pass string, err error) {
	if secretMountPath == "" {
		return "", "", errors.New("secret mount path is empty")
	}
	user, err = readSecret(filepath.Join(secretMountPath, UserFile))
	if err != nil {
		return "", "", err
	}
	pass, err = readSecret(filepath.Join(secretMountPath, PasswordFile))
	if err != nil {
		return "", "", err
	}
	return user, pass, nil
}

func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("basic auth secret %s does not exist", path)
	}
	if err != nil {
		return "", fmt.Errorf("read basic auth secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("basic auth secret %s is empty", path)
	}
	return s, nil
}

// basicAuth is the user and password a request is sent with.
type basicAuth struct{ user, pass string }

// credentialsChanged is called after a 401 to a request sent with used (nil:
// none). It re-reads Config.Credentials and, when they differ from used,
// makes them the client's and reports true: the request is sent again with
// them. A rotated OpenFaaS secret (the chart's basic-auth Secret changed;
// the kubelet updates the mounted files in place) is so picked up without a
// restart, where the credentials read once at start would be refused until
// one. Comparing with the credentials the request used, not the client's
// current ones, lets concurrent calls that all got a 401 each retry once.
func (cl *Client) credentialsChanged(ctx context.Context, used *basicAuth) bool {
	if cl.cfg.Credentials == nil {
		return false
	}
	user, pass, err := cl.cfg.Credentials()
	if err != nil {
		cl.log.WarnContext(ctx, "re-reading the basic-auth credentials after a 401 failed; keeping those in use", "err", err)
		return false
	}
	if used != nil && used.user == user && used.pass == pass {
		return false
	}
	if cur := cl.auth.Load(); cur == nil || cur.user != user || cur.pass != pass {
		cl.auth.Store(&basicAuth{user: user, pass: pass})
		cl.log.InfoContext(ctx, "the gateway refused the basic-auth credentials; the secret files changed, using the new ones")
	}
	return true
}
