#!/usr/bin/env bash
# tests/unit/compress/cli_compress_auto_test.sh GENRT PLUGIN_DIR MODEL_DIR - `genrt compress --auto`
# on stories260K: the table is sorted by weight bytes, every row before the chosen one is over
# --max-kld and the chosen one under it; the written model is the chosen setting (its KLD re-measured
# by `genrt eval kld` on the same sampled sequences); a loose limit picks a smaller 4-bit model; an
# impossible one writes nothing; --dataset-sample with --awq and device properties (--dq-group, its
# old spelling --dq-group-size, -P) work with --auto; usage errors. Exit 0 pass, 1 fail, 77 skipped (says why).
set -u
genrt=$1 plugin_dir=$2 model=$3/stories260K.bin
[ -f "$model" ] || { echo "skip: $model not found"; exit 77; }
export GENRT_PLUGIN_PATH=$plugin_dir
work_name=genrt-compress-auto-test
# shellcheck source=tests/common/cli_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/cli_lib.sh"
key() { tail -n 1 "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# check_table X: rows ascending in bytes, rows before the chosen one have kld > X, the chosen <= X
check_table() {
    awk -v x="$1" '
        /^(int4|int8)_/ && NF >= 5 {
            n = NF; chosen = ($NF == "chosen"); b = $(chosen ? NF - 4 : NF - 2); k = $(chosen ? NF - 3 : NF - 1)
            if (b < prev) { print "bytes not ascending: " $0; bad = 1 }
            prev = b
            if (chosen && k > x) { print "chosen over the limit: " $0; bad = 1 }
            if (!chosen && k <= x) { print "passing row not chosen: " $0; bad = 1 }
            rows++
        }
        END { exit bad || rows == 0 }' "$out" || fail "table check for max-kld $1"
}

run 0 compress --auto --max-kld 0.05 -m "$model" -o "$work/a.genrt" --auto-sample 2 --auto-len 24 --seed 1
expect_out '^device CPU, DYNAMIC_QUANTIZATION_GROUP_SIZE=[0-9]+ \(plugin default\)'
expect_out 'skipped \(group size does not divide'
expect_out '^chosen=int8_asym per-channel weight_bytes=269864 kld='
check_table 0.05
kld=$(key kld)
[ -s "$work/a.genrt" ] || fail "no output file"
run 0 eval kld -m "$work/a.genrt" --base "$model" --sample 2 --len 24 --seed 1
awk -v a="$kld" -v b="$(key kld)" 'BEGIN { d = a - b; exit !(d < 1e-6 * b && -d < 1e-6 * b) }' ||
    fail "eval kld $(key kld) differs from the search's $kld"

run 0 compress --auto --max-kld 1.5 -m "$model" -o "$work/b.genrt" --auto-sample 2 --auto-len 24 --seed 1 \
    --dq-group-size 0
expect_out '^device CPU, DYNAMIC_QUANTIZATION_GROUP_SIZE=0 \(set\)'
expect_out '^chosen=int4_'
check_table 1.5
bytes=$(tail -n 1 "$out" | sed -n 's/.*weight_bytes=\([0-9]*\).*/\1/p')
[ "${bytes:-999999}" -lt 269864 ] || fail "loose limit did not pick a model smaller than int8 ($bytes)"
[ "$(stat -c %s "$work/b.genrt")" -lt "$(stat -c %s "$work/a.genrt")" ] || fail "b.genrt not smaller than a.genrt"

# data-aware options go through the dataset loader (--dataset-sample), the device options are the
# shared ones (--dq-group, -P); AWQ applies to the 4-bit candidates
run 0 compress --auto --max-kld 1.5 -m "$model" -o "$work/e.genrt" --auto-sample 2 --auto-len 24 --seed 1 \
    --dataset-sample 2 --dataset-len 16 --awq --sensitivity-metric max_activation_variance --dq-group 0 \
    -P PERFORMANCE_HINT=LATENCY
expect_out '^device CPU, DYNAMIC_QUANTIZATION_GROUP_SIZE=0 \(set\)'
expect_out '^chosen=int4_'
check_table 1.5
[ -s "$work/e.genrt" ] || fail "no e.genrt"
run 1 compress --auto --max-kld 1.5 -m "$model" -o "$work/f.genrt" --awq
expect_err 'awq is data-aware: it needs --dataset'
run 1 compress --auto --max-kld 1.5 -m "$model" -o "$work/f.genrt" -P NO_SUCH_PROPERTY=1
expect_err 'cannot set NO_SUCH_PROPERTY=1 on CPU'
[ -e "$work/f.genrt" ] && fail "f.genrt written"

run 1 compress --auto --max-kld 0 -m "$model" -o "$work/c.genrt" --auto-sample 1 --auto-len 4
expect_err 'no setting keeps the KLD <= 0; nothing written'
[ -e "$work/c.genrt" ] && fail "c.genrt written"

run 2 compress --auto -m "$model" -o "$work/d.genrt"
expect_err '--auto needs --max-kld'
run 2 compress --auto --max-kld 0.1 --mode int4_sym -m "$model" -o "$work/d.genrt"
expect_err 'searches the mode'
run 2 compress --auto --max-kld abc -m "$model" -o "$work/d.genrt"
expect_err 'bad value'

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "compress --auto cli: all checks passed"
