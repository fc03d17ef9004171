#!/usr/bin/env bash
# The whole test suite. Some tests start real processes on 127.0.0.1 (Prometheus and promtool, from
# Debian's prometheus package; redis-server for the cluster tests; chromium and its chromedriver for the live
# page's browser test): missing ones are installed here when this runs as root with apt-get, as on CI.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium fonts-liberation)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing: ${need[*]} (install them, e.g. sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

dotnet test "$@"
