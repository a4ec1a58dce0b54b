#!/usr/bin/env bash
# tests/unit/compress/cli_compress_test.sh GENRT PLUGIN_DIR MODEL_DIR - `genrt compress` and
# `genrt convert --weight-format` on stories260K: per-layer table and totals, the written files
# load and generate, their sizes follow the table's totals, bad options give clear errors.
# Exit 0 pass, 1 fail, 77 skipped (says why).
set -u
genrt=$1 plugin_dir=$2 model=$3/stories260K.bin
[ -f "$model" ] || { echo "skip: $model not found"; exit 77; }
export GENRT_PLUGIN_PATH=$plugin_dir
work_name=genrt-compress-test
# shellcheck source=tests/common/cli_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/cli_lib.sh"
size() { stat -c %s "$1"; }

run 0 convert -m "$model" -o "$work/f32.genrt"
# default INT8_ASYM: every weight int8_asym, per channel; total line; file smaller by what the table says
run 0 compress -m "$model" -o "$work/int8.genrt"
expect_out '^token_embd.weight +\[512, 64\] +int8_asym +64 '
expect_out '^blk.4.ffn_down.weight +\[64, 172\] +int8_asym +172 '
expect_out '^weights: 1037312 -> 269864 bytes'
[ "$(grep -c int8_asym "$out")" -eq 36 ] || fail "expected 36 int8_asym weights"
saved=$((1037312 - 269864)) diff=$(( $(size "$work/f32.genrt") - $(size "$work/int8.genrt") ))
[ "$diff" -le "$saved" ] && [ "$diff" -ge $((saved - 36 * 256)) ] || fail "file shrank by $diff, table says $saved"
run 0 generate -m "$work/int8.genrt" --prompt-ids "1" -n 8 --ids --temperature 0
# mixed precision with an ignored scope; embedding stays 8-bit
run 0 compress -m "$model" -o "$work/mixed.genrt" --mode int4_sym --group-size 4 --ratio 0.5 \
    --ignored-scope 'blk.4.*' --ignored-scope blk.0.attn_q.weight
expect_out '^token_embd.weight .* int8_asym '
expect_out '^blk.4.attn_q.weight .* ignored '
expect_out '^blk.0.attn_q.weight .* ignored '
expect_out ' int4_sym +4 '
run 0 generate -m "$work/mixed.genrt" --prompt-ids "1" -n 8 --ids --temperature 0
# convert --weight-format
run 0 convert -m "$model" -o "$work/fp16.genrt" --weight-format fp16
expect_out '^blk.0.attn_q.weight .* f16 '
run 0 convert -m "$model" -o "$work/int4.genrt" --weight-format int4 --group-size 4
expect_out '^blk.0.attn_q.weight .* int4_asym +4 '
run 0 generate -m "$work/int4.genrt" --prompt-ids "1" -n 8 --ids --temperature 0
# errors
run 1 compress -m "$model" -o "$work/x" --mode int4_sym
expect_err "group size 128 does not divide the 64 channels of weight 'blk.0.attn_q.weight'"
run 1 compress -m "$model" -o "$work/x" --ratio 1.5
expect_err 'ratio 1.5 outside \[0, 1\]'
run 1 compress -m "$model" -o "$work/x" --sensitivity-metric mean_activation_variance
expect_err 'mean_activation_variance is data-aware: it needs --dataset FILE or --dataset-sample N'
run 1 compress -m "$model" -o "$work/x" --mode int4_sym --group-size 4 --awq
expect_err '--awq is data-aware: it needs --dataset'
run 1 compress -m "$model" -o "$work/x" --scale-estimation --dataset-sample 2
expect_err 'scale_estimation needs a 4-bit mode'
run 1 compress -m "$model" -o "$work/x" --dataset "$work/none.txt" --mode int4_sym --group-size 4 --awq
expect_err 'cannot read --dataset'
printf 'once upon a time\n' > "$work/text.txt"
run 1 compress -m "$model" -o "$work/x" --dataset "$work/text.txt" --sensitivity-metric hessian_input_activation
expect_err 'is text but the model has no tokenizer'
run 2 compress -m "$model" -o "$work/x" --dataset-sample 0
expect_err 'expected a positive count for'
run 2 compress -m "$model" -o "$work/x" --mode int3
expect_err "unknown mode"
run 2 compress -m "$model" -o "$work/x" --group-size 0
expect_err "bad group size"
run 2 convert -m "$model" -o "$work/x" --weight-format int2
expect_err "unknown weight format"
[ ! -e "$work/x" ] || fail "a failed command left its output file"

# data-aware: an id file (spaces, commas, one sequence a line) and sequences sampled from the model
printf '1 403 407 261 378 261 299 271 400 262\n1,318,317,428,407,261,407,410\n\n1 280 282 352 345 424 420 271 317\n' \
    > "$work/ids.txt"
run 0 compress -m "$model" -o "$work/da.genrt" --mode int4_asym --group-size 4 --ratio 0.5 --dataset "$work/ids.txt" \
    --sensitivity-metric max_activation_variance --subset-size 2
expect_out '^weights: 1037312 -> '
# AWQ + scale estimation on 8 sampled sequences beat plain INT4 (KLD against the f32 model)
run 0 compress -m "$model" -o "$work/plain4.genrt" --mode int4_asym --group-size 4
run 0 compress -m "$model" -o "$work/awq4.genrt" --mode int4_asym --group-size 4 --awq --scale-estimation \
    --dataset-sample 8 --dataset-len 32
kld_of() {
    run 0 eval kld -m "$1" --base "$work/f32.genrt" --sample 4 --len 64
    sed -n 's/^kld=\([0-9.e+-]*\) .*/\1/p' "$out"
}
k_plain=$(kld_of "$work/plain4.genrt") k_awq=$(kld_of "$work/awq4.genrt")
awk -v a="$k_awq" -v p="$k_plain" 'BEGIN { exit !(a > 0 && a < p) }' ||
    fail "AWQ + scale estimation KLD $k_awq not below plain INT4 $k_plain"
run 0 generate -m "$work/awq4.genrt" --prompt-ids "1" -n 8 --ids --temperature 0
# GPTQ rounding for INT8_ASYM (per channel) from 4 sampled sequences
run 0 compress -m "$model" -o "$work/gptq8.genrt" --gptq --dataset-sample 4 --dataset-len 16
expect_out '^weights: 1037312 -> 269864 bytes'
run 1 compress -m "$model" -o "$work/x" --gptq --scale-estimation --dataset-sample 2 --mode int4_sym --group-size 4
expect_err 'gptq and scale_estimation cannot be combined'
[ "$fails" -eq 0 ] && echo "cli compress: OK"
exit $((fails > 0))
