#!/usr/bin/env bash
# GPU check for the OpenCL backend: runs the golden conformance cases and `bench` on an NVIDIA GPU
# through OpenCL, from target/device only (built here by scripts/device-bundle.sh; the GPU machine
# has no Java and no registry). Prints the figures; writes them under $OUT when set.
#
# Needs: target/device.tar.xz (carried along: run(carry=["target/device.tar.xz"])), an NVIDIA driver whose mount includes libnvidia-opencl.so.1.
# The ICD loader in the bundle is pointed at that library through OCL_ICD_VENDORS.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/target/device
LOG=${OUT:-/tmp}/device-check.txt
if [[ ! -x $B/jre/bin/java && -f $ROOT/target/device.tar.xz ]]; then
  mkdir -p /tmp/sightline-device && tar -C /tmp/sightline-device -xJf "$ROOT/target/device.tar.xz" && B=/tmp/sightline-device/device
fi
[[ -x $B/jre/bin/java ]] || { echo "no bundle: run scripts/device-bundle.sh first (where Java and Maven are)"; exit 1; }
exec > >(tee "$LOG") 2>&1

echo "== machine"; nvidia-smi --query-gpu=name,memory.total,clocks.max.memory,pcie.link.gen.max --format=csv 2>&1 || echo "nvidia-smi: not found"
if [[ -z ${OCL_ICD_VENDORS:-} ]]; then
  lib=$(find /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia /usr/local/cuda* -maxdepth 3 \
          -name 'libnvidia-opencl.so.1' 2>/dev/null | head -1)
  if [[ -n $lib ]]; then
    ICD=$(mktemp -d); echo "$lib" > "$ICD/nvidia.icd"; export OCL_ICD_VENDORS=$ICD
    echo "OpenCL: $lib"
  elif ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; then
    echo "OpenCL: system ICDs $(ls /etc/OpenCL/vendors)"
  else
    echo "OpenCL: no libnvidia-opencl.so.1 in the driver mount and no ICD file: nothing to run on"; exit 1
  fi
fi
export LD_LIBRARY_PATH=$B/lib:${LD_LIBRARY_PATH:-}
run() { "$B/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m ${JAVA_OPTS:--Xmx48g} \
          -cp "$B/lib/*" dev.sightline.cli.EngineMain "$@" 2> >(grep -v 'WARNING: Using incubator modules' >&2); }

echo "== golden conformance on OpenCL (tolerances of ../shared/tools/conformance.py)"
run conformance --golden "$B/golden" --device opencl; rc=$?
echo "== golden conformance on OpenCL, Q8_0 (not held to the exact tolerances)"
run conformance --golden "$B/golden" --device opencl --quantize q8_0
echo "== bench, tiny model (overheads: launch and transfer costs dominate)"
run bench --model "$B/golden/tiny-a" --device opencl --rounds 1 --decode-tokens 16 --prompt-tokens 128
[[ -n ${SKIP_FULL:-} ]] && exit $rc
echo "== bench, full-size random checkpoint at Q8_0 (the real shapes; ~8.3 GB written to ${CKPT:=/tmp/phi35})"
[[ -f $CKPT/config.json ]] || run make-checkpoint --preset phi-3.5-vision --out "$CKPT"
run bench --model "$CKPT" --device opencl --rounds 1 --quantize q8_0 --decode-tokens 8 --prompt-tokens 256 --opencl-memory-mb 1536
exit $rc
