#!/usr/bin/env bash
# tests/unit/genai/cli_generate_test.sh CASE GENRT REPO_DIR - `genrt generate` / `genrt chat`
# end to end on the stories260K llama2.c model shipped in models/ (skips with 77 without it).
#   greedy_ref   --prompt-ids 1 -n 96 --temperature 0 --ids prints exactly greedy_from_bos[1:]
#                of reference.json
#   seeded       sampling with the same seed repeats itself, another seed differs, -n is obeyed
#   errors       -p without a tokenizer, bad --prompt-ids, bad option values, chat without one
#   chat         (4th argument: genai_make_chat_model) `genrt chat` on a scripted model with the
#                GPT-2 vocabulary: a reply per line, /reset, KV-cache reuse on the second turn
#   gen_config   (4th argument as chat) generation_config.json defaults used by `genrt generate`
#                when no option is given, overridden by explicit options
set -u
case_name=$1 genrt=$2 repo=$3 maker=${4:-}
model=$repo/models/stories260K/stories260K.bin
ref=$repo/models/stories260K/reference.json
[ -f "$ref" ] || ref=${GENRT_SHARED_DIR:-$repo/../shared}/models/stories260K/reference.json
if [ ! -f "$model" ] || [ ! -f "$ref" ]; then
  echo "skip: stories260K model or reference.json not found"; exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT

case $case_name in
greedy_ref)
  want=$(tr -d '\n ' < "$ref" | sed -n 's/.*"greedy_from_bos":\[\([0-9,]*\)\].*/\1/p' \
         | tr ',' ' ' | cut -d' ' -f2-)
  [ -n "$want" ] || fail "cannot read greedy_from_bos from $ref"
  [ "$(echo "$want" | wc -w)" = 96 ] || fail "reference has $(echo "$want" | wc -w) tokens"
  got=$("$genrt" generate -m "$model" --prompt-ids 1 -n 96 --temperature 0 --ids 2>"$err") \
    || { cat "$err"; fail "generate exited $?"; }
  [ "$got" = "$want" ] || fail "tokens differ:
 got: $got
want: $want"
  grep -q "TTFT" "$err" && grep -q "tokens/s" "$err" && grep -q "peak memory" "$err" \
    || { cat "$err"; fail "stats missing on stderr"; }
  ;;
seeded)
  args=(generate -m "$model" --prompt-ids "1 471 25" -n 20 --temperature 1 --top-k 0 --top-p 1 --ids)
  a=$("$genrt" "${args[@]}" --seed 7 2>/dev/null) || fail "generate failed"
  b=$("$genrt" "${args[@]}" --seed 7 2>/dev/null) || fail "generate failed"
  c=$("$genrt" "${args[@]}" --seed 8 2>/dev/null) || fail "generate failed"
  [ "$a" = "$b" ] || fail "same seed, different tokens: '$a' vs '$b'"
  [ "$a" != "$c" ] || fail "seeds 7 and 8 gave the same 20 tokens"
  [ "$(echo "$a" | wc -w)" = 20 ] || fail "-n 20 gave $(echo "$a" | wc -w) tokens"
  ;;
errors)
  out=$("$genrt" generate -m "$model" -p "Once upon" -n 5 2>&1); rc=$?
  [ $rc = 1 ] || fail "-p without tokenizer exited $rc"
  echo "$out" | grep -q "no tokenizer" || fail "message lacks 'no tokenizer': $out"
  echo "$out" | grep -q -- "--prompt-ids" || fail "message does not suggest --prompt-ids: $out"
  out=$("$genrt" generate -m "$model" --prompt-ids "1 x" 2>&1); rc=$?
  [ $rc = 2 ] || fail "bad --prompt-ids exited $rc"
  out=$("$genrt" generate -m "$model" --prompt-ids 1 --temperature abc 2>&1); rc=$?
  [ $rc = 2 ] || fail "bad --temperature exited $rc"
  out=$("$genrt" generate -m "$model" 2>&1); rc=$?
  [ $rc = 2 ] || fail "missing prompt exited $rc"
  out=$("$genrt" generate -m /nonexistent/model.bin --prompt-ids 1 2>&1); rc=$?
  [ $rc = 1 ] || fail "missing model exited $rc"
  out=$(echo hi | "$genrt" chat -m "$model" 2>&1); rc=$?
  [ $rc = 1 ] || fail "chat without tokenizer exited $rc"
  echo "$out" | grep -q "no tokenizer" || fail "chat message: $out"
  "$genrt" generate --help | grep -q "prompt-ids" || fail "help lacks --prompt-ids"
  ;;
chat)
  vocab=${GENRT_SHARED_DIR:-$repo/../shared}/tokenizers/ggml-vocab-gpt-2.gguf
  [ -f "$vocab" ] || { echo "skip: $vocab not found"; exit 77; }
  chat_model=$(mktemp --suffix=.genrtir) || exit 1
  trap 'rm -f "$err" "$chat_model"' EXIT
  "$maker" "$vocab" "$chat_model"; rc=$?
  [ $rc = 77 ] && exit 77
  [ $rc = 0 ] || fail "cannot build the chat model"
  out=$(printf 'Hello\nHow are you\n\n/reset\nAgain\n/exit\nnot read\n' \
        | "$genrt" chat -m "$chat_model" --temperature 0 2>"$err") || { cat "$err"; fail "chat failed"; }
  [ "$out" = "$(printf ' ok\n ok\n ok')" ] || fail "replies: [$out]"
  grep -q "new conversation" "$err" || fail "no /reset notice"
  [ "$(grep -c '^prompt' "$err")" = 3 ] || { cat "$err"; fail "want 3 turns"; }
  # turn 2 runs only what the cache has not seen; after /reset everything runs again
  sed -n 2p "$err" | grep -Eq '^prompt ([0-9]+) tokens \(([0-9]+) run\)' || fail "stats line"
  read -r n2 r2 < <(sed -n 2p "$err" | sed -E 's/^prompt ([0-9]+) tokens \(([0-9]+) run\).*/\1 \2/')
  read -r n3 r3 < <(sed -n 4p "$err" | sed -E 's/^prompt ([0-9]+) tokens \(([0-9]+) run\).*/\1 \2/')
  [ "$r2" -lt "$n2" ] || fail "turn 2 ran $r2 of $n2 tokens: no cache reuse"
  [ "$r3" = "$n3" ] || fail "after /reset ran $r3 of $n3 tokens"
  ;;
gen_config)
  # generation_config.json defaults (do_sample false -> greedy, top_k, max_new_tokens, eos list)
  # apply when no option is given; explicit options override them
  vocab=${GENRT_SHARED_DIR:-$repo/../shared}/tokenizers/ggml-vocab-gpt-2.gguf
  [ -f "$vocab" ] || { echo "skip: $vocab not found"; exit 77; }
  gc_model=$(mktemp --suffix=.genrtir) || exit 1
  trap 'rm -f "$err" "$gc_model"' EXIT
  "$maker" "$vocab" "$gc_model" \
    '{"do_sample": false, "temperature": 0.6, "top_k": 7, "top_p": 0.5, "repetition_penalty": 1.25, "max_new_tokens": 3, "eos_token_id": [11, 12]}'
  rc=$?
  [ $rc = 77 ] && exit 77
  [ $rc = 0 ] || fail "cannot build the model"
  "$genrt" generate -m "$gc_model" --prompt-ids "1 2" --ids --ignore-eos >/dev/null 2>"$err" || { cat "$err"; fail "generate failed"; }
  grep -q 'generation defaults from generation_config.json: temperature 0, top-k 7, top-p 0.5, repeat-penalty 1.25, max tokens 3,' "$err" \
    || { cat "$err"; fail "model defaults not applied"; }
  grep -q 'generated 3 tokens' "$err" || { cat "$err"; fail "max_new_tokens 3 not applied"; }
  "$genrt" generate -m "$gc_model" --prompt-ids "1 2" --ids --temperature 0.9 --top-k 3 --top-p 0.8 \
    --repeat-penalty 1 -n 2 --ignore-eos >/dev/null 2>"$err" || { cat "$err"; fail "generate failed"; }
  grep -q 'temperature 0.9, top-k 3, top-p 0.8, repeat-penalty 1, max tokens 2,' "$err" \
    || { cat "$err"; fail "options did not override"; }
  grep -q 'generated 2 tokens' "$err" || { cat "$err"; fail "-n 2 not applied"; }
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
