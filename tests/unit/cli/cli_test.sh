#!/usr/bin/env bash
# tests/unit/cli/cli_test.sh CASE GENRT PLUGIN_DIR - checks one behaviour of the `genrt` tool.
#   version          --version / version print library and ABI versions, exit 0
#   help             help, help <cmd>, <cmd> --help print usage text, exit 0
#   usage            unknown command, no command, bad options: exit 2 with a message on stderr
#   devices          parses `genrt devices`: CPU listed with RO/RW properties (when the CPU plugin
#                    is built), "Skipped plugins:" lists a broken plugin put on GENRT_PLUGIN_PATH
#   demo             `genrt demo` prints "demo: OK", the state grows 2 -> 4 -> 6 rows, -o keeps the file
#   demo_bad_device  `genrt demo -d NOPE` exits 1 naming the device
# Exit 0 pass, 1 fail, 77 skipped (says why).
set -u
case_name=$1 genrt=$2 plugin_dir=$3
work_name=genrt-cli-test
# shellcheck source=tests/common/cli_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/cli_lib.sh"
have_cpu_plugin() { [ -e "$plugin_dir/libgenrt_cpu.so" ]; }

case $case_name in
version)
    run 0 --version
    expect_out '^genrt [0-9]+\.[0-9]+\.[0-9]+$'
    expect_out '^plugin ABI: 1\.[0-9]+$'
    expect_out '^build: +[^ ]'
    cp "$out" "$work/v1"
    run 0 version
    cmp -s "$out" "$work/v1" || fail "'genrt version' and 'genrt --version' differ"
    run 2 version extra
    ;;
help)
    run 0 help
    for c in devices demo version help; do expect_out "^  $c "; done
    for c in devices demo version; do
        run 0 help "$c"; expect_out "^usage: genrt $c"
        run 0 "$c" --help; expect_out "^usage: genrt $c"
    done
    run 0 --help; expect_out '^usage: genrt <command>'
    ;;
usage)
    run 2 frobnicate; expect_err "unknown command 'frobnicate'"; expect_err '^usage: genrt'
    run 2
    run 2 help frobnicate; expect_err "unknown command 'frobnicate'"
    run 2 devices --bogus; expect_err "unknown option '--bogus'"
    run 2 devices -c; expect_err "missing value"
    run 2 demo -n 0; expect_err 'bad step count'
    run 2 demo -d; expect_err 'missing value'
    ;;
devices)
    # A plugin that cannot load: the core must skip it with a reason, never crash.
    mkdir -p "$work/plugins"
    echo "not an ELF file" >"$work/plugins/libgenrt_broken.so"
    export GENRT_PLUGIN_PATH="$work/plugins${GENRT_PLUGIN_PATH:+:$GENRT_PLUGIN_PATH}"
    run 0 devices
    expect_out '^Available devices:$'
    expect_out '^Skipped plugins:$'
    # Device names: non-indented lines between the two headings.
    devices=$(awk '/^Available devices:$/ {on = 1; next} /^$/ {on = 0} on && /^[^\t ]/' "$out")
    grep -q "$work/plugins/libgenrt_broken.so" "$out" ||
        fail "the broken plugin $work/plugins/libgenrt_broken.so is not listed as skipped"
    awk '/^Skipped plugins:$/ {on = 1; next} on' "$out" | grep -q 'libgenrt_broken.so' ||
        fail "libgenrt_broken.so is not under 'Skipped plugins:'"
    if have_cpu_plugin; then
        echo "$devices" | grep -qx 'CPU' || fail "CPU is not among the devices: [$devices]"
        # Each property line: name : RO|RW : value; CPU must at least report these.
        cpu_props=$(awk '/^CPU$/ {on = 1; next} /^[^\t]/ {on = 0} on' "$out")
        echo "$cpu_props" | grep -Eq $'^\t\tFULL_DEVICE_NAME +: RO : .+' ||
            fail "CPU: no read-only FULL_DEVICE_NAME line"
        echo "$cpu_props" | grep -Eq $'^\t\tINFERENCE_NUM_THREADS +: RW : [0-9]+$' ||
            fail "CPU: no settable INFERENCE_NUM_THREADS line with a number"
        if echo "$cpu_props" | grep -q '(error:'; then fail "CPU: a property could not be read"; fi
    else
        echo "note: $plugin_dir/libgenrt_cpu.so not built; CPU checks skipped"
    fi
    # A config file with a bad device must fail with status 1 and a message.
    echo '{"NO_SUCH_DEVICE": {"X": 1}}' >"$work/bad.json"
    run 1 devices -c "$work/bad.json"
    expect_err 'NO_SUCH_DEVICE'
    ;;
demo)
    have_cpu_plugin || { echo "skipped: the CPU plugin ($plugin_dir/libgenrt_cpu.so) is not built"; exit 77; }
    run 0 demo -o "$work/demo.grt"
    expect_out '^demo: OK$'
    for rows in 2 4 6; do expect_out "^  state 'kv' \[$rows, 8\]$"; done
    expect_out '^  probs +\[2, 6\]$'
    [ -s "$work/demo.grt" ] || fail "-o $work/demo.grt did not keep the IR file"
    run 0 demo -n 1
    expect_out '^demo: OK$'
    ;;
demo_bad_device)
    run 1 demo -d NO_SUCH_DEVICE
    expect_err 'NO_SUCH_DEVICE'
    ;;
*)
    echo "unknown case $case_name"; exit 1 ;;
esac

if [ "$fails" -ne 0 ]; then echo "$case_name: $fails check(s) failed"; exit 1; fi
echo "$case_name: passed"
