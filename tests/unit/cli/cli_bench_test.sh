#!/usr/bin/env bash
# tests/unit/cli/cli_bench_test.sh CASE GENRT REPO_DIR - `genrt bench`, `genrt roofline` and the
# device-property options of `genrt generate` (labels: unit; the model cases skip with 77 when the
# bundled stories260K model is missing).
#   bench       bench on stories260K (-p 8 -n 4 -r 1 --no-roofline --kv-precision f32): the key=value
#               line is present, tok/s > 0, and bytes_per_token / model_bytes / kv_bytes equal the
#               arithmetic from the model's published shape (dim 64, hidden 172, 5 layers, 8 heads,
#               4 KV heads, vocab 512, tied classifier, f32)
#   bench_u8    same with --kv-precision u8: KV rows of 8 u8 codes + one f16 scale/min pair
#   roofline    roofline --bytes 16M with the default and the scalar variant: positive numbers
#   bad_options unknown / bad options of bench and roofline exit 2; a bad property value exits 1
#   gen_props   generate --threads 1 / --kv-precision f16 / -P KEY=VALUE give the same greedy ids as
#               without; bad -P and unknown property are rejected
# Exit 0 pass, 1 fail, 77 skipped (says why).
set -u
case_name=$1 genrt=$2 repo=$3
work_name=genrt-bench-test
# shellcheck source=tests/common/cli_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/cli_lib.sh"
model=$repo/models/stories260K/stories260K.bin
need_model() { [ -f "$model" ] || { echo "skip: $model not found"; exit 77; }; }
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $(tail -1 "$out")"; }
# positive number?
pos() { awk -v x="$1" 'BEGIN { exit !(x + 0 > 0) }'; }

# Expected bytes of stories260K, computed here from its shape (not from the tool's code).
dim=64 hidden=172 layers=5 heads=8 kv_heads=4 vocab=512
hd=$((dim / heads)) kv_dim=$((dim * kv_heads / heads))
per_layer=$((dim * dim + 2 * kv_dim * dim + dim * dim + 3 * hidden * dim))  # q, k, v, o, gate, up, down
matmul_bytes=$(((layers * per_layer + vocab * dim) * 4))                     # + LM head (= embedding)
model_bytes=$((matmul_bytes + (2 * layers + 1) * dim * 4))                   # + RMSNorm weights
embed_row=$((dim * 4))

check_bench() { # KV_BYTES_PER_POSITION
    local p=8 n=4 kvpos=$1
    expect_out '^model=.* prefill_tps=.* decode_tps='
    for k in prefill_tps decode_tps ttft_ms tpot_ms peak_rss_mib; do
        pos "$(kv $k)" || fail "$k=$(kv $k) is not > 0"
    done
    # decode step i attends to p + i + 1 positions: mean p + (n + 1) / 2 = 10.5 -> x2 to stay integer
    local want=$(((2 * (matmul_bytes + embed_row) + kvpos * (2 * p + n + 1)) / 2))
    [ "$(kv bytes_per_token)" = "$want" ] || fail "bytes_per_token=$(kv bytes_per_token), expected $want"
    [ "$(kv model_bytes)" = "$model_bytes" ] || fail "model_bytes=$(kv model_bytes), expected $model_bytes"
    [ "$(kv kv_bytes)" = "$((kvpos * (p + n)))" ] || fail "kv_bytes=$(kv kv_bytes), expected $((kvpos * (p + n)))"
    [ -z "$(kv decode_bw_frac)" ] || fail "--no-roofline still printed decode_bw_frac"
    expect_err '^bench: rep 1/1'
}

case $case_name in
bench)
    need_model
    run 0 bench -m "$model" -p 8 -n 4 -r 1 --no-roofline --kv-precision f32
    check_bench $((layers * 2 * kv_heads * hd * 4))
    [ "$(kv weights)" = f32 ] || fail "weights=$(kv weights), expected f32"
    [ "$(kv precision)" = f32 ] || fail "precision=$(kv precision), expected the default f32"
    [ "$(kv dq_group)" = 32 ] || fail "dq_group=$(kv dq_group), expected the default 32"
    run 0 bench -m "$model" -p 16 -n 2 -r 1 --no-roofline --precision bf16 --dq-group 64
    [ "$(kv precision)" = bf16 ] || fail "precision=$(kv precision), expected bf16"
    [ "$(kv dq_group)" = 64 ] || fail "dq_group=$(kv dq_group), expected 64"
    ;;
bench_u8)
    need_model
    run 0 bench -m "$model" -p 8 -n 4 -r 1 --no-roofline --kv-precision u8
    [ "$(kv kv_precision)" = u8 ] || fail "kv_precision=$(kv kv_precision)"
    check_bench $((layers * 2 * kv_heads * (hd + 4)))
    ;;
roofline)
    for isa in "" scalar; do
        run 0 roofline --bytes 16M -t 2 ${isa:+--isa $isa}
        expect_out '^threads=2 bytes=16777216 isa=[a-z0-9]+ read_GBps='
        for k in read_GBps fp32_GFLOPs int8_GOPs; do pos "$(kv $k)" || fail "$k=$(kv $k) is not > 0"; done
        [ -z "$isa" ] || [ "$(kv isa)" = "$isa" ] || fail "isa=$(kv isa), expected $isa"
    done
    ;;
bad_options)
    run 2 bench
    expect_err 'missing -m MODEL'
    run 2 bench -m x -p 0
    expect_err "bad value for option '-p'"
    run 2 bench -m x -r abc
    run 2 bench -m x --frobnicate
    expect_err "unknown option"
    run 2 bench -m x -P NOEQUALS
    expect_err 'want KEY=VALUE'
    run 2 bench -m x --threads
    run 2 roofline --bytes 1K
    run 2 roofline -t 0
    run 2 roofline --bogus
    run 1 roofline --isa nope --bytes 16M
    if [ -f "$model" ]; then
        run 1 bench -m "$model" -p 4 -n 1 -r 1 --no-roofline --kv-precision f12
        expect_err 'KV_CACHE_PRECISION'
    fi
    ;;
gen_props)
    need_model
    run 0 generate -m "$model" --prompt-ids 1 -n 24 --temperature 0 --ids
    ref=$(cat "$out")
    for opt in "--threads 1" "--threads 2" "--kv-precision f32" "-P PERFORMANCE_HINT=LATENCY" \
               "--dq-group 0 -P INFERENCE_NUM_THREADS=1" "--precision bf16"; do
        # shellcheck disable=SC2086
        run 0 generate -m "$model" --prompt-ids 1 -n 24 --temperature 0 --ids $opt
        [ "$(cat "$out")" = "$ref" ] || fail "generate $opt gave other ids: $(cat "$out") vs $ref"
    done
    run 1 generate -m "$model" --prompt-ids 1 -n 4 --precision u8
    expect_err 'INFERENCE_PRECISION_HINT'
    run 1 generate -m "$model" --prompt-ids 1 -n 4 -P NO_SUCH_PROPERTY=1
    expect_err 'NO_SUCH_PROPERTY'
    run 2 generate -m "$model" --prompt-ids 1 -n 4 -P =1
    run 2 chat -m "$model" --threads
    ;;
*) echo "unknown case $case_name"; exit 2 ;;
esac
[ "$fails" -eq 0 ]
