#!/usr/bin/env bash
# Builds the real Kubernetes programs the end-to-end suite runs, with the go command from the Go
# module proxy, into a cache outside the repository. Each program comes from a small module of
# ours (e2e/tools/<module>/go.mod) that pins its version and repeats its replace directives.
# The cache key is the module's go.mod + go.sum and the Go version, so a second run reuses the
# binaries and any change to a pin rebuilds. Prints the bin directory on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${WANDB_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wandb-infra-hooks/e2e}"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

KUBERNETES_VERSION=v1.36.3
ETCD_VERSION=v3.6.16

key() { cat "$here/$1/go.mod" "$here/$1/go.sum" 2>/dev/null | cat - <(go env GOVERSION) | sha256sum | cut -c1-16; }

# build MODULE VERSION LDFLAGS NAME=PACKAGE...
build() {
  local module="$1" version="$2" ldflags="$3"
  shift 3
  local out="$cache/$module-$version-$(key "$module")"
  if [ -f "$out/.complete" ]; then
    echo "$module $version: cached in $out" >&2
  else
    echo "$module $version: building into $out (the first build takes minutes)" >&2
    local start=$SECONDS
    rm -rf "$out" && mkdir -p "$out"
    local target
    for target in "$@"; do
      (cd "$here/$module" && go build -trimpath -ldflags "$ldflags" -o "$out/${target%%=*}" "${target#*=}")
    done
    touch "$out/.complete"
    echo "$module $version: built in $((SECONDS - start)) s, $(du -sh "$out" | cut -f1)" >&2
  fi
  mkdir -p "$cache/bin"
  for binary in "$out"/*; do ln -sf "$binary" "$cache/bin/$(basename "$binary")"; done
}

minor="${KUBERNETES_VERSION#v1.}"
minor="${minor%%.*}"
k8s_version_flags=(
  "-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
  "-X k8s.io/component-base/version.gitMajor=1"
  "-X k8s.io/component-base/version.gitMinor=$minor"
  "-X k8s.io/component-base/version.gitTreeState=clean"
  "-X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
  "-X k8s.io/client-go/pkg/version.gitMajor=1"
  "-X k8s.io/client-go/pkg/version.gitMinor=$minor"
)
build kubernetes "$KUBERNETES_VERSION" "-s -w ${k8s_version_flags[*]}" \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kubectl=k8s.io/kubernetes/cmd/kubectl
build etcd "$ETCD_VERSION" "-s -w" etcd=go.etcd.io/etcd/server/v3
# The operators written in Go that the module proxy serves at our pinned versions (docs/e2e.md).
build percona v1.18.0 "-s -w" percona-xtradb-cluster-operator=github.com/percona/percona-xtradb-cluster-operator/cmd/manager

# Metacontroller: the module proxy reachable here does not serve v4.17.2 (docs/e2e.md). Build it
# once it does; until then say so and let the suite run without it.
if (cd "$here/metacontroller" && go mod download metacontroller) >/dev/null 2>&1; then
  GOFLAGS="$GOFLAGS -mod=mod" build metacontroller v4.17.2 \
    "-s -w -X main.version=v4.17.2 -X main.commit=76b818bdc67ba56570abe5f69f714d56c0ff5c52" \
    metacontroller=metacontroller/pkg/cmd/metacontroller
else
  echo "metacontroller v4.17.2: not available from the Go module proxy; not built (docs/e2e.md)" >&2
fi

# What judges manifests/components/monitoring (docs/monitoring.md): promtool, kube-state-metrics, and
# controller-gen, which generates the Prometheus Operator's CRDs from its Go types at test time
# (the types are pinned by e2e/tools/prometheus-operator; the operator's v0.95.2 uses v0.22.0).
build prometheus v0.316.0 "-s -w" promtool=github.com/prometheus/prometheus/cmd/promtool
build kube-state-metrics v2.20.0 "-s -w -X github.com/prometheus/common/version.Version=v2.20.0" \
  kube-state-metrics=k8s.io/kube-state-metrics/v2
build controller-tools v0.22.0 "-s -w" controller-gen=sigs.k8s.io/controller-tools/cmd/controller-gen

echo "$cache/bin"
