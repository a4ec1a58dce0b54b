# tests/common/cli_lib.sh - helpers shared by the shell tests of the `genrt` tool (sourced by bash).
# Set before sourcing: genrt (path of the tool) and optionally work_name (prefix of the scratch dir).
# Provides: $work (a scratch directory removed on exit), $out / $err (the last command's stdout and
# stderr), $fails (count of failures), and
#   fail MSG                    records a failure
#   run STATUS ARGS...          runs "$genrt" ARGS, checks its exit status (prints its output if not)
#   expect_out RE / expect_err RE   the last command's stdout / stderr matches the regex
work=$(realpath "$(mktemp -d "${TMPDIR:-/tmp}/${work_name:-genrt-test}.XXXXXX")")
trap 'rm -rf "$work"' EXIT
out=$work/out err=$work/err fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() {
    local want=$1; shift
    "$genrt" "$@" >"$out" 2>"$err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        fail "genrt $* exited $got, expected $want"
        sed 's/^/  stdout: /' "$out" | head -40; sed 's/^/  stderr: /' "$err" | head -40
    fi
}
expect_out() { grep -Eq -- "$1" "$out" || fail "stdout of the last command lacks /$1/"; }
expect_err() { grep -Eq -- "$1" "$err" || fail "stderr of the last command lacks /$1/"; }
