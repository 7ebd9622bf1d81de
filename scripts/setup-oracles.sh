#!/usr/bin/env bash
# Installs the third-party implementations our interop tests run against:
# npm baileys 6/7 + libsignal (interop/node_modules) and python-axolotl + noiseprotocol
# (interop/.venv). Idempotent: does nothing when both are already installed from the
# current lock files. Needs node/npm and python3 with venv; all packages come from
# the public registries.
set -euo pipefail
cd "$(dirname "$0")/../interop"

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

npm_sum=$(sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1)
if ! stamp_ok node_modules/.installed "$npm_sum"; then
    echo "setup-oracles: installing npm oracles (baileys 6/7, libsignal)"
    npm ci --omit=peer --ignore-scripts --no-audit --no-fund --loglevel=error
    echo "$npm_sum" > node_modules/.installed
fi

py_sum=$(sha256sum python/requirements.txt | cut -d' ' -f1)
if ! stamp_ok .venv/.installed "$py_sum"; then
    echo "setup-oracles: installing python oracles (python-axolotl, noiseprotocol)"
    rm -rf .venv
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r python/requirements.txt
    echo "$py_sum" > .venv/.installed
fi
