#!/usr/bin/env bash
# What the machine itself gives side by side: steps/s of a scenario on one silo pinned to K cores alone, then on N
# silos that share nothing (N separate one-silo clusters, each pinned to its own K cores, each running the whole
# scenario) at once. With no call between them, N x (one alone) is what N silos could reach if nothing but the
# machine (shared caches, memory bandwidth, cores that are hyper-threads of one another) stood in the way, so
# sum / (N x alone) bounds the efficiency bench/scale-out.sh can show on this machine. Prints a Markdown table.
#   bench/ceiling.sh [CORES_PER_SILO=1] [SILOS=2] [WINDOW_SECONDS=20] [WARMUP_SECONDS=30] [SCENARIO ...]
set -euo pipefail
cd "$(dirname "$0")/.."
k=${1:-1}; n=${2:-2}; window=${3:-20}; warmup=${4:-30}; shift $(( $# < 4 ? $# : 4 ))
scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=(colossus ramp-250000)
if [ $(( k * n )) -gt "$(nproc)" ]; then echo "needs $(( k * n )) cores ($n silos x $k), this machine has $(nproc)" >&2; exit 2; fi
rate() { grep -o '[0-9.]* steps/s' <<<"$1" | cut -d' ' -f1; }
echo "| scenario | 1 silo on $k core(s) alone | $n separate silos at once, each | sum | sum / ($n x alone) |"
echo "|---|---|---|---|---|"
for s in "${scenarios[@]}"; do
  alone=$(CORES_PER_SILO=$k bench/cluster-rate.sh "$s" 1 "$window" "$warmup" | tail -1); echo "$alone" >&2
  out=$(mktemp -d)
  for i in $(seq 0 $(( n - 1 ))); do
    INSTANCE=$i CORE_BASE=$(( i * k )) CORES_PER_SILO=$k bench/cluster-rate.sh "$s" 1 "$window" "$warmup" >"$out/$i" 2>&1 &
  done
  wait
  each=(); for i in $(seq 0 $(( n - 1 ))); do line=$(tail -1 "$out/$i"); echo "side by side: $line" >&2; each+=("$(rate "$line")"); done
  awk -v s="$s" -v a="$(rate "$alone")" -v n="$n" -v e="${each[*]}" 'BEGIN {
    split(e, r, " "); sum = 0; list = ""; for (i = 1; i <= n; i++) { sum += r[i]; list = list (i > 1 ? ", " : "") sprintf("%.1f", r[i]) }
    printf "| %s | %.1f | %s | %.1f | %.0f %% |\n", s, a, list, sum, 100 * sum / n / a }'
  rm -rf "$out"
done
