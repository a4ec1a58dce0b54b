# shellcheck shell=bash
# scripts/common.sh - sourced by the run-*.sh scripts: repository root, build job count and the
# configure/build steps they share. Not meant to be run on its own.
GENRT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Two parallel jobs by default (small machines); override with GENRT_JOBS.
GENRT_JOBS=${GENRT_JOBS:-2}

# genrt_configure_build BUILD_DIR [cmake options...]: configure (once) and build everything.
genrt_configure_build() {
    local dir=$1; shift
    cmake -S "$GENRT_ROOT" -B "$dir" "$@"
    cmake --build "$dir" -j "$GENRT_JOBS"
}
