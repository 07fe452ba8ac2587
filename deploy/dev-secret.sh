#!/usr/bin/env bash
# Write the dev overlay's HS256 signing key (deploy/k8s/overlays/dev/config/dev-auth.env) if it is absent:
# a fresh random value per checkout, never committed (.gitignore), so no signing secret lives in the
# repository. Run by `make deploy-check` before rendering; run it yourself before `kubectl apply -k` of the
# dev overlay, and mint tokens with the same value: CG_JWT_SECRET=$(cut -d= -f2- <file>) cg-dev-token …
set -euo pipefail
deploy_dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
env_file="$deploy_dir/k8s/overlays/dev/config/dev-auth.env"
if [[ ! -s "$env_file" ]]; then
    umask 077
    printf 'CG_JWT_SECRET=%s\n' "$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" > "$env_file"
    echo "dev-secret: wrote a new random signing key to ${env_file#"$deploy_dir"/}"
fi
