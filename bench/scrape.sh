#!/usr/bin/env bash
# Scrape time and size of /metrics: starts a Release silo on 127.0.0.1 with the given scenario and
# telemetry settings, lets it run, scrapes N times, prints the figures. Loopback only, bounded in time.
#   [DCGM=true] [SILO_ARGS="--Http:InlineScheduling=false ..."] bench/scrape.sh SCENARIO [PER_NODE=false] [SCRAPES=10] [WARMUP_SECONDS=20]
# SCENARIO is a preset, a scenario file, or ramp-N (the load tests' N H100 nodes, written by the benchmark project).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-small}; per_node=${2:-false}; scrapes=${3:-10}; warmup=${4:-20}
port=18080
dotnet build -c Release src/OrleansCluster.Silo -v quiet -nologo >/dev/null
dll=src/OrleansCluster.Silo/bin/Release/net10.0/OrleansCluster.Silo.dll
if [[ $scenario =~ ^ramp-([0-9]+)$ ]]; then
  dotnet build -c Release bench/OrleansCluster.Bench -v quiet -nologo >/dev/null
  dotnet bench/OrleansCluster.Bench/bin/Release/net10.0/OrleansCluster.Bench.dll scenario "${BASH_REMATCH[1]}" >"/tmp/$scenario.json"
  scenario=/tmp/$scenario.json
fi
dotnet "$dll" --urls "http://127.0.0.1:$port" --Simulation:Scenario="$scenario" --Simulation:Pace=max \
  --Telemetry:PerNode="$per_node" --Telemetry:Dcgm="${DCGM:-false}" --Admin:ApiKey=bench --Orleans:SiloPort=21112 --Orleans:GatewayPort=40001 ${SILO_ARGS:-} >/tmp/scrape-silo.log 2>&1 &
silo=$!
# Waits for the silo to be gone, so that a run straight after finds its ports free.
trap 'kill $silo 2>/dev/null; wait $silo 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
  kill -0 $silo 2>/dev/null || { echo "the silo exited: $(tail -1 /tmp/scrape-silo.log)" >&2; exit 1; }
  sleep 1
done
sleep "$warmup"
times=()
for _ in $(seq 1 "$scrapes"); do
  out=$(curl -s -o /tmp/scrape.txt -w '%{time_total} %{size_download}' "http://127.0.0.1:$port/metrics")
  times+=("${out% *}"); size=${out#* }
  sleep 1
done
series=$(grep -vc '^#' /tmp/scrape.txt)
p50=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
max=$(printf '%s\n' "${times[@]}" | sort -n | tail -1)
steps=$(curl -s -H 'X-Api-Key: bench' "http://127.0.0.1:$port/api/cluster" | grep -o '"step":[0-9]*' | head -1)
echo "scenario=$scenario perNode=$per_node dcgm=${DCGM:-false}: /metrics ${size} bytes, ${series} samples, scrape p50 ${p50}s max ${max}s over ${scrapes} scrapes (${steps})"
