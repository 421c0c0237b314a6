#!/usr/bin/env bash
# Builds target/device/: everything scripts/device-check.sh needs on a GPU machine that has no Java
# and no package registry — a jlink'ed JDK 25 runtime, the engine jars (no Tika/OpenCV), Debian's
# OpenCL ICD loader (libOpenCL.so.1) and the public golden set. About 60 MB; run here after a build.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/env.sh"
GOLDEN=$ROOT/engine/src/test/resources/golden
OUT=$ROOT/target/device
cd "$ROOT"
[[ -f cli/target/sightline-cli-0.1.0-SNAPSHOT.jar ]] || mvn -B -ntp -q -DskipTests install
rm -rf "$OUT"; mkdir -p "$OUT/lib" "$OUT/golden"

"$JAVA_HOME/bin/jlink" --add-modules java.base,java.desktop,java.logging,java.management,jdk.incubator.vector,jdk.unsupported \
  --strip-native-debug-symbols=exclude-debuginfo-files --strip-java-debug-attributes --no-man-pages --no-header-files \
  --compress=zip-9 --output "$OUT/jre"

mvn -B -ntp -q -pl cli dependency:build-classpath -Dmdep.outputFile="$OUT/cp.txt" >/dev/null
tr ':' '\n' < "$OUT/cp.txt" | while read -r jar; do
  case $(basename "$jar") in
    sightline-gpu-*|sightline-engine-*|twelvemonkeys-*|imageio-*|common-*|picocli-*|jackson-core-*|jackson-databind-*|jackson-annotations-*|aparapi-*|bcel-*|scala-library-*|commons-lang3-*)
      cp "$jar" "$OUT/lib/" ;;
  esac
done
rm "$OUT/cp.txt"
cp cli/target/sightline-cli-0.1.0-SNAPSHOT.jar "$OUT/lib/"
# aparapi-jni carries native libraries for every platform; keep the x86-64 Linux one.
jni=$(ls "$OUT"/lib/aparapi-jni-*.jar)
tmp=$(mktemp -d); (cd "$tmp" && unzip -q "$jni" && find . -name '*.so' ! -name 'libaparapi_x86_64.so' -delete \
  && find . -name '*.dll' -delete -o -name '*.dylib' -delete && rm -f "$jni" && zip -q -r "$jni" .); rm -rf "$tmp"
# The ICD loader from Debian's ocl-icd-libopencl1 (scripts/setup.sh installs it).
cp -L "$(ldconfig -p | awk '/libOpenCL.so.1 .*x86-64/ {print $NF; exit}')" "$OUT/lib/libOpenCL.so.1"
cp -r "$GOLDEN/manifest.json" "$GOLDEN/cases" "$GOLDEN/images" "$GOLDEN/tiny-a" "$OUT/golden/"
rm -f "$OUT"/golden/cases/*.step_logits.f32   # the Java check compares the last-prompt logits only
# One compressed file: the device run carries at most 64 MiB of untracked paths.
tar -C "$ROOT/target" -cJf "$ROOT/target/device.tar.xz" device
du -sh "$OUT" "$ROOT/target/device.tar.xz"
