#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine: uv (from PyPI), a real
# redis-server for the multi-replica tests, wrk for the benchmark smoke test and
# Debian's chromium for the browser test (Playwright drives the system chromium, it
# never downloads a browser of its own), nginx and promtool for the deploy/ checks, and
# PostgreSQL's server binaries (the tests start their own cluster on loopback).
set -euo pipefail

# uv as a module of this python3 (the README runs `python3 -m uv`): into the user site on
# a Python that refuses installs outside a virtual environment (PEP 668).
python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv || \
  python3 -m pip install --quiet --user --break-system-packages uv

missing=()   # installed as Debian recommends them
lean=()      # only what the command itself needs (no services, no desktop extras)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || lean+=(nginx-core)        # `nginx -t` of deploy/nginx.conf
command -v promtool >/dev/null 2>&1 || lean+=(prometheus)     # promtool check metrics
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || lean+=(postgresql)  # history on PG
if [ $((${#missing[@]} + ${#lean[@]})) -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${missing[*]} ${lean[*]} with apt-get" >&2
  $sudo apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ${#lean[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${lean[@]}" >/dev/null
  fi
fi
# The package may start a system redis on 6379; the tests start their own on free ports.

# From npm, pinned, into tests/.tools (which git ignores): buf (lint and breaking-change
# checks of the gRPC contract, and a JSON gRPC client with its binary inside) and a Node
# app's binary gRPC client (@grpc/grpc-js with @grpc/proto-loader), axe-core for the
# accessibility checks of the browser tests, and aws-amplify, which loads an app client's
# frontend configuration as a browser app would.
NPM_PACKAGES=("@bufbuild/buf@1.75.0" "@grpc/grpc-js@1.14.7" "@grpc/proto-loader@0.8.1"
  "axe-core@4.14.1" "aws-amplify@6.16.0")
cd "$(dirname "$0")/.."
installed() {  # name@version -> is that version in tests/.tools?
  local name="${1%@*}" version="${1##*@}"
  grep -qs "\"version\": \"$version\"" "tests/.tools/node_modules/$name/package.json"
}
wanted=()
for package in "${NPM_PACKAGES[@]}"; do installed "$package" || wanted+=("$package"); done
if [ ${#wanted[@]} -gt 0 ]; then
  if ! command -v npm >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  # --no-save: every run names all packages, so an install never drops another.
  npm install --silent --no-save --no-audit --no-fund --prefix tests/.tools "${NPM_PACKAGES[@]}" >/dev/null
fi
