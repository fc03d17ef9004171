#!/usr/bin/env bash
# Steps/s of a scenario at max pace on one silo and on two (Redis clustering), as users run them: Release
# silos on 127.0.0.1, the rate read from /api/cluster over a fixed window after a warm-up.
#   [CORES_PER_SILO=K] bench/cluster-rate.sh [SCENARIO=colossus] [SILOS=1] [WINDOW_SECONDS=30] [WARMUP_SECONDS=60]
# SCENARIO is a preset or ramp-N (the load tests' N H100 nodes). With CORES_PER_SILO, silo n is pinned with
# taskset to its own K cores, (n-1)K .. nK-1 (bench/scale-out.sh runs it so).
# Where no .NET SDK is (bench/with-bundle.sh sets them): SILO_DLL names a published silo (nothing is built) and
# RAMP_DIR holds ramp-N.json scenarios made beforehand. INSTANCE=i (0-9) moves the ports, the logs and, with
# CORE_BASE=c, the pinned cores, so that several runs go side by side (bench/ceiling.sh); HOLD_SECONDS keeps the
# silos running that long after the window, so that a run side by side never ends its neighbours' windows alone.
# SILO_ARGS adds settings to every silo's command line (e.g. SILO_ARGS=--Simulation:BlocksPerShard=64).
# The last line gives the rate, how busy the silos' cores were, the messages between silos per step, where a step's
# wall time went (the job's /api/cluster job.wall: the slowest silo, the wait for it, the way between silos, the job;
# each silo's own time), the silos' allocations and GC pauses per step, and the window's start and end
# (window=START-END, Unix seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-colossus}; silos=${2:-1}; window=${3:-30}; warmup=${4:-60}
inst=${INSTANCE:-0}; base=${CORE_BASE:-0}; key=bench
redis_port=$(( 16391 + inst )); http() { echo $(( 18090 + 10 * inst + $1 )); }; tag=${INSTANCE:+-$inst}
dll=${SILO_DLL:-}
if [ -z "$dll" ]; then
  dotnet build -c Release src/OrleansCluster.Silo -v quiet -nologo >/dev/null
  dll=$PWD/src/OrleansCluster.Silo/bin/Release/net10.0/OrleansCluster.Silo.dll
fi
ramp_dir=${RAMP_DIR:-/tmp}
body="{\"preset\":\"$scenario\"}"
if [[ $scenario =~ ^ramp-([0-9]+)$ ]]; then
  if [ ! -s "$ramp_dir/$scenario.json" ]; then
    dotnet build -c Release bench/OrleansCluster.Bench -v quiet -nologo >/dev/null
    dotnet bench/OrleansCluster.Bench/bin/Release/net10.0/OrleansCluster.Bench.dll scenario "${BASH_REMATCH[1]}" >"$ramp_dir/$scenario.json"
  fi
  body=@$ramp_dir/$scenario.json
fi
pids=()
# Killed and waited for, so that the next run's silos find their ports free.
trap 'kill -9 "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true' EXIT
clustering=(--Orleans:Clustering=Localhost)
if [ "$silos" -gt 1 ]; then
  redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no >/tmp/rate$tag-redis.log 2>&1 &
  pids+=($!); sleep 1
  clustering=(--Orleans:Clustering=Redis --Orleans:Redis=127.0.0.1:$redis_port --Orleans:ClusterId="rate-$$")
fi
silo_pids=()
for n in $(seq 1 "$silos"); do
  # Later silos start before the scenario loads, so that blocks spread over every silo.
  pin=()
  if [ -n "${CORES_PER_SILO:-}" ]; then pin=(taskset -c "$(( base + (n - 1) * CORES_PER_SILO ))-$(( base + n * CORES_PER_SILO - 1 ))"); fi
  "${pin[@]}" dotnet "$dll" --urls "http://127.0.0.1:$(http "$n")" "${clustering[@]}" \
    --Orleans:SiloPort=$(( 21120 + 10 * inst + n )) --Orleans:GatewayPort=$(( 41010 + 10 * inst + n )) \
    --Admin:ApiKey=$key --Simulation:Pace=max --Simulation:StartOnLaunch=false ${SILO_ARGS:-} \
    >/tmp/rate$tag-silo$n.log 2>&1 &
  pids+=($!); silo_pids+=($!)
done
for n in $(seq 1 "$silos"); do for _ in $(seq 1 240); do curl -sf -o /dev/null "http://127.0.0.1:$(http "$n")/healthz" && break; sleep 0.5; done; done
api() { curl -s -m 30 -H "X-Api-Key: $key" -H 'Content-Type: application/json' "$@"; }
curl -s -m 600 -H "X-Api-Key: $key" -H 'Content-Type: application/json' -X PUT "http://127.0.0.1:$(http 1)/api/scenario" --data-binary "$body" >/dev/null
api -X PUT "http://127.0.0.1:$(http 1)/api/job/pace" -d '{"mode":"max"}' >/dev/null
sleep "$warmup"
step() { api "http://127.0.0.1:$(http 1)/api/cluster" | grep -o '"stepsOk":[0-9]*' | cut -d: -f2; }
# The job's sums of its steps' wall time (/api/cluster job.wall): the silos (by address, comma-separated), steps, then
# seconds in the job, in the tree, in the slowest silo and in the silos' mean, then per silo its seconds and the steps
# it was the slowest in; "n/a" before the first step.
wall() {
  api "http://127.0.0.1:$(http 1)/api/cluster" | python3 -c 'import json, sys
w = (json.load(sys.stdin).get("job") or {}).get("wall")
silos = sorted(w["perSilo"], key=lambda p: p["silo"]) if w else []
print("n/a" if not w else " ".join([",".join(p["silo"] for p in silos) or "-"] + [str(w[k]) for k in ("steps", "stepSeconds", "treeSeconds", "slowestSiloSeconds", "meanSiloSeconds")] + ["%s %s" % (p["seconds"], p["slowestSteps"]) for p in silos]))' 2>/dev/null || echo n/a
}
# CPU time the silos used in the window (utime + stime, /proc/PID/stat fields 14 and 15), against the cores they had.
cpu() { for p in "${silo_pids[@]}"; do awk '{ print $14 + $15 }' "/proc/$p/stat"; done | awk '{ s += $1 } END { print s }'; }
# Messages (and their bytes) the silos sent one another so far, from Orleans' own histograms of message sizes, then
# the bytes the silos allocated, their GC pauses' seconds and their collections (the runtime's own counters), all
# summed over the silos (per step: per second over the span they were read across, over the window's steps per
# second); "n/a" for a figure whose series a silo's page does not list, all "n/a" when a page could not
# be read.
crossing() {
  local n page sums="0 0 0 0 0"
  for n in $(seq 1 "$silos"); do
    page=$(curl -sf -m 60 "http://127.0.0.1:$(http "$n")/metrics") || { echo n/a n/a n/a n/a n/a; return 0; }
    sums=$(awk -v sums="$sums" 'BEGIN { split(sums, s, " ") }
      /^orleans_messaging_sent_messages_size_bytes_count\{.*ConnectionDirection="SiloToSilo"/ { m = 1; c += $NF }
      /^orleans_messaging_sent_messages_size_bytes_sum\{.*ConnectionDirection="SiloToSilo"/ { b += $NF }
      /^dotnet_gc_heap_total_allocated_bytes_total/ { g = 1; a += $NF }
      /^dotnet_gc_pause_time_seconds_total/ { p += $NF }
      /^dotnet_gc_collections_total/ { k += $NF }
      END { f(1, m, c); f(2, m, b); f(3, g, a); f(4, g, p); f(5, g, k); print "" }
      function f(i, seen, v) { printf("%s%s", (i > 1 ? " " : ""), ((seen && s[i] != "n/a") ? sprintf("%.6f", s[i] + v) : "n/a")) }' <<<"$page")
  done
  echo "$sums"
}
# The scrapes stay outside the window's CPU time, so that they do not count as the silos' work.
wa=$(wall); ma=$(crossing); ta=$(date +%s.%N); a=$(step); ca=$(cpu); start=$(date +%s.%N); sleep "$window"
b=$(step); cb=$(cpu); end=$(date +%s.%N); mb=$(crossing); tb=$(date +%s.%N); wb=$(wall)
cores_used=$(nproc); [ -z "${CORES_PER_SILO:-}" ] || cores_used=$(( silos * CORES_PER_SILO ))
busy=$(awk -v a="$ca" -v b="$cb" -v t="$(getconf CLK_TCK)" -v s="$start" -v e="$end" -v c="$cores_used" 'BEGIN { printf "%.0f", 100 * (b - a) / t / (e - s) / c }')
rss=$(for p in "${pids[@]}"; do ps -o rss= -p "$p" 2>/dev/null; done | awk '{ s += $1 } END { printf "%.0f", s / 1024 }')
per_step=$(awk -v a="$ma" -v b="$mb" -v n="$(( b - a ))" -v w="$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" -v t="$(awk -v s="$ta" -v e="$tb" 'BEGIN { print e - s }')" 'BEGIN { split(a, x, " "); split(b, y, " "); if (x[1] == "n/a" || y[1] == "n/a" || n <= 0 || t <= 0) { printf "n/a"; exit } r = n / w; printf "%.1f messages (%.1f KiB)", (y[1] - x[1]) / t / r, (y[2] - x[2]) / t / r / 1024 }')
# Per step in the window: the silos' allocations (all silos together) and GCs, and the share of the time the silos'
# GCs paused them (summed over the silos, against the time times the silos). The counters are read just outside the
# window (ta-tb), so they go per second over their own span, then over the window's steps per second.
gc=$(awk -v a="$ma" -v b="$mb" -v n="$(( b - a ))" -v w="$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" -v t="$(awk -v s="$ta" -v e="$tb" 'BEGIN { print e - s }')" -v k="$silos" 'BEGIN { split(a, x, " "); split(b, y, " "); if (x[3] == "n/a" || y[3] == "n/a" || n <= 0 || t <= 0) { printf "n/a"; exit } r = n / w
  printf "%.2f MiB allocated, %.2f GCs, paused %.1f %% of the time", (y[3] - x[3]) / t / r / 1048576, (y[5] - x[5]) / t / r, 100 * (y[4] - x[4]) / t / k }')
# Per step in the window, in ms: the job's step, the slowest silo's own time, the silos' wait for it (slowest - mean;
# the silos' blocks draw their next step's batches ahead in it, so a silo's own time leaves those draws out),
# the way between silos (tree - slowest) and the job's own work (step - tree); then each silo's own time per step and
# the share of the steps it was the slowest in.
split=$(awk -v a="$wa" -v b="$wb" 'BEGIN { if (a == "n/a" || b == "n/a") { printf "n/a"; exit } k = split(a, x, " "); split(b, y, " "); n = y[2] - x[2]
  if (x[1] != y[1] || n <= 0) { printf "n/a (the tree was laid out again in the window)"; exit }
  for (i = 3; i <= 6; i++) d[i] = 1000 * (y[i] - x[i]) / n
  printf "step %.2f ms = slowest silo %.2f (silos wait %.2f for it) + between silos %.2f + job %.2f; per silo", d[3], d[5], d[5] - d[6], d[4] - d[5], d[3] - d[4]
  for (i = 7; i < k; i += 2) printf " %.2f ms (slowest %.0f %%)", 1000 * (y[i] - x[i]) / n, 100 * (y[i + 1] - x[i + 1]) / n }')
echo "scenario=$scenario silos=$silos cores_per_silo=${CORES_PER_SILO:-all}: $(awk -v a="$a" -v b="$b" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", (b - a) / (e - s) }') steps/s over ${window} s; silos busy ${busy} % of their ${cores_used} cores; between silos per step ${per_step}; resident memory of all processes ${rss} MiB; wall split: ${split}; per step ${gc}; window=$start-$end"
sleep "${HOLD_SECONDS:-0}"
