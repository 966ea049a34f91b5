package openfaas

import (
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
