#!/usr/bin/env bash
# scripts/run-demo.sh - from a fresh clone: install dependencies, configure, build, then show the
# devices (`genrt devices`) and run the end-to-end demo (`genrt demo`).
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
echo "== genrt demo"
"$build/bin/genrt" demo "$@"
