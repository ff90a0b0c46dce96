#!/usr/bin/env bash
# The sanitizer half of the test command (scripts/test.sh runs it after the main suite):
#   1. build-san/: ragppo's own code compiled by clang with -fsanitize=address,undefined
#      and libFuzzer coverage, without libtorch (RAGPPO_WITH_TORCH=OFF), one AVX2 ggml
#      CPU module; llama.cpp itself uninstrumented;
#   2. every test that does not need libtorch, run against that build;
#   3. scripts/fuzz.sh: each libFuzzer harness replays fuzz/regressions/ and then fuzzes
#      for a bounded time (FUZZ_SECONDS per harness, default 15).
# Needs the main build (scripts/setup.sh) for its paths and the reference fixtures.
#
#   scripts/sanitize.sh              # all three
#   scripts/sanitize.sh --build-only
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN="${RAGPPO_BUILD_DIR:-$ROOT/build}"
SAN="${RAGPPO_SAN_BUILD_DIR:-$ROOT/build-san}"
RAGPPO_HOME="${RAGPPO_HOME:-$HOME/.cache/ragppo}"
CLANG_VERSION=19

say() { printf '\033[1m[sanitize]\033[0m %s\n' "$*" >&2; }
die() { printf 'sanitize: error: %s\n' "$*" >&2; exit 1; }

[[ -f "$MAIN/CMakeCache.txt" ]] || die "no main build at $MAIN: run scripts/setup.sh first"
cache_var() { sed -n "s/^$1:[A-Z]*=//p" "$MAIN/CMakeCache.txt"; }

pkgs=(clang-$CLANG_VERSION libclang-rt-$CLANG_VERSION-dev)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export CCACHE_DIR="${CCACHE_DIR:-$RAGPPO_HOME/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-8G}"
if [[ ! -f "$SAN/build.ninja" ]]; then
  say "configuring the sanitizer build in $SAN"
  # FAISS (Debian) is built against GCC's OpenMP runtime: clang gets libgomp and its
  # omp.h alone (not GCC's whole include folder, whose intrinsics headers are GCC's),
  # less the one GCC-only attribute form clang rejects (__malloc__ with a deallocator).
  mkdir -p "$SAN/gomp-include"
  sed 's/__malloc__ (omp_free),//' "$(gcc -print-file-name=include/omp.h)" >"$SAN/gomp-include/omp.h"
  cmake -S "$ROOT" -B "$SAN" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_COMPILER=clang-$CLANG_VERSION -DCMAKE_CXX_COMPILER=clang++-$CLANG_VERSION \
        -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
        -DRAGPPO_WITH_TORCH=OFF -DRAGPPO_GGML_ALL_VARIANTS=OFF -DRAGPPO_FUZZ=ON -DRAGPPO_BUILD_BENCH=OFF -DRAGPPO_BUILD_PYTHON=OFF \
        -DTorch_DIR="$(cache_var Torch_DIR)" -DRAGPPO_PYARROW_DIR="$(cache_var RAGPPO_PYARROW_DIR)" \
        -DLLAMA_CPP_DIR="$(cache_var LLAMA_CPP_DIR)" -DRAGPPO_PYTHON="$(cache_var RAGPPO_PYTHON)" \
        -DRAGPPO_BUNDLED_HUB="$(cache_var RAGPPO_BUNDLED_HUB)" -DRAGPPO_MINILM_HF_DIR="$(cache_var RAGPPO_MINILM_HF_DIR)" \
        -DCMAKE_CXX_FLAGS="-isystem $SAN/gomp-include" \
        -DOpenMP_CXX_FLAGS="-isystem $SAN/gomp-include" -DOpenMP_CXX_LIB_NAMES=gomp \
        -DOpenMP_gomp_LIBRARY="$(gcc -print-file-name=libgomp.so)" \
        -DRAGPPO_FIXTURES_DIR="$MAIN/fixtures" >/dev/null
fi
say "building (clang $CLANG_VERSION, ASan + UBSan)"
cmake --build "$SAN" -j"$(nproc)"
[[ "${1:-}" == "--build-only" ]] && exit 0

# detect_leaks: our code must not leak. halt_on_error: one report fails the test.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/fuzz/lsan.supp:print_suppressions=0}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
say "running the tests that need no libtorch under ASan + UBSan"
# These CLI tests drive `ppo` / `summarize-eval`, which this build has only as a stub.
ctest --test-dir "$SAN" --output-on-failure -j1 -E '^cli\.(CliFlags|PpoOutput|CliErrors\.AHugeHeader)'

"$ROOT/scripts/fuzz.sh"
