// Package deploy holds what runs ipamsim elsewhere — the Kubernetes Indexed
// Job of a sharded sweep (k8s/), the Grafana dashboard (grafana/), the
// container image (image/, built by mkimage/ and `make image`) — and the tests
// that keep the manifests true to the CLI's own contract.
package deploy
