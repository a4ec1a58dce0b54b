#!/usr/bin/env bash
# tests/unit/hf/convert_test.sh GENRT CONFIG_DIR - `genrt convert`:
#   - --random-weights --config (tiny Qwen2 config) writes an IR file, twice with one seed gives the
#     same bytes, another seed different bytes; --weight-type f32 gives a larger file;
#   - IR -> GGUF (--format gguf) -> IR: every step exits 0 and the files are readable again;
#   - an unsupported architecture (mixtral) exits 1 naming it; bad options exit 2.
# Exit 0 pass, 1 fail.
set -u
genrt=$1 configs=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/genrt-convert-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# run EXPECTED_STATUS ARGS...
run() {
    local want=$1
    shift
    "$genrt" "$@" > "$work/out" 2> "$work/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "genrt $* exited $got, expected $want: $(cat "$work/err")"
}
cfg=$configs/tiny_qwen2.json
run 0 convert --random-weights --config "$cfg" --seed 7 -o "$work/a.genrtir"
run 0 convert --random-weights --config "$cfg" --seed 7 -o "$work/b.genrtir"
run 0 convert --random-weights --config "$cfg" --seed 8 -o "$work/c.genrtir"
run 0 convert --random-weights --config "$cfg" --seed 7 --weight-type f32 -o "$work/f32.genrtir"
cmp -s "$work/a.genrtir" "$work/b.genrtir" || fail "same seed, different files"
cmp -s "$work/a.genrtir" "$work/c.genrtir" && fail "different seeds, same file"
[ "$(stat -c %s "$work/f32.genrtir")" -gt "$(stat -c %s "$work/a.genrtir")" ] || fail "f32 file not larger than f16"
run 0 convert -m "$work/a.genrtir" -o "$work/a.gguf" --format gguf
head -c 4 "$work/a.gguf" | grep -q GGUF || fail "a.gguf has no GGUF magic"
run 0 convert -m "$work/a.gguf" -o "$work/back.genrtir"
run 0 convert -m "$work/back.genrtir" -o "$work/back2.genrtir"
run 1 convert --random-weights --config "$configs/moe-mixtral-tiny.json" -o "$work/m.genrtir"
grep -q mixtral "$work/err" || fail "mixtral error does not name the architecture: $(cat "$work/err")"
run 1 convert -m "$work/missing.bin" -o "$work/x.genrtir"
run 2 convert --random-weights -o "$work/x.genrtir"
run 2 convert -m "$work/a.genrtir"
run 2 convert -m "$work/a.genrtir" -o "$work/x" --format onnx
run 2 convert --random-weights --config "$cfg" --weight-type i8 -o "$work/x"
run 2 convert --random-weights --config "$cfg" --seed -1 -o "$work/x"
[ -e "$work/x" ] && fail "a usage error wrote a file"
[ "$fails" -eq 0 ] && echo "convert_test: OK" || echo "convert_test: $fails failure(s)"
[ "$fails" -eq 0 ]
