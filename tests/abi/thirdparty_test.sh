#!/bin/sh
# tests/abi/thirdparty_test.sh - the third-party plugin flow, end to end.
#
#     thirdparty_test.sh CMAKE GENRT_BUILD_DIR THIRDPARTY_SRC_DIR C_COMPILER ["EXTRA_C_FLAGS"]
#
# 1. installs the (already built) GenRT build tree into a temporary prefix;
# 2. configures and builds tests/abi/thirdparty against that prefix, once through the CMake
#    package (find_package(GenRT), CMAKE_PREFIX_PATH) and once through pkg-config (genrt.pc);
# 3. runs the third-party app with GENRT_PLUGIN_PATH pointing at the built TOY plugin;
# 4. runs the installed genrt_abi_check on the TOY plugin.
# Exit status 0 if every step passed; the temporary directory is removed on exit.
set -u
if [ $# -ne 4 ] && [ $# -ne 5 ]; then
    echo "usage: thirdparty_test.sh CMAKE BUILD_DIR SRC_DIR C_COMPILER [EXTRA_C_FLAGS]" >&2
    exit 2
fi
cmake=$1
build=$2
src=$3
cc=$4
flags=${5-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/genrt-thirdparty.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
prefix=$tmp/prefix

step() { echo "---- $*"; }
die() { echo "FAIL: $*"; exit 1; }

step "install $build into $prefix"
"$cmake" --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; die "cmake --install failed"; }
for f in include/genrt/plugin.h include/genrt/types.h include/genrt/genrt.h; do
    [ -f "$prefix/$f" ] || die "the install has no $f"
done
config=$(find "$prefix" -name GenRTConfig.cmake | head -n 1)
pc=$(find "$prefix" -name genrt.pc | head -n 1)
lib=$(find "$prefix" -name 'libgenrt.so' | head -n 1)
check=$(find "$prefix" -type f -name genrt_abi_check | head -n 1)
[ -n "$config" ] || die "the install has no GenRTConfig.cmake"
[ -n "$pc" ] || die "the install has no genrt.pc"
[ -n "$lib" ] || die "the install has no libgenrt.so"
[ -n "$check" ] || die "the install has no genrt_abi_check"
echo "ok   installed headers, $lib, $config, $pc"

configure_and_build() { # $1 build dir, $2... extra cmake args
    dir=$1
    shift
    "$cmake" -S "$src" -B "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
        -DCMAKE_MODULE_LINKER_FLAGS="$flags" "$@" > "$dir.log" 2>&1 &&
        "$cmake" --build "$dir" >> "$dir.log" 2>&1
}

step "build the TOY plugin and app with find_package(GenRT)"
configure_and_build "$tmp/build-cmake" -DCMAKE_PREFIX_PATH="$prefix" ||
    { cat "$tmp/build-cmake.log"; die "third-party build with the CMake package failed"; }
echo "ok   built with the CMake package"

step "build the TOY plugin and app with pkg-config genrt"
PKG_CONFIG_PATH=$(dirname "$pc") configure_and_build "$tmp/build-pc" -DTOY_USE_PKGCONFIG=ON ||
    { cat "$tmp/build-pc.log"; die "third-party build with pkg-config failed"; }
echo "ok   built with pkg-config"

plugin=$tmp/build-cmake/plugins/libgenrt_toy.so
[ -f "$plugin" ] || die "no $plugin"
if nm -D --undefined-only "$plugin" 2>/dev/null | grep -q ' grt_'; then
    die "the TOY plugin imports grt_ symbols from libgenrt (it must use the host API only)"
fi

for b in build-cmake build-pc; do
    step "run $b/toy_app with GENRT_PLUGIN_PATH=$tmp/$b/plugins"
    GENRT_PLUGIN_PATH=$tmp/$b/plugins "$tmp/$b/toy_app" || die "$b/toy_app failed"
    echo "ok   $b/toy_app"
done

step "installed genrt devices finds TOY through GENRT_PLUGIN_PATH and reports a wrong-major plugin"
genrt=$prefix/bin/genrt
[ -x "$genrt" ] || die "the install has no bin/genrt"
major2=$build/tests/abi/fixtures/libgenrt_fixture_major2.so
[ -f "$major2" ] || die "no wrong-major fixture at $major2"
GENRT_PLUGIN_PATH=$tmp/build-cmake/plugins:$major2 "$genrt" devices > "$tmp/devices.txt" 2>&1 ||
    { cat "$tmp/devices.txt"; die "genrt devices failed"; }
cat "$tmp/devices.txt"
grep -q '^CPU' "$tmp/devices.txt" || die "genrt devices does not list CPU"
grep -q '^TOY' "$tmp/devices.txt" || die "genrt devices does not list the out-of-tree TOY device"
grep -q 'libgenrt_fixture_major2.so.*ABI major' "$tmp/devices.txt" ||
    die "genrt devices does not report the wrong-major plugin as skipped with its reason"
echo "ok   genrt devices: CPU and TOY listed, wrong-major plugin skipped with its reason"

step "installed genrt_abi_check on the TOY plugin"
"$check" "$plugin" || die "genrt_abi_check reported errors on the TOY plugin"
echo "ok   all third-party steps passed"
exit 0
