#!/usr/bin/env bash
# A silo joining a running cluster, then leaving abruptly and coming back: Redis and Release silos on 127.0.0.1.
# One silo runs SCENARIO at max pace; a second joins (the job lays the tree out again over both, from the same
# step), is killed (SIGKILL) and started again. Prints the job's epoch, step and failed and lost steps once a
# second after each change, and where the shards and blocks are (Orleans' own activation counts per silo).
#   bench/silo-join.sh [SCENARIO=colossus] [SECONDS_PER_PHASE=20]
set -uo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-colossus}; phase=${2:-20}
dotnet build -c Release src/OrleansCluster.Silo -v quiet -nologo >/dev/null
dll=$PWD/src/OrleansCluster.Silo/bin/Release/net10.0/OrleansCluster.Silo.dll
key=bench; redis_port=16599; pids=()
trap 'kill -9 "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true' EXIT
redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no >/tmp/join-redis.log 2>&1 & pids+=($!); sleep 1
declare -A silo_pid
start_silo() {
  dotnet "$dll" --urls "http://127.0.0.1:$((18290 + $1))" --Orleans:Clustering=Redis --Orleans:Redis=127.0.0.1:$redis_port \
    --Orleans:ClusterId=join-$$ --Orleans:SiloPort=$((21290 + $1)) --Orleans:GatewayPort=$((41290 + $1)) \
    --Admin:ApiKey=$key --Simulation:Pace=max --Simulation:StartOnLaunch=false >>/tmp/join-silo$1.log 2>&1 &
  pids+=($!); silo_pid[$1]=$!
  for _ in $(seq 1 240); do curl -sf -o /dev/null "http://127.0.0.1:$((18290 + $1))/healthz" && break; sleep 0.5; done
}
api() { curl -s -m 60 -H "X-Api-Key: $key" -H 'Content-Type: application/json' "$@"; }
state() { api http://127.0.0.1:18291/api/cluster | python3 -c 'import json, sys; j = json.load(sys.stdin)["job"]; print("epoch %d step %d failed %d lost %d %s" % (j["epoch"], j["step"], j["stepsFailed"], j["lostSteps"], j["state"]))'; }
where() { for n in "$@"; do curl -s "http://127.0.0.1:$((18290 + n))/metrics" | awk -v n="$n" '/^orleans_catalog_activations\{.*grain_type="(block|shard)"/ { t = ($0 ~ /"block"/) ? "blocks" : "shards"; s[t] += $NF } END { printf "silo %d: %d shards, %d blocks; ", n, s["shards"], s["blocks"] }'; done; echo; }
watch() { local t0; t0=$(date +%s.%N); for _ in $(seq 1 "$phase"); do echo "  +$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%5.1f", b - a }') s: $(state)"; sleep 1; done; }
: >/tmp/join-silo1.log; : >/tmp/join-silo2.log
start_silo 1
api -X PUT http://127.0.0.1:18291/api/scenario -d "{\"preset\":\"$scenario\"}" >/dev/null
api -X PUT http://127.0.0.1:18291/api/job/pace -d '{"mode":"max"}' >/dev/null
sleep "$phase"; echo "one silo: $(state)"; where 1
echo "silo 2 joins"; start_silo 2; watch; where 1 2
echo "silo 2 killed (SIGKILL)"; kill -9 "${silo_pid[2]}"; watch
echo "silo 2 back"; start_silo 2; watch; where 1 2
echo "log lines at error level or above: $(grep -c '^fail:\|^crit:' /tmp/join-silo1.log /tmp/join-silo2.log | tr '\n' ' ')"
