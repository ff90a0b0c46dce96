#!/usr/bin/env bash
# The installed SDK as a consumer project sees it, checked from the test suite:
# `cmake --install` the sdk component into an empty prefix, configure examples/ with
# find_package(ragppo) against it, build, and run both examples. Also checks that the
# RAG example links nothing of libtorch.
# Usage: check_sdk_install.sh BUILD_DIR RECIPES_FILE MODEL_DIR ARTICLES_FILE
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$1" RECIPES="$2" MODEL="$3" ARTICLES="$4"
work="$(mktemp -d -t ragppo-sdk-XXXXXX)"
trap 'rm -rf "$work"' EXIT
cmake --install "$BUILD" --component sdk --prefix "$work/prefix" >/dev/null
cmake -S "$ROOT/examples" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
if ldd "$work/build/rag_quickstart" | grep -E "libtorch|libc10"; then
  echo "rag_quickstart links libtorch"; exit 1
fi
if ldd "$work/build/rag_quickstart" | grep -E "libragppo|libllama|libggml" | grep -v "$work/prefix"; then
  echo "rag_quickstart loads ragppo or llama.cpp libraries from outside the install prefix"; exit 1
fi
cd "$work"
out="$("$work/build/rag_quickstart" "$RECIPES" "$work/index" "How do I make a greek chicken burger?")"
echo "$out"
grep -q "^indexed 40 recipes" <<<"$out"
[[ "$(grep -c "^  source " <<<"$out")" == 3 ]]
grep -q "^vanilla: ." <<<"$out"
out="$("$work/build/ppo_three_steps" "$MODEL" "$ARTICLES" "$work/run")"
echo "$out"
[[ "$(grep -c "^step [123]/3: reward " <<<"$out")" == 3 ]]
grep -q "; 3 steps$" <<<"$out"
[[ -f "$work/run/model/config.json" ]]
# A bad input is a one-line error and exit 1.
if "$work/build/rag_quickstart" "$work/no-such-file.csv" "$work/index2" 2>"$work/err"; then exit 1; fi
[[ "$(wc -l <"$work/err")" == 1 ]] && grep -q "^error: " "$work/err"
echo "sdk install: ok"
