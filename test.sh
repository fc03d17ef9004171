#!/usr/bin/env bash
# The whole test suite. Some tests start real processes on 127.0.0.1 (Prometheus and promtool, from
# Debian's prometheus package; redis-server for the cluster tests; chromium and its chromedriver for the live
# page's browser test; util-linux's `script`, a pseudo-terminal for the CLI's terminal-width test, in Debian's
# bsdutils): missing ones are installed here when this runs as root with apt-get, as on CI.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium fonts-liberation)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
[ -x /usr/bin/script ] || need+=(bsdutils)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing: ${need[*]} (install them, e.g. sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

# dotnet test runs in a session of its own, with everything it starts (the test hosts, and the silos, Prometheus,
# Redis and Chromium they start). Stopping this script (Ctrl-C, SIGTERM, a hang-up) stops that session: first with
# SIGTERM, so that the test hosts and the silos shut down as they do on their own, then, whatever is left after 20 s,
# for good. SIGTERM for a Ctrl-C too: a command started in the background here ignores SIGINT, and so does all it
# starts. Without this, a SIGTERM to the script ended the script alone and left the rest running.
setsid dotnet test "$@" &
session=$!
members() { ps -o pid=,stat= -s "$session" | awk '$2 !~ /^Z/ { print $1 }'; } # a zombie has stopped already
stop() {
  trap '' INT TERM HUP
  members | xargs -r kill -s TERM 2>/dev/null || true
  for _ in $(seq 40); do
    [ -n "$(members)" ] || break
    sleep 0.5
  done
  if [ -n "$(members)" ]; then
    echo "test.sh: still running 20 s after SIGTERM, killed: $(members | xargs -r ps -o comm= -p | sort | uniq -c | xargs)" >&2
    members | xargs -r kill -s KILL 2>/dev/null || true
  fi
  wait "$session" 2>/dev/null || true
  exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM
trap 'stop 129' HUP
wait "$session"
