#!/usr/bin/env bash
# The project's test command: installs the test clients (kubectl 1.37 and 1.24, the Python
# `kubernetes` client, openssl), tells the end-to-end tests where they are, and runs every test of
# the workspace.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

bash scripts/install-test-tools.sh

export SIGNET_KUBECTL_1_37="$repo/.tools/bin/kubectl-1.37"
export SIGNET_KUBECTL_1_24="$repo/.tools/bin/kubectl-1.24"
export SIGNET_PYTHON="$repo/.tools/venv/bin/python"

# --no-fail-fast: one failing test binary must not hide the results of the others.
exec cargo test --workspace --locked --no-fail-fast "$@"
