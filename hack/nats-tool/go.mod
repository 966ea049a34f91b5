// Module nats-tool pins nats-server (github.com/nats-io/nats-server/v2) apart
// from the controller's own go.mod: the server is a test tool, never a
// dependency of the controller. mk/nats.mk builds it into $(TOOLS_DIR).
module github.com/faas-autoscaler/faas-autoscaler/hack/nats-tool

go 1.26.7

require github.com/nats-io/nats-server/v2 v2.15.2

require (
	github.com/antithesishq/antithesis-sdk-go v0.8.0-default-no-op // indirect
	github.com/google/go-tpm v0.9.8 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/minio/highwayhash v1.0.4 // indirect
	github.com/nats-io/jwt/v2 v2.8.2 // indirect
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/time v0.16.0 // indirect
)
