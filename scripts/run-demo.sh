#!/usr/bin/env bash
# scripts/run-demo.sh - from a fresh clone: install dependencies, configure, build, then show the
# devices (`genrt devices`), run the graph demo (`genrt demo`) and generate 96 tokens greedily from
# the bundled stories260K model (`genrt generate`; extra arguments go to generate).
# Build directory: build/ (override with GENRT_BUILD_DIR).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build=${GENRT_BUILD_DIR:-$GENRT_ROOT/build}

"$GENRT_ROOT/scripts/setup-deps.sh"
genrt_configure_build "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo
echo "== genrt devices"
"$build/bin/genrt" devices
echo
echo "== genrt demo (builder -> IR file -> CPU, checked against plain C)"
"$build/bin/genrt" demo
echo
echo "== genrt generate: stories260K (llama2.c checkpoint in models/), greedy from BOS, 96 tokens"
echo "   (its SentencePiece vocabulary is not available, so token ids are printed)"
"$build/bin/genrt" generate -m "$GENRT_ROOT/models/stories260K/stories260K.bin" --prompt-ids 1 \
    -n 96 --temperature 0 --ids "$@"
