#!/usr/bin/env bash
# System packages the test suite uses as real services: PostgreSQL (initdb/pg_ctl) and
# Debian's Chromium (renders the monthly summary to PNG). Installs only what is missing;
# needs root for apt-get (CI and these machines run as root).
set -euo pipefail
need=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "Missing system packages: ${need[*]} — install them (sudo apt-get install ${need[*]}) and rerun." >&2
  exit 1
fi
echo "Installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
