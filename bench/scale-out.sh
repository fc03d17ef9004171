#!/usr/bin/env bash
# Scale-out efficiency: steps/s of each scenario on 1 silo pinned to K cores, then on N silos (Redis clustering)
# each pinned to its own K cores, and the speed-up against N (efficiency = speed-up / N). Prints a Markdown table.
# On a 2-core machine: K=1, N=2 (the default); on a 16-core machine: K=4, N=4.
#   bench/scale-out.sh [CORES_PER_SILO=1] [SILOS=2] [WINDOW_SECONDS=20] [WARMUP_SECONDS=60] [SCENARIO ...]
#   e.g. bench/scale-out.sh 1 2 20 60 colossus ramp-250000 ramp-1000000
# PAIRS=P runs each scenario's pair (1 silo, then N) P times, alternated, and adds a row of the medians: on the 16-core
# device machine one silo's rate swung by 30 % within minutes (55.7-72.6 steps/s at ramp-250000), so one pair's
# speed-up draws once from each end of that swing (docs/performance.md, eighth round).
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
pairs=${PAIRS:-1}
row() {
  awk -v s="$1" -v a="$2" -v b="$3" -v n="$n" -v ab="$4" -v bb="$5" -v m="$6" \
    'BEGIN { printf "| %s | %.1f | %.1f | %.2fx | %.0f %% | %s %% / %s %% | %s |\n", s, a, b, b / a, 100 * b / a / n, ab, bb, m }'
}
median() { tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for s in "${scenarios[@]}"; do
  ones=(); manys=(); ratios=()
  for (( p = 1; p <= pairs; p++ )); do
    read -r one one_busy _ < <(rate "$s" 1); read -r many many_busy crossing < <(rate "$s" "$n")
    row "$s$( [ "$pairs" -gt 1 ] && echo ", pair $p")" "$one" "$many" "$one_busy" "$many_busy" "$crossing"
    ones+=("$one"); manys+=("$many"); ratios+=("$(awk -v a="$one" -v b="$many" 'BEGIN { print b / a }')")
  done
  if [ "$pairs" -gt 1 ]; then
    a=$(median <<<"${ones[*]}"); b=$(median <<<"${manys[*]}"); r=$(median <<<"${ratios[*]}")
    awk -v s="$s" -v a="$a" -v b="$b" -v r="$r" -v n="$n" -v p="$pairs" \
      'BEGIN { printf "| %s, median of %d pairs | %.1f | %.1f | %.2fx (median pair) | %.0f %% | | |\n", s, p, a, b, r, 100 * r / n }'
  fi
done
