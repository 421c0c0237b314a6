# Sourced by bin/* and .ci/run: JDK 25 for Maven, the tests, the CLI and Payara (AS_JAVA).
if [[ -z "${JAVA_HOME:-}" || ! -x "${JAVA_HOME}/bin/java" ]] || ! "${JAVA_HOME}/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-25-openjdk-arm64; do
    if [[ -x "$candidate/bin/java" ]]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
export AS_JAVA="${JAVA_HOME:-}"
export PATH="${JAVA_HOME:-/usr}/bin:$PATH"
# Maven's bundled Guava/Guice use sun.misc.Unsafe, which JDK 25 warns about on every call.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
