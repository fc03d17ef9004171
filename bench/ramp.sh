#!/usr/bin/env bash
# The load-test client's ramp against Release silos on 127.0.0.1, as users run it: one silo (localhost
# clustering) or several (Redis clustering, a throwaway redis-server), scenarios loaded once every silo is up
# so that blocks spread over all of them. Writes ramp.json, ramp.md and ramp.png into REPORT_DIR.
#   bench/ramp.sh [SILOS=1] [REPORT_DIR=/tmp/ramp-SILOS] [ramp options...]
#   e.g. bench/ramp.sh 2 /tmp/ramp-2 --sizes 1000 5000 25000 250000 --colossus --window 15
set -euo pipefail
cd "$(dirname "$0")/.."
silos=${1:-1}; report=${2:-/tmp/ramp-$silos}; shift $(( $# < 2 ? $# : 2 ))
redis_port=16392; key=bench
dotnet build -c Release src/OrleansCluster.Silo -v quiet -nologo >/dev/null
dotnet build -c Release src/OrleansCluster.Cli -v quiet -nologo >/dev/null
dll=$PWD/src/OrleansCluster.Silo/bin/Release/net10.0/OrleansCluster.Silo.dll
cli=$PWD/src/OrleansCluster.Cli/bin/Release/net10.0/orleanscluster
pids=()
trap 'kill -9 "${pids[@]}" 2>/dev/null || true' EXIT
clustering=(--Orleans:Clustering=Localhost)
if [ "$silos" -gt 1 ]; then
  redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no >/tmp/ramp-redis.log 2>&1 &
  pids+=($!); sleep 1
  clustering=(--Orleans:Clustering=Redis --Orleans:Redis=127.0.0.1:$redis_port --Orleans:ClusterId="ramp-$$")
fi
targets=()
for n in $(seq 1 "$silos"); do
  dotnet "$dll" --urls "http://127.0.0.1:1819$n" "${clustering[@]}" --Orleans:SiloPort=2122$n --Orleans:GatewayPort=4111$n \
    --Admin:ApiKey=$key --Simulation:StartOnLaunch=false >/tmp/ramp-silo$n.log 2>&1 &
  pids+=($!)
  targets+=(--silo "http://127.0.0.1:1819$n")
done
for n in $(seq 1 "$silos"); do for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:1819$n/healthz" && break; sleep 0.5; done; done
"$cli" ramp --url http://127.0.0.1:18191 --key $key "${targets[@]}" --report "$report" "$@"
