#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: installs the interop oracles, checks
# formatting, runs clippy with warnings denied, then every test in the workspace
# (unit, property, interop and end-to-end) and the doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-oracles.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
else
    cargo test --workspace --locked --no-fail-fast --lib --bins --tests
fi
cargo test --workspace --locked --doc

echo "== all tests passed"
