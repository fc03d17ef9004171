#!/usr/bin/env bash
# Runs a bench script on a machine with no .NET SDK and no network (the device machine the scale-out figures
# for 4 silos x 4 cores came from), from a bundle made and carried beside the working tree:
#   ../shared/tools/bundle.sh .bundle && cp /tmp/ramp-250000.json /tmp/ramp-1000000.json .bundle/
#   bench/with-bundle.sh .bundle bench/scale-out.sh 4 4 12 20 ramp-250000 ramp-1000000 colossus
# The ramp-N scenarios are made here beforehand (bench/cluster-rate.sh leaves them in /tmp). The bundle's .NET
# runtime, published silo and redis-server are unpacked once into /tmp/orleanscluster-bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=$(readlink -f "${1:?usage: bench/with-bundle.sh BUNDLE_DIR COMMAND ...}"); shift
b=/tmp/orleanscluster-bundle
if [ ! -f "$b/unpacked" ]; then
  mkdir -p "$b" && tar -C "$b" -xJf "$bundle/bundle.tar.xz" && touch "$b/unpacked"
fi
export DOTNET_ROOT=$b/dotnet PATH=$b/bin:$b/dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1
ldconfig -p 2>/dev/null | grep -q libicuuc || export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
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
