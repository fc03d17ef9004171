#!/usr/bin/env bash
# A reference for scale-out: steps/s of a scenario on one silo pinned to K cores alone, then on N silos that share
# nothing (N separate one-silo clusters, each pinned to its own K cores, each running the whole scenario) at once.
# No call crosses between them, so sum / (N x alone) is what the machine gives N full copies side by side: it shows
# what the machine's shared parts (caches, memory bandwidth, cores that may be hyper-threads of one another on the
# host) take, apart from anything the cluster's calls cost. Each copy holds the whole scenario where a cluster's
# silo holds 1/N of it, so the copies press on caches and memory harder than a cluster would. Prints a Markdown
# table, with how much of the window the N runs measured together.
#   bench/ceiling.sh [CORES_PER_SILO=1] [SILOS=2] [WINDOW_SECONDS=20] [WARMUP_SECONDS=60] [SCENARIO ...]
set -euo pipefail
cd "$(dirname "$0")/.."
k=${1:-1}; n=${2:-2}; window=${3:-20}; warmup=${4:-60}; shift $(( $# < 4 ? $# : 4 ))
scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=(colossus ramp-250000)
if [ $(( k * n )) -gt "$(nproc)" ]; then echo "needs $(( k * n )) cores ($n silos x $k), this machine has $(nproc)" >&2; exit 2; fi
rate() { grep -o '[0-9.]* steps/s' <<<"$1" | cut -d' ' -f1 || true; }
echo "| scenario | 1 silo on $k core(s) alone | $n separate silos at once, each | sum | sum / ($n x alone) | windows measured together |"
echo "|---|---|---|---|---|---|"
for s in "${scenarios[@]}"; do
  alone=$(CORES_PER_SILO=$k bench/cluster-rate.sh "$s" 1 "$window" "$warmup" | tail -1); echo "$alone" >&2
  out=$(mktemp -d); pids=()
  for i in $(seq 0 $(( n - 1 ))); do
    # Each keeps its silo up one window longer, so that none measures after a neighbour has stopped.
    HOLD_SECONDS=$window INSTANCE=$i CORE_BASE=$(( i * k )) CORES_PER_SILO=$k bench/cluster-rate.sh "$s" 1 "$window" "$warmup" >"$out/$i" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "a run side by side failed: $(tail -3 "$out"/*)" >&2; exit 1; }; done
  each=(); spans=()
  for i in $(seq 0 $(( n - 1 ))); do
    line=$(tail -1 "$out/$i"); echo "side by side: $line" >&2
    r=$(rate "$line"); [ -n "$r" ] || { echo "run $i printed no rate: $line" >&2; exit 1; }
    each+=("$r"); spans+=("$(grep -o 'window=[0-9.]*-[0-9.]*' <<<"$line" | cut -d= -f2)")
  done
  awk -v s="$s" -v a="$(rate "$alone")" -v n="$n" -v e="${each[*]}" -v w="${spans[*]}" 'BEGIN {
    split(e, r, " "); split(w, span, " "); sum = 0; list = ""; from = 0; to = 1e18; longest = 0
    for (i = 1; i <= n; i++) {
      sum += r[i]; list = list (i > 1 ? ", " : "") sprintf("%.1f", r[i])
      split(span[i], se, "-"); if (se[1] > from) from = se[1]; if (se[2] < to) to = se[2]; if (se[2] - se[1] > longest) longest = se[2] - se[1]
    }
    together = to > from ? (to - from) / longest : 0
    printf "| %s | %.1f | %s | %.1f | %.0f %% | %.0f %% |\n", s, a, list, sum, 100 * sum / n / a, 100 * together }'
  rm -rf "$out"
done
