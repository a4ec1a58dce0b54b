#!/usr/bin/env bash
# tests/unit/eval/cli_eval_test.sh GENRT PLUGIN_DIR MODEL_DIR - `genrt eval` on stories260K:
# perplexity on an id file (and its window/token counts), kld of the model against itself (0, top1 1)
# and against an int4 copy made with `genrt compress` (> 0), similarity of greedy answers (self = 1,
# int4 < 1, sampled and id-file prompts), progress bar on stderr, the last stdout
# line's keys, device property options (--threads, --kv-precision, --dq-group, -P) in every mode,
# clean usage errors. Exit 0 pass, 1 fail, 77 skipped (says why).
set -u
genrt=$1 plugin_dir=$2 model=$3/stories260K.bin
[ -f "$model" ] || { echo "skip: $model not found"; exit 77; }
export GENRT_PLUGIN_PATH=$plugin_dir
work_name=genrt-eval-test
# shellcheck source=tests/common/cli_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/cli_lib.sh"
last() { tail -n 1 "$out"; }
expect_last() { last | grep -Eq -- "$1" || fail "last stdout line '$(last)' lacks /$1/"; }
key() { last | tr ' ' '\n' | sed -n "s/^$1=//p"; }

for i in $(seq 0 39); do echo $(( (i * 37 + 1) % 512 )); done >"$work/ids.txt"
run 0 eval perplexity -m "$model" --ids "$work/ids.txt" --ctx 16 --stride 6
expect_last '^ppl=[0-9.]+ tokens=39 windows=5$'
expect_err 'perplexity \[#+\] 5/5'
ppl=$(key ppl)
awk -v p="$ppl" 'BEGIN { exit !(p > 1 && p < 512 * 100) }' || fail "ppl $ppl out of range"
run 0 eval perplexity -m "$model" --ids "$work/ids.txt" --ctx 64
expect_last '^ppl=[0-9.]+ tokens=39 windows=1$'

run 0 eval kld -m "$model" --base "$model" --sample 2 --len 32 --seed 3
expect_last '^kld=0 kld_max=0 kld_p99=0 top1=1\.000000 rms_dp=0 tokens=62$'
expect_err 'sampling \[#+\] 2/2'
expect_err 'kld \[#+\] 2/2'
run 0 compress -m "$model" -o "$work/int4.genrt" --mode int4_sym --group-size 4 --all-layers
run 0 eval kld -m "$work/int4.genrt" --base "$model" --sample 2 --len 32 --seed 3
expect_last '^kld=[0-9.e+-]+ kld_max=[0-9.e+-]+ kld_p99=[0-9.e+-]+ top1=[0-9.]+ rms_dp=[0-9.e+-]+ tokens=62$'
awk -v k="$(key kld)" 'BEGIN { exit !(k > 1e-4) }' || fail "int4 kld $(key kld) not > 0"
int4_kld=$(key kld)
# --ids: 40 ids in chunks of 16 -> 2 sequences of 15 compared positions
run 0 eval kld -m "$work/int4.genrt" --base "$model" --ids "$work/ids.txt" --len 16
expect_last ' tokens=30$'

# similarity: a model against itself (all 1), an int4 copy (< 1), prompts from an id file
run 0 eval similarity -m "$model" --base "$model" --sample 3 -n 8 --seed 2
expect_last '^exact=1\.000000 prefix=8\.0000 prefix_share=1\.000000 f1=1\.000000 rouge_l=1\.000000 lp_model=-[0-9.]+ lp_base=-[0-9.]+ similarity=1\.000000 prompts=3 tokens=24$'
expect_err 'similarity \[#+\] 3/3'
[ "$(grep -c '^prompt=[0-9]* exact=1 prefix=8 ' "$out")" -eq 3 ] || fail "want 3 per-prompt lines"
printf '1 5 9\n\n1,20\n' >"$work/prompts.txt"
run 0 eval similarity -m "$work/int4.genrt" --base "$model" --prompt-ids-file "$work/prompts.txt" -n 16
expect_last ' prompts=2 tokens=32$'
awk -v s="$(key similarity)" 'BEGIN { exit !(s > 0 && s < 1) }' || fail "int4 similarity $(key similarity) not in (0, 1)"
run 2 eval similarity -m "$model" --base "$model"
expect_err 'exactly one of --prompts FILE, --prompt-ids-file FILE or --sample N'
run 2 eval similarity -m "$model" --base "$model" --sample 2 -n 0
expect_err 'bad -n'
run 1 eval similarity -m "$model" --base "$model" --prompts "$work/prompts.txt"
expect_err 'no tokenizer'
echo "1 x" >"$work/badp.txt"
run 1 eval similarity -m "$model" --base "$model" --prompt-ids-file "$work/badp.txt"
expect_err 'line 1: bad token id near "x'

# usage errors (exit 2) and failures (exit 1) with clear messages
run 2 eval
expect_err 'missing mode'
run 2 eval bogus -m "$model"
expect_err 'unknown mode'
run 2 eval perplexity --ids "$work/ids.txt"
expect_err 'missing -m MODEL'
run 2 eval perplexity -m "$model"
expect_err 'exactly one of --text FILE or --ids FILE'
run 2 eval perplexity -m "$model" --ids "$work/ids.txt" --ctx 8 --stride 9
expect_err 'stride must not exceed'
run 2 eval perplexity -m "$model" --ids "$work/ids.txt" --ctx 1
expect_err 'bad --ctx'
run 2 eval kld -m "$model" --sample 2
expect_err 'missing --base'
run 2 eval kld -m "$model" --base "$model"
expect_err 'exactly one of --ids FILE or --sample N'
run 2 eval kld -m "$model" --base "$model" --sample 0
expect_err 'bad --sample'
run 2 eval perplexity -m "$model" --ids "$work/ids.txt" --bogus 1
expect_err 'unknown option'
run 1 eval perplexity -m "$model" --text "$work/ids.txt"
expect_err 'no tokenizer'
run 1 eval perplexity -m "$model" --ids "$work/missing.txt"
expect_err "cannot read '.*missing.txt'"
echo "1 2 x3" >"$work/bad.txt"
run 1 eval perplexity -m "$model" --ids "$work/bad.txt"
expect_err 'bad token id near "x3'
echo "1 2 999" >"$work/oov.txt"
run 1 eval perplexity -m "$model" --ids "$work/oov.txt"
expect_err 'out of range'
run 1 eval perplexity -m "$work/nope.bin" --ids "$work/ids.txt"
expect_err 'nope.bin'
run 0 help eval
expect_last 'ppl=|rms_dp=|options|device|KEY=VALUE'
expect_out '^  --dq-group N'

# device properties (--threads, --kv-precision, --dq-group, -P) reach the device in every mode
run 0 eval kld -m "$model" --base "$model" --sample 2 --len 32 --seed 3 --threads 1 --dq-group 0 \
    -P PERFORMANCE_HINT=LATENCY
expect_last '^kld=0 kld_max=0 kld_p99=0 top1=1\.000000 rms_dp=0 tokens=62$'
run 0 eval kld -m "$work/int4.genrt" --base "$model" --sample 2 --len 32 --seed 3 --kv-precision f16
[ "$(key kld)" != "$int4_kld" ] || fail "--kv-precision f16 did not change the sampled kld ($int4_kld)"
run 0 eval perplexity -m "$model" --ids "$work/ids.txt" --ctx 16 --stride 6 --threads 1 --kv-precision f32
expect_last '^ppl=[0-9.]+ tokens=39 windows=5$'
run 1 eval perplexity -m "$model" --ids "$work/ids.txt" -P NO_SUCH_PROPERTY=1
expect_err 'cannot set NO_SUCH_PROPERTY=1 on CPU'
run 1 eval similarity -m "$model" --base "$model" --sample 1 -n 4 --kv-precision bogus
expect_err 'cannot set KV_CACHE_PRECISION=bogus on CPU'
run 2 eval kld -m "$model" --base "$model" --sample 1 --threads
expect_err 'missing value for'

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "eval cli: all checks passed"
