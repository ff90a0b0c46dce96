#!/usr/bin/env bash
# Runs every libFuzzer harness of the sanitizer build (scripts/sanitize.sh builds it):
#   1. replays fuzz/regressions/<harness>/*: inputs that once crashed, must stay fixed;
#   2. fuzzes for FUZZ_SECONDS (default 15) from fuzz/seeds/<harness>/ plus the corpus
#      grown by earlier runs (build-san/fuzz-corpus/, kept between local runs).
# A crash stops with the input's path: fix the parser, then keep the input as
# fuzz/regressions/<harness>/<what-it-was>. Longer runs on demand:
#   FUZZ_SECONDS=600 scripts/fuzz.sh [harness ...]
# Figures of the run (executions, coverage, corpus) go to build-san/fuzz-summary.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SAN="${RAGPPO_SAN_BUILD_DIR:-$ROOT/build-san}"
SECONDS_EACH="${FUZZ_SECONDS:-15}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/fuzz/lsan.supp:print_suppressions=0}"

say() { printf '\033[1m[fuzz]\033[0m %s\n' "$*" >&2; }
die() { printf 'fuzz: error: %s\n' "$*" >&2; exit 1; }
[[ -d "$SAN/fuzz" ]] || die "no harnesses in $SAN/fuzz: run scripts/sanitize.sh --build-only first"

if (($#)); then harnesses=("$@"); else
  harnesses=(); for exe in "$SAN"/fuzz/fuzz_*; do [[ -x "$exe" ]] && harnesses+=("$(basename "$exe")"); done
fi
mkdir -p "$SAN/fuzz-artifacts"
summary="$SAN/fuzz-summary.md"
{
  echo "| harness | regressions replayed | seconds | executions | exec/s | coverage (edges) | features | corpus |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} >"$summary"

for h in "${harnesses[@]}"; do
  exe="$SAN/fuzz/$h"
  [[ -x "$exe" ]] || die "no harness $exe"
  corpus="$SAN/fuzz-corpus/$h"
  mkdir -p "$corpus"
  [[ -d "$ROOT/fuzz/seeds/$h" ]] && cp -n "$ROOT/fuzz/seeds/$h"/* "$corpus"/ 2>/dev/null || true

  replayed=0
  if [[ -d "$ROOT/fuzz/regressions/$h" ]]; then
    mapfile -t cases < <(find "$ROOT/fuzz/regressions/$h" -type f | sort)
    if ((${#cases[@]})); then
      "$exe" -runs=1 "${cases[@]}" >"$SAN/fuzz-artifacts/$h.replay.log" 2>&1 \
        || { tail -40 "$SAN/fuzz-artifacts/$h.replay.log"; die "$h: a regression input crashes again (log above)"; }
      replayed=${#cases[@]}
    fi
  fi

  # Inputs up to 64 KiB (or the largest seed): enough to reach every branch of a header.
  max_len=$(find "$corpus" -type f -printf '%s\n' | sort -n | tail -1)
  max_len=$(( ${max_len:-0} > 65536 ? max_len : 65536 ))
  log="$SAN/fuzz-artifacts/$h.log"
  say "$h: ${SECONDS_EACH}s"
  if ! "$exe" "$corpus" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2560 -max_len="$max_len" \
        -print_final_stats=1 -artifact_prefix="$SAN/fuzz-artifacts/$h-" >"$log" 2>&1; then
    tail -60 "$log"
    die "$h found a crash (input: $(ls -t "$SAN/fuzz-artifacts/$h-"* 2>/dev/null | head -1)); fix it, then keep the input under fuzz/regressions/$h/"
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -E -n 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -E -n 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -E -n 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
  echo "| $h | $replayed | $SECONDS_EACH | ${execs:-?} | $(( ${execs:-0} / SECONDS_EACH )) | ${cov:-?} | ${ft:-?} | ${corp:-?} |" >>"$summary"
done
say "all harnesses clean; figures in $summary"
cat "$summary"
