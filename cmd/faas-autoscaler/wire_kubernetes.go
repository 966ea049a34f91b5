package main

import (
	"context"
	"errors"
)

// wireKubernetes is filled in when provider/kubernetes lands.
func (ctl *controller) wireKubernetes(ctx context.Context) error {
	_ = ctx
	return errors.New("--provider kubernetes is not available in this build")
}
