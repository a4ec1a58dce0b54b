#!/usr/bin/env bash
# scripts/bench-perf.sh - the speed table of docs/PERF.md: builds random-weight TinyLlama-1.1B and
# Qwen2.5-0.5B models in four weight formats (f16, int8 per channel, int4 group 32, int4 group 128)
# in a cache folder (kept between runs; a model already there is not rebuilt), runs
# `genrt roofline` once and `genrt bench` on each model, and prints a Markdown table to stdout
# (progress and the raw key=value lines go to stderr and to CACHE/results.txt).
#
#   scripts/bench-perf.sh [-g GENRT] [-c CACHE] [-p 512] [-n 32] [-r 1] [-t THREADS] [-- BENCH OPTIONS]
#     -g GENRT   the genrt tool (default: build/bin/genrt, else genrt on PATH)
#     -c CACHE   model cache folder (default /tmp/genrt-bench; about 6 GiB)
#     -p/-n/-r   prefill tokens, decode steps, repetitions given to `genrt bench`
#     -t N       INFERENCE_NUM_THREADS (default: all CPUs)
#     -m LIST    models to run, comma-separated (default tinyllama-1.1b,qwen2.5-0.5b)
#     -w LIST    weight formats (default f16,int8,int4-g32,int4-g128)
#     -f FILE    only re-print the table of an earlier run from its results.txt
#   Extra options after -- go to every `genrt bench` (e.g. -- --kv-precision u8).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
genrt=$root/build/bin/genrt
[ -x "$genrt" ] || genrt=$(command -v genrt || true)
from="" cache=/tmp/genrt-bench p=512 n=32 r=1 threads="" models=tinyllama-1.1b,qwen2.5-0.5b
formats=f16,int8,int4-g32,int4-g128
while [ $# -gt 0 ]; do
    case $1 in
    -g) genrt=$2; shift 2 ;;
    -c) cache=$2; shift 2 ;;
    -p) p=$2; shift 2 ;;
    -n) n=$2; shift 2 ;;
    -r) r=$2; shift 2 ;;
    -t) threads=$2; shift 2 ;;
    -m) models=$2; shift 2 ;;
    -w) formats=$2; shift 2 ;;
    -f) from=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "bench-perf.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
configs=${GENRT_CONFIGS:-$root/../shared/models/configs}
thread_opt=()
[ -n "$threads" ] && thread_opt=(--threads "$threads")

# format -> `genrt convert` options
convert_opts() {
    case $1 in
    f16) echo "--weight-type f16" ;;
    int8) echo "--weight-format int8" ;;            # int8 asym, per channel
    int4-g32) echo "--weight-format int4 --group-size 32" ;;  # int4 asym; embedding/LM head int8
    int4-g128) echo "--weight-format int4 --group-size 128" ;;
    *) echo "bench-perf.sh: unknown weight format $1" >&2; exit 2 ;;
    esac
}

mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
pct() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.1f%% (%.1f GB/s)", 100 * x, y }'; }
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
header() { # ROOFLINE_LINE
    printf 'Roofline (`genrt roofline`): read %s GB/s, fp32 %s GFLOP/s, int8 %s GOP/s (%s, %s threads). Each\n' \
        "$(kv read_GBps "$1")" "$(kv fp32_GFLOPs "$1")" "$(kv int8_GOPs "$1")" "$(kv isa "$1")" "$(kv threads "$1")"
    printf 'row'"'"'s fractions use the roofline `genrt bench` measured in its own run, the better of its readings\nbefore and after the repetitions (read GB/s column).\n\n'
    echo '| model | weights | model bytes | p / n / r | prefill tok/s | decode tok/s | TTFT ms | TPOT ms | peak RSS MiB | bytes/token | read GB/s | decode BW (fraction of read) | prefill (fraction of peak) |'
    echo '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
}
row() { # BENCH_KEY_VALUE_LINE
    local name f fmt=""
    name=$(basename "$(kv model "$1")" .grt)
    for f in "${format_list[@]}"; do [[ $name == *-"$f" ]] && fmt=$f; done
    [ -n "$fmt" ] || fmt=${name##*-}
    printf '| %s | %s | %s | %s / %s / %s | %.1f | %.2f | %.0f | %.1f | %.0f | %s | %.2f | %s | %s |\n' "${name%-"$fmt"}" \
        "$fmt ($(kv weights "$1" | tr '_' ' '))" "$(mib "$(kv model_bytes "$1")")" \
        "$(kv p "$1")" "$(kv n "$1")" "$(kv r "$1")" "$(kv prefill_tps "$1")" "$(kv decode_tps "$1")" \
        "$(kv ttft_ms "$1")" "$(kv tpot_ms "$1")" "$(kv peak_rss_mib "$1")" "$(mib "$(kv bytes_per_token "$1")")" \
        "$(kv read_GBps "$1")" "$(pct "$(kv decode_bw_frac "$1")" "$(kv decode_GBps "$1")")" \
        "$(awk -v x="$(kv prefill_peak_frac "$1")" -v k="$(kv peak_kind "$1")" 'BEGIN { printf "%.1f%% of %s", 100 * x, k }')"
}

IFS=, read -ra model_list <<<"$models"
IFS=, read -ra format_list <<<"$formats"
if [ -n "$from" ]; then # re-print the table of an earlier run
    header "$(sed -n 's/^roofline //p' "$from" | tail -1)"
    grep '^model=' "$from" | while IFS= read -r line; do row "$line"; done
    exit 0
fi
[ -x "$genrt" ] || { echo "bench-perf.sh: no genrt tool (build first or give -g)" >&2; exit 1; }
mkdir -p "$cache"
results=$cache/results.txt
: >"$results"
echo "bench-perf.sh: roofline ($genrt roofline ${threads:+-t $threads})" >&2
roof=$("$genrt" roofline ${threads:+-t "$threads"} | tail -1)
echo "roofline $roof" >>"$results"
echo "$roof" >&2
header "$roof"
for m in "${model_list[@]}"; do
    for f in "${format_list[@]}"; do
        file=$cache/$m-$f.grt
        if [ ! -f "$file" ]; then
            echo "bench-perf.sh: creating $file" >&2
            # shellcheck disable=SC2046
            "$genrt" convert --random-weights --config "$configs/$m.json" $(convert_opts "$f") -o "$file" >&2
        fi
        echo "bench-perf.sh: bench $file" >&2
        line=$("$genrt" bench -m "$file" -p "$p" -n "$n" -r "$r" --roofline-bytes 1024 "${thread_opt[@]}" "$@" | tail -1)
        echo "$line" >>"$results"
        row "$line"
    done
done
echo "bench-perf.sh: raw key=value lines in $results" >&2
