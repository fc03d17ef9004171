#!/usr/bin/env bash
# The live job's step rate while POST /api/whatif runs: starts a Release silo on 127.0.0.1 with the given scenario
# at max pace, reads the job's steps/s over WINDOW seconds with nothing else running, then while one what-if of
# STEPS steps (the baseline variant) runs, and prints both with the what-if's own time and the load average.
# Loopback only, bounded in time.
#   [SILO_ARGS="--WhatIf:Nice=0 ..."] bench/whatif-live.sh [SCENARIO=small] [STEPS=10000] [WINDOW=10] [RUNS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-small}; steps=${2:-10000}; window=${3:-10}; runs=${4:-2}
port=18090
dotnet build -c Release src/OrleansCluster.Silo -v quiet -nologo >/dev/null
dll=src/OrleansCluster.Silo/bin/Release/net10.0/OrleansCluster.Silo.dll
dotnet "$dll" --urls "http://127.0.0.1:$port" --Simulation:Scenario="$scenario" --Simulation:Pace=max \
  --Admin:ApiKey=bench --Orleans:SiloPort=21122 --Orleans:GatewayPort=40011 ${SILO_ARGS:-} >/tmp/whatif-live-silo.log 2>&1 &
silo=$!
# Waits for the silo to be gone, so that a run straight after finds its ports free.
trap 'kill $silo 2>/dev/null; wait $silo 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
  kill -0 $silo 2>/dev/null || { echo "the silo exited: $(tail -1 /tmp/whatif-live-silo.log)" >&2; exit 1; }
  sleep 1
done
# The job's finished steps (job.step of /api/cluster) and the time it was read, in seconds.
read_step() {
  local step
  step=$(curl -s -H 'X-Api-Key: bench' "http://127.0.0.1:$port/api/cluster" | grep -o '"step":[0-9]*' | head -1 | cut -d: -f2)
  echo "$step $(date +%s.%N)"
}
rate() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f", (y[1] - x[1]) / (y[2] - x[2]) }'; }
sleep 10
body="{\"variants\": [{\"name\": \"baseline\"}], \"steps\": $steps}"
for run in $(seq 1 "$runs"); do
  a=$(read_step); sleep "$window"; b=$(read_step)
  quiet=$(rate "$a" "$b")
  a=$(read_step)
  out=$(curl -s -o /tmp/whatif-live.json -w '%{http_code} %{time_total}' -H 'X-Api-Key: bench' -H 'Content-Type: application/json' \
    -d "$body" "http://127.0.0.1:$port/api/whatif")
  b=$(read_step)
  during=$(rate "$a" "$b")
  echo "run $run: scenario=$scenario steps/s quiet $quiet, during a $steps-step what-if $during (what-if ${out#* } s, status ${out% *}); load average $(cut -d' ' -f1-3 /proc/loadavg); ${SILO_ARGS:-}"
  sleep 3
done
