#!/usr/bin/env bash
# Runs bench/cluster-rate.sh, bench/scale-out.sh or bench/ceiling.sh on a machine with no .NET SDK and no network
# (the 16-core machine the 4 silos x 4 cores figures in docs/performance.md came from), from a bundle made on a
# machine that has them and copied beside the working tree:
#   BUNDLE_DIR/bundle.tar.xz    holds dotnet/ (the dotnet host and the shared frameworks: a .NET 10 runtime),
#                               app/silo/ (dotnet publish -c Release src/OrleansCluster.Silo) and redis/ (redis-server
#                               and the libraries it links beyond glibc)
#   BUNDLE_DIR/ramp-N.json      the ramp-N scenarios the runs load (bench/cluster-rate.sh leaves them in /tmp)
# e.g. bench/with-bundle.sh .bundle bench/scale-out.sh 4 4 12 60 ramp-250000 ramp-1000000 colossus
# The bundle is unpacked into /tmp/orleanscluster-bundle, again whenever bundle.tar.xz is newer than the last unpacking.
set -euo pipefail
bundle=$(readlink -f "${1:?usage: bench/with-bundle.sh BUNDLE_DIR COMMAND ...}")
shift
cd "$(dirname "$0")/.."
b=/tmp/orleanscluster-bundle
if [ ! -f "$b/unpacked" ] || [ "$bundle/bundle.tar.xz" -nt "$b/unpacked" ]; then
  rm -rf "$b"
  mkdir -p "$b"
  tar -C "$b" -xJf "$bundle/bundle.tar.xz"
  touch "$b/unpacked"
fi
export DOTNET_ROOT=$b/dotnet PATH=$b/bin:$b/dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1
grep -q libicuuc <(ldconfig -p 2>/dev/null) || export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
mkdir -p "$b/bin"
if ! command -v redis-server >/dev/null; then
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$b/redis" "$b/redis/redis-server" >"$b/bin/redis-server"
  chmod +x "$b/bin/redis-server"
fi
if ! command -v curl >/dev/null; then
  # The few curl options the bench scripts use, in Python's standard library.
  cat >"$b/bin/curl" <<'PY'
#!/usr/bin/env python3
import sys, urllib.request, urllib.error
a = sys.argv[1:]; url = None; method = None; data = None; headers = {}; out = None; fail = False; timeout = 600
i = 0
while i < len(a):
    o = a[i]
    if o in ('-s', '-sf', '-fs', '-f'): fail = fail or 'f' in o
    elif o == '-o': i += 1; out = a[i]
    elif o == '-m': i += 1; timeout = float(a[i])
    elif o == '-H': i += 1; k, v = a[i].split(':', 1); headers[k.strip()] = v.strip()
    elif o == '-X': i += 1; method = a[i]
    elif o in ('-d', '--data-binary'):
        i += 1; v = a[i]; data = open(v[1:], 'rb').read() if v.startswith('@') else v.encode()
    elif o.startswith('-'): sys.exit(f'curl stand-in: option {o} is not supported')
    else: url = o
    i += 1
try:
    r = urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers, method=method), timeout=timeout)
    body = r.read()
except urllib.error.HTTPError as e:
    if fail: sys.exit(22)
    body = e.read()
except Exception:
    sys.exit(7)
if out and out != '/dev/null': open(out, 'wb').write(body)
elif not out: sys.stdout.buffer.write(body)
PY
  chmod +x "$b/bin/curl"
fi
export SILO_DLL=$b/app/silo/OrleansCluster.Silo.dll RAMP_DIR=$bundle
"$@"
