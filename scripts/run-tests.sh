#!/usr/bin/env bash
# scripts/run-tests.sh [--sanitize] [--long] - from a fresh clone: install dependencies, configure
# with warnings as errors, build and run the test suite (ctest, all labels but "long").
#   --sanitize   same in a separate build directory with AddressSanitizer + UBSan (every label
#                but "long": unit, ops, abi, models and the fuzz corpus replay).
#   --long       also run the "long" label (big random-weight models, minutes each); CI passes it
#                for the plain build.
# Build directories: build/ and build-sanitize/ (override with GENRT_BUILD_DIR). Exit status is
# ctest's.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sanitize=0
long=0
for arg in "$@"; do
    case $arg in
    --sanitize) sanitize=1 ;;
    --long) long=1 ;;
    -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-tests.sh: unknown option '$arg'" >&2; exit 2 ;;
    esac
done

"$GENRT_ROOT/scripts/setup-deps.sh"
if [ "$sanitize" = 1 ]; then
    build=${GENRT_BUILD_DIR:-$GENRT_ROOT/build-sanitize}
    genrt_configure_build "$build" -DGENRT_BUILD_TESTS=ON -DGENRT_WERROR=ON -DGENRT_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=Debug
    cd "$build"
    ctest --output-on-failure -j "$GENRT_JOBS" -LE long
else
    build=${GENRT_BUILD_DIR:-$GENRT_ROOT/build}
    genrt_configure_build "$build" -DGENRT_BUILD_TESTS=ON -DGENRT_WERROR=ON
    cd "$build"
    ctest --output-on-failure -j "$GENRT_JOBS" -LE long
    if [ "$long" = 1 ]; then
        ctest --output-on-failure -L long
    fi
fi
