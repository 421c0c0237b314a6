#!/usr/bin/env bash
# A long fuzzing run of one target (the same fuzz tests bin/test runs for 15 s each):
#   scripts/fuzz.sh web ChatRequestFuzzTest [seconds]
#   scripts/fuzz.sh engine SafeTensorsHeaderFuzzTest|TokenizerFuzzTest|ImageDecoderFuzzTest [seconds]
#   scripts/fuzz.sh ingest ArchiveScreenFuzzTest [seconds]
# Findings are written to target/fuzz/<target>/ (crash-*); copy one into the test's Inputs
# directory under src/test/resources to keep it as a regression test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODULE=${1:?usage: fuzz.sh MODULE TARGET [SECONDS]}
TARGET=${2:?usage: fuzz.sh MODULE TARGET [SECONDS]}
SECONDS_TO_RUN=${3:-3600}
cd "$ROOT"
source scripts/env.sh
mvn -B -ntp -q -pl "$MODULE" -am install -DskipTests
CP_FILE="$MODULE/target/fuzz.classpath"
mvn -B -ntp -q -pl "$MODULE" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$ROOT/$CP_FILE"
CLASS=$(cd "$MODULE/src/test/java" && grep -rl "class $TARGET\b" . | head -1 | sed 's#^\./##; s#\.java$##; s#/#.#g')
[[ -n "$CLASS" ]] || { echo "fuzz.sh: no fuzz test $TARGET in $MODULE" >&2; exit 2; }
OUT="$MODULE/target/fuzz/$TARGET"
SEEDS=$(ls -d "$MODULE"/src/test/resources/*/*/*/"${TARGET}Inputs"/* "$MODULE"/src/test/resources/*/*/*/*/"${TARGET}Inputs"/* 2>/dev/null | head -1 || true)
mkdir -p "$OUT/corpus"
[[ -n "$SEEDS" ]] && cp -n "$SEEDS"/* "$OUT/corpus/" 2>/dev/null || true
cd "$MODULE"
exec java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+EnableDynamicAgentLoading \
  -cp "target/test-classes:target/classes:$(cat "$ROOT/$CP_FILE")" com.code_intelligence.jazzer.Jazzer \
  --target_class="$CLASS" --instrumentation_includes='dev.sightline.**' \
  -max_total_time="$SECONDS_TO_RUN" -artifact_prefix="$ROOT/$OUT/" "$ROOT/$OUT/corpus"
