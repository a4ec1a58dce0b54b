#!/bin/sh
# tests/models/convert_paths_test.sh - the same model on every path gives the same tokens.
#
#     convert_paths_test.sh GENRT MODEL_DIR CHECK_GGUF_LAYOUT_PY [PYTHON3]
#
# Greedy-decodes 96 tokens from BOS with `genrt generate` on stories260K.bin (llama2.c), on its
# conversion to our IR file, on its conversion to GGUF, and on GGUF -> IR; every path must print
# the tokens of reference.json's greedy_from_bos. The GGUF file is also checked by an independent
# reader of the GGUF specification (check_gguf_layout.py) when python3 is given.
set -u
[ $# -ge 3 ] || { echo "usage: convert_paths_test.sh GENRT MODEL_DIR CHECK_PY [PYTHON3]" >&2; exit 2; }
genrt=$1
dir=$2
check=$3
py=${4-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/genrt-paths.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
die() { echo "FAIL: $*"; exit 1; }

# The expected ids: greedy_from_bos without the leading BOS.
expected=$(sed 's/.*"greedy_from_bos": *\[\([^]]*\)\].*/\1/' "$dir/reference.json" | tr -d ' ' | tr ',' ' ' |
    cut -d' ' -f2-)
[ -n "$expected" ] || die "cannot read greedy_from_bos from $dir/reference.json"

gen() { # $1 model -> generated ids on stdout
    "$genrt" generate -m "$1" --prompt-ids 1 -n 96 --temperature 0 --ids 2> "$tmp/err.txt" ||
        { cat "$tmp/err.txt"; die "genrt generate -m $1 failed"; }
}
check_ids() { # $1 label, $2 ids
    got=$(echo "$2" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
    [ "$got" = "$expected" ] || die "$1: tokens differ from greedy_from_bos:
  got      $got
  expected $expected"
    echo "ok   $1: the 96 reference tokens"
}

check_ids "llama2.c checkpoint" "$(gen "$dir/stories260K.bin")"

"$genrt" convert -m "$dir/stories260K.bin" -o "$tmp/s.genrtir" || die "convert to IR failed"
check_ids "IR file" "$(gen "$tmp/s.genrtir")"

"$genrt" convert -m "$dir/stories260K.bin" -o "$tmp/s.gguf" --format gguf || die "convert to GGUF failed"
check_ids "GGUF file" "$(gen "$tmp/s.gguf")"

"$genrt" convert -m "$tmp/s.gguf" -o "$tmp/s2.genrtir" || die "convert GGUF -> IR failed"
check_ids "GGUF -> IR file" "$(gen "$tmp/s2.genrtir")"

if [ -n "$py" ]; then
    "$py" "$check" "$tmp/s.gguf" || die "the GGUF file fails the specification check"
    echo "ok   GGUF layout matches the specification"
fi
exit 0
