# ipamsim's container image, the same layout as .ko.yaml and deploy/image
# build: the static binary at /ko-app/ipamsim as the entrypoint, run as the
# distroless nonroot user 65532 in /home/nonroot.
#
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     -t ghcr.io/ipamsim/ipamsim:v0.1.0 --push .
#
# (or docker build -t ghcr.io/ipamsim/ipamsim:v0.1.0 . for the local platform).
# Without a Docker daemon: ko build (see .ko.yaml) or make image.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=v0.1.0
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o /out/ipamsim ./cmd/ipamsim

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=v0.1.0
COPY --from=build /out/ipamsim /ko-app/ipamsim
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/ko-app
USER 65532:65532
WORKDIR /home/nonroot
LABEL org.opencontainers.image.title="ipamsim" \
      org.opencontainers.image.description="Simulator of the AWS VPC CNI's ipamd warm pool on EKS nodes" \
      org.opencontainers.image.source="https://github.com/ipamsim/ipamsim" \
      org.opencontainers.image.version="$VERSION"
ENTRYPOINT ["/ko-app/ipamsim"]
