# faas-autoscaler: a static binary on distroless, running as nonroot (65532),
# the user deploy/kubernetes/deployment.yaml expects.
#   docker build --build-arg VERSION=$(git describe --tags --always) -t faas-autoscaler .
# The Kubernetes test tools under hack/ are separate modules and never enter
# the image.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits reuse the module download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO_ENABLED=0: no libc, so it runs on distroless/static (and scratch).
RUN CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/faas-autoscaler ./cmd/faas-autoscaler

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/faas-autoscaler /usr/local/bin/faas-autoscaler
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/faas-autoscaler"]
CMD ["run"]
