#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine: uv (from PyPI) and a
# real redis-server (Debian package) for the multi-replica tests.
set -euo pipefail

command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv

if ! command -v redis-server >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing redis-server with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
fi
# The package may start a system redis on 6379; the tests start their own on free ports.
