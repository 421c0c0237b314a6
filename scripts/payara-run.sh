#!/usr/bin/env bash
# Runs Payara in the foreground with the Sightline EAR deployed; Ctrl-C stops it cleanly.
set -euo pipefail
PAYARA_HOME=${1:?usage: payara-run.sh PAYARA_HOME EAR}
EAR=${2:?usage: payara-run.sh PAYARA_HOME EAR}
HERE=$(cd "$(dirname "$0")" && pwd)
bash "$HERE/payara-prepare.sh" "$PAYARA_HOME" --keep-app
export AS_JAVA=${AS_JAVA:-$JAVA_HOME}
# Signal chaining for the server JVM, as in bin/sightline: native OpenCL libraries must not take over
# the SIGSEGV handler the JVM's compiled code relies on.
if [[ -f "$AS_JAVA/lib/libjsig.so" ]]; then export LD_PRELOAD="$AS_JAVA/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"; fi
ASADMIN="$PAYARA_HOME/bin/asadmin"
AUTODEPLOY="$PAYARA_HOME/glassfish/domains/domain1/autodeploy"
mkdir -p "$AUTODEPLOY"
# SIGHTLINE_CONTEXT_ROOT (default /) moves the UI and the API, e.g. to /ai.
CONTEXT_ROOT=${SIGHTLINE_CONTEXT_ROOT:-/}
BASE="http://localhost:8080${CONTEXT_ROOT%/}"
if [[ $CONTEXT_ROOT == / ]]; then
  cp "$EAR" "$AUTODEPLOY/sightline.ear.tmp"
else
  python3 "$HERE/ear-context-root.py" "$EAR" "$AUTODEPLOY/sightline.ear.tmp" "$CONTEXT_ROOT"
fi
mv "$AUTODEPLOY/sightline.ear.tmp" "$AUTODEPLOY/sightline.ear"
stop() { "$ASADMIN" stop-domain domain1 >/dev/null 2>&1 || true; }
trap stop INT TERM EXIT
KEY_FILE="$PAYARA_HOME/glassfish/domains/domain1/config/sightline-api-key"
# Once the model is ready (or has failed), say where to go, what answers and with which key.
announce() {
  local body=""
  for _ in $(seq 1 1800); do
    body=$(curl -s --max-time 5 http://localhost:8080/health/ready || true)
    [[ $body == *'"status":"UP"'* || $body == *load_error* ]] && break
    sleep 2
  done
  curl -s -o /dev/null --max-time 5 "$BASE/v1/models" || true  # the first API request sets the key up
  python3 "$HERE/announce.py" "$body" "$KEY_FILE" "$BASE/"
}
echo "Sightline is starting on Payara ($BASE/); the address and the key follow once the model is ready."
announce &
"$ASADMIN" start-domain --verbose domain1
