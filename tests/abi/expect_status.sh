#!/bin/sh
# tests/abi/expect_status.sh - runs a command that is expected to fail in a specific way.
#
#     expect_status.sh EXPECTED_STATUS REGEX COMMAND [ARGS...]
#
# Passes (exit 0) only if COMMAND exits with EXPECTED_STATUS (a crash never matches) and its
# output (stdout + stderr) contains a line matching the extended regular expression REGEX.
# Used for genrt_abi_check on the broken fixture plugins.
set -u
if [ $# -lt 3 ]; then
    echo "usage: expect_status.sh EXPECTED_STATUS REGEX COMMAND [ARGS...]" >&2
    exit 2
fi
want=$1
regex=$2
shift 2
out=$("$@" 2>&1)
got=$?
printf '%s\n' "$out"
if [ "$got" -ne "$want" ]; then
    echo "expect_status: exit status $got, expected $want"
    exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
    echo "expect_status: no output line matches: $regex"
    exit 1
fi
echo "expect_status: exit status $got and output as expected"
exit 0
