#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine: uv (from PyPI), a real
# redis-server for the multi-replica tests, wrk for the benchmark smoke test and
# Debian's chromium for the browser test (Playwright drives the system chromium, it
# never downloads a browser of its own), nginx and promtool for the deploy/ checks, and
# PostgreSQL's server binaries (the tests start their own cluster on loopback).
set -euo pipefail

command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv

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

# buf (lint and breaking-change checks of the gRPC contract) ships as a pinned npm package
# with its binary inside; it goes into tests/.tools, which git ignores.
BUF_VERSION=1.75.0
cd "$(dirname "$0")/.."
if [ ! -x tests/.tools/node_modules/.bin/buf ] || \
   [ "$(tests/.tools/node_modules/.bin/buf --version 2>/dev/null)" != "$BUF_VERSION" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  npm install --silent --no-save --no-audit --no-fund --prefix tests/.tools "@bufbuild/buf@$BUF_VERSION" >/dev/null
fi
