#!/usr/bin/env bash
# Time from a silo's death to the job stepping again on a survivor: Redis and two Release silos on
# 127.0.0.1 (Orleans:Clustering=Redis), the silo hosting the job killed mid-run (SIGKILL, or SIGTERM for a
# graceful shutdown), with a node.slowdown and a link.latency fault in force. Prints the recovery time, the failed
# and lost steps, and the faults the survivor lists and applies.
#   [SIGNAL=KILL|TERM] bench/failover.sh [SCENARIO=small] [SPEED=20]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-small}; speed=${2:-20}; signal=${SIGNAL:-KILL}
redis_port=16390; key=bench
dotnet build -c Release src/OrleansCluster.Silo -v quiet -nologo >/dev/null
dll=$PWD/src/OrleansCluster.Silo/bin/Release/net10.0/OrleansCluster.Silo.dll
redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no >/tmp/failover-redis.log 2>&1 &
pids=($!)
trap 'kill -9 "${pids[@]}" 2>/dev/null || true' EXIT
sleep 1
for n in 1 2; do
  Admin__ApiKey=$key dotnet "$dll" --urls "http://127.0.0.1:1808$n" --Orleans:Clustering=Redis --Orleans:Redis=127.0.0.1:$redis_port \
    --Orleans:ClusterId="failover-$$" --Orleans:SiloPort=2111$n --Orleans:GatewayPort=4100$n \
    --Simulation:Scenario="$scenario" --Simulation:Speed="$speed" >/tmp/failover-silo$n.log 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:1808$n/healthz" && break; sleep 0.5; done
done
cluster() { curl -s -m 3 -H "X-Api-Key: $key" "http://127.0.0.1:$1/api/cluster"; }
field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2- | tr -d '"'; }
sleep 5
post() { curl -s -m 5 -H "X-Api-Key: $key" -H 'Content-Type: application/json' -X POST "http://127.0.0.1:18081/api/faults" -d "$1" >/dev/null; }
post '{"kind":"node.slowdown","target":{"node":"east-00007"},"params":{"factor":4}}'
post '{"kind":"link.latency","target":{"link":"west-east"},"params":{"addMilliseconds":20}}'
sleep 2
host=$(cluster 18081 | grep -o '"host":"[^"]*"' | cut -d'"' -f4)
victim=1; survivor=18082
case "$host" in *:21112:*) victim=2; survivor=18081 ;; esac
before=$(cluster $survivor | field step)
start=$(date +%s.%N)
kill -"$signal" "${pids[$victim]}"
while true; do
  now=$(cluster $survivor || true)
  newhost=$(echo "$now" | grep -o '"host":"[^"]*"' | cut -d'"' -f4 || true)
  failed=$(echo "$now" | field stepsFailed || true)
  step=$(echo "$now" | field step || true)
  checkpoint=$(echo "$now" | field lastCheckpoint || true)
  if [ -n "$newhost" ] && [ "$newhost" != "$host" ] && { [ "$signal" = TERM ] || [ "${failed:-0}" -ge 1 ]; } && [ "${step:-0}" -gt "${checkpoint:-0}" ]; then break; fi
  if awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { exit !(n - s > 180) }'; then echo "not recovered in 180 s"; exit 1; fi
  sleep 0.2
done
end=$(date +%s.%N)
echo "scenario=$scenario, SIG$signal: job host killed at step $before; stepping again on the survivor after $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s (steps failed: $failed, lost: $(echo "$now" | field lostSteps))"
faults=$(curl -s -m 3 -H "X-Api-Key: $key" "http://127.0.0.1:$survivor/api/faults" | grep -o '"id":"f-[0-9]*"' | wc -l)
link=$(curl -s -m 3 -H "X-Api-Key: $key" "http://127.0.0.1:$survivor/api/links/west-east")
echo "faults listed on the survivor: $faults; west-east latency $(echo "$link" | field latencySeconds) s (nominal $(echo "$link" | field nominalLatencySeconds) s)"
