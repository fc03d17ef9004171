#!/usr/bin/env bash
# Scale-out efficiency: steps/s of each scenario on 1 silo pinned to K cores, then on N silos (Redis clustering)
# each pinned to its own K cores, and the speed-up against N (efficiency = speed-up / N). Prints a Markdown table.
# On a 2-core machine: K=1, N=2 (the default); on a 16-core machine: K=4, N=4.
#   bench/scale-out.sh [CORES_PER_SILO=1] [SILOS=2] [WINDOW_SECONDS=20] [WARMUP_SECONDS=60] [SCENARIO ...]
#   e.g. bench/scale-out.sh 1 2 20 60 colossus ramp-250000 ramp-1000000
# Keep the warm-up long: every step waits for the slowest silo, and a silo whose hot code the JIT has not yet
# recompiled (on one core its compiler thread was still busy 45 s after the scenario loaded) holds all of them back.
set -euo pipefail
cd "$(dirname "$0")/.."
k=${1:-1}; n=${2:-2}; window=${3:-20}; warmup=${4:-60}; shift $(( $# < 4 ? $# : 4 ))
scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=(colossus ramp-250000)
cores=$(nproc)
if [ $(( k * n )) -gt "$cores" ]; then echo "needs $(( k * n )) cores ($n silos x $k), this machine has $cores" >&2; exit 2; fi
# Each run's own line goes to stderr as it ends; the table (rate, and how busy the silos' cores were) to stdout.
rate() {
  local line; line=$(CORES_PER_SILO=$k bench/cluster-rate.sh "$1" "$2" "$window" "$warmup" | tail -1); echo "$line" >&2
  echo "$(grep -o '[0-9.]* steps/s' <<<"$line" | cut -d' ' -f1) $(grep -o 'busy [0-9]*' <<<"$line" | cut -d' ' -f2) $(grep -o 'silos per step [0-9.n/a]*' <<<"$line" | head -1 | cut -d' ' -f4)"
}
echo "| scenario | 1 silo on $k core(s) | $n silos on $k core(s) each | speed-up | efficiency | cores busy, 1 silo / $n silos | messages between silos per step |"
echo "|---|---|---|---|---|---|---|"
for s in "${scenarios[@]}"; do
  read -r one one_busy _ < <(rate "$s" 1); read -r many many_busy crossing < <(rate "$s" "$n")
  awk -v s="$s" -v a="$one" -v b="$many" -v n="$n" -v ab="$one_busy" -v bb="$many_busy" -v m="$crossing" \
    'BEGIN { printf "| %s | %.1f | %.1f | %.2fx | %.0f %% | %s %% / %s %% | %s |\n", s, a, b, b / a, 100 * b / a / n, ab, bb, m }'
done
