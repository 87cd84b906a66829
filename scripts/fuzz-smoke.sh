#!/usr/bin/env bash
# Bounded smoke run of the fuzz targets in fuzz/ (a cargo-fuzz project outside the workspace).
#
# Builds every target once with libFuzzer and no sanitizer (which works on the stable
# toolchain), then runs each from its committed seed corpus, fuzz/corpus/<target>/, for at most
# FUZZ_RUNS inputs or FUZZ_SECONDS seconds, whichever comes first. New corpus entries go to a
# scratch directory, so the committed seeds never change. A crash, panic, timeout or
# out-of-memory fails the script and prints the input as base64 (libFuzzer also keeps it in
# fuzz/artifacts/<target>/) with a command that reproduces it.
#
# Not part of scripts/test.sh: the first instrumented release build takes several minutes on
# two cores, over that script's budget. Run it on its own:
#
#   scripts/fuzz-smoke.sh                      # every target
#   scripts/fuzz-smoke.sh csr_parse selectors  # some targets
#   FUZZ_RUNS=100000 FUZZ_SECONDS=120 scripts/fuzz-smoke.sh patch_apply   # a longer session
#
# Environment: FUZZ_RUNS (default 20000), FUZZ_SECONDS (default 10), FUZZ_SANITIZER (default
# none; `address` needs a nightly toolchain, chosen with FUZZ_TOOLCHAIN=nightly).
# Installs cargo-fuzz from crates.io when it is missing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo/fuzz"

runs="${FUZZ_RUNS:-20000}"
seconds="${FUZZ_SECONDS:-10}"
sanitizer="${FUZZ_SANITIZER:-none}"
toolchain=()
if [[ -n "${FUZZ_TOOLCHAIN:-}" ]]; then
    toolchain=("+$FUZZ_TOOLCHAIN")
fi

if ! cargo "${toolchain[@]}" fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

all_targets=(csr_parse json_decode patch_apply selectors rbac_match protobuf_decode ledger_entry checkpoint_parse)
if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    targets=("${all_targets[@]}")
fi

# One build of every target; `run` below then only links what is already built.
cargo "${toolchain[@]}" fuzz build --sanitizer "$sanitizer"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

failed=()
for target in "${targets[@]}"; do
    echo "=== fuzz $target: up to $runs runs / ${seconds}s"
    mkdir -p "$scratch/$target" "artifacts/$target"
    touch "$scratch/$target.start"
    # The per-input timeout is generous so that a loaded machine does not fail the run: only a
    # real hang (or quadratic blow-up) reaches it.
    if ! cargo "${toolchain[@]}" fuzz run --sanitizer "$sanitizer" "$target" \
        "$scratch/$target" "corpus/$target" -- \
        -runs="$runs" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1; then
        failed+=("$target")
        # Only this run's findings: older artifacts stay for whoever is investigating them.
        find "artifacts/$target" -type f -newer "$scratch/$target.start" -print0 |
        while IFS= read -r -d '' artifact; do
            echo "--- $target failing input $artifact (base64):"
            base64 -w0 "$artifact"
            echo
            echo "--- reproduce: cargo fuzz run --sanitizer $sanitizer $target fuzz/$artifact"
        done
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz smoke run FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz smoke run passed: ${targets[*]}"
