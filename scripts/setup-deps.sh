#!/usr/bin/env bash
# scripts/setup-deps.sh - installs the Debian 12 packages GenRT needs to build and test.
# Does nothing when they are all installed. Runs apt-get non-interactively as root, or through
# sudo when not root. Needs only the Debian mirrors (nothing else is downloaded).
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config git                  # toolchain
    libcjson-dev libpcre2-dev libutf8proc-dev             # IR/config JSON, tokenizer regex, Unicode
    libhwloc-dev                                          # CPU topology (threads, pinning)
    libdnnl-dev                                           # oneDNN f32 GEMM (CPU plugin, optional)
    ocl-icd-opencl-dev opencl-c-headers pocl-opencl-icd   # GPU plugin (OpenCL; PoCL for tests)
    clang libclang-rt-14-dev                              # libFuzzer targets, sanitizer runtimes
    python3                                               # tests/unit/gguf/check_gguf_layout.py
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup-deps: all ${#PACKAGES[@]} packages are installed"
    exit 0
fi
echo "setup-deps: installing ${missing[*]}"

if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-deps: apt-get not found; install these packages by hand: ${missing[*]}" >&2
    exit 1
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo_cmd=(sudo)
    else
        echo "setup-deps: not root and sudo is not available; as root run:" >&2
        echo "  apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0)
# The package lists may be missing or stale (fresh container): refresh them, but still try the
# install with what is there if the refresh fails.
"${apt[@]}" update || echo "setup-deps: apt-get update failed; trying with the current lists" >&2
"${apt[@]}" install --no-install-recommends "${missing[@]}"
echo "setup-deps: done"
