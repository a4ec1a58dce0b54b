#!/usr/bin/env bash
# tests/unit/cli/install_test.sh BUILD_DIR CMAKE CC [EXTRA_CFLAGS]
# Installs the build tree into a temporary prefix, then checks the installed package:
#   - headers, libgenrt (with SONAME link), genrt tool, GenRTConfig.cmake and genrt.pc are there;
#   - a small C program compiles and runs against it via pkg-config and via find_package(GenRT);
#   - the installed core finds its plugins in <libdir>/genrt/plugins without GENRT_PLUGIN_PATH
#     (checked when a CPU plugin was installed: the program must list the CPU device);
#   - the installed `genrt --version` runs (RPATH).
# EXTRA_CFLAGS: e.g. -fsanitize=address,undefined for a sanitizer build. Exit 0 pass, 1 fail.
set -euo pipefail
build=$1 cmake=$2 cc=$3 extra_cflags=${4:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/genrt-install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
unset GENRT_PLUGIN_PATH

die() { echo "FAIL: $*"; exit 1; }

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; die "cmake --install failed"; }

pcfile=$(find "$prefix" -name genrt.pc -path '*/pkgconfig/*' | head -n1)
[ -n "$pcfile" ] || die "no genrt.pc installed"
PKG_CONFIG_PATH=$(dirname "$pcfile")
export PKG_CONFIG_PATH
libdir=$(pkg-config --variable=libdir genrt)
plugindir=$(pkg-config --variable=plugindir genrt)
includedir=$(pkg-config --variable=includedir genrt)
for f in "$includedir/genrt/genrt.h" "$includedir/genrt/types.h" "$includedir/genrt/plugin.h" \
         "$libdir/libgenrt.so" "$prefix/bin/genrt" "$libdir/cmake/GenRT/GenRTConfig.cmake" \
         "$libdir/cmake/GenRT/GenRTConfigVersion.cmake"; do
    [ -e "$f" ] || die "$f is not installed"
done
soname=$(readlink "$libdir/libgenrt.so") || die "$libdir/libgenrt.so is not a SONAME link"
[ -e "$libdir/$soname" ] || die "libgenrt.so points at a missing $soname"
expect_cpu=0
[ -e "$plugindir/libgenrt_cpu.so" ] && expect_cpu=1
echo "installed to $prefix (libdir $libdir, CPU plugin installed: $expect_cpu)"

# The consumer: prints the version and the devices the installed core found.
cat >"$work/consumer.c" <<'C'
#include <genrt/genrt.h>
#include <stdio.h>
int main(void) {
    grt_core *core = NULL;
    const char *const *names = NULL;
    size_t n = 0;
    printf("version %s abi %u\n", grt_get_version()->string, (unsigned)grt_get_version()->abi_major);
    if (grt_core_create(NULL, &core) != GRT_OK || grt_core_available_devices(core, &names, &n) != GRT_OK) {
        fprintf(stderr, "error: %s\n", grt_last_error());
        return 1;
    }
    for (size_t i = 0; i < n; i++) printf("device %s\n", names[i]);
    grt_core_destroy(core);
    return 0;
}
C

check_run() { # check_run LABEL EXE
    "$2" >"$work/run.out" 2>&1 || { cat "$work/run.out"; die "$1: the program failed"; }
    grep -q '^version [0-9]' "$work/run.out" || { cat "$work/run.out"; die "$1: no version line"; }
    if [ "$expect_cpu" = 1 ] && ! grep -qx 'device CPU' "$work/run.out"; then
        cat "$work/run.out"
        die "$1: the installed core did not find the CPU plugin in $plugindir"
    fi
    echo "$1: ok"
}

# 1. pkg-config
# shellcheck disable=SC2086,SC2046
"$cc" -std=c11 -Wall -Wextra -Werror $extra_cflags -o "$work/consumer_pc" "$work/consumer.c" \
    $(pkg-config --cflags --libs genrt) -Wl,-rpath,"$libdir" || die "compiling with pkg-config failed"
check_run pkg-config "$work/consumer_pc"

# 2. find_package(GenRT)
mkdir -p "$work/proj"
cp "$work/consumer.c" "$work/proj/"
cat >"$work/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(genrt_consumer C)
find_package(GenRT 0.1 REQUIRED CONFIG)
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE GenRT::genrt)
if(NOT EXISTS "${GenRT_PLUGIN_DIR}")
  message(WARNING "GenRT_PLUGIN_DIR ${GenRT_PLUGIN_DIR} does not exist")
endif()
CM
"$cmake" -S "$work/proj" -B "$work/proj/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_C_FLAGS="$extra_cflags" -DCMAKE_EXE_LINKER_FLAGS="$extra_cflags" \
    >"$work/cfg.log" 2>&1 || { cat "$work/cfg.log"; die "find_package(GenRT) configure failed"; }
"$cmake" --build "$work/proj/build" >"$work/bld.log" 2>&1 ||
    { cat "$work/bld.log"; die "building against GenRT::genrt failed"; }
check_run find_package "$work/proj/build/consumer"

# 3. the installed tool
"$prefix/bin/genrt" --version >"$work/v.out" 2>&1 || { cat "$work/v.out"; die "installed genrt --version failed"; }
grep -q '^genrt [0-9]' "$work/v.out" || die "installed genrt --version printed no version"
echo "installed genrt: ok"
echo "install test passed"
