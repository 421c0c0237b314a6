#!/usr/bin/env bash
# Prepares the unpacked Payara's domain1 for Sightline, for the integration tests (the managed
# Arquillian connector cannot set JVM options) and for scripts/payara-run.sh: it starts the domain,
# applies scripts/install-into-domain.sh without deploying (JVM options, HTTP limits, the health
# listener, jdbc/sightline on H2), and stops it. A domain already prepared with the same settings
# is left alone, so a second bin/serve starts at once.
set -euo pipefail
PAYARA_HOME=${1:?usage: payara-prepare.sh PAYARA_HOME [--keep-app]}
# bin/serve keeps its autodeployed application between runs; the tests start without one.
KEEP_APP=false; [[ ${2:-} == --keep-app ]] && KEEP_APP=true
HERE=$(cd "$(dirname "$0")" && pwd)
DOMAIN="$PAYARA_HOME/glassfish/domains/domain1"
[[ -f "$DOMAIN/config/domain.xml" ]] || { echo "payara-prepare: no domain1 under $PAYARA_HOME" >&2; exit 1; }
export AS_JAVA=${AS_JAVA:-$JAVA_HOME}
ASADMIN="$PAYARA_HOME/bin/asadmin"

STAMP="$DOMAIN/config/sightline-prepared"
WANT="$(sha256sum "$HERE/install-into-domain.sh" | cut -c1-16) heap=${SIGHTLINE_HEAP:-} quantize=${SIGHTLINE_QUANTIZE:-} threads=${SIGHTLINE_HTTP_THREADS:-} health=${SIGHTLINE_HEALTH_PORT:-}"
# A run that was killed may have left the application registered; the full pass undeploys it.
if [[ -f $STAMP && $(cat "$STAMP") == "$WANT" ]] \
   && { $KEEP_APP || ! grep -q '<application [^>]*name="sightline"' "$DOMAIN/config/domain.xml"; }; then
  echo "payara-prepare: domain1 already prepared"
  exit 0
fi

"$ASADMIN" stop-domain domain1 >/dev/null 2>&1 || true
"$ASADMIN" start-domain domain1 >/dev/null
trap '"$ASADMIN" stop-domain domain1 >/dev/null 2>&1 || true' EXIT
bash "$HERE/install-into-domain.sh" --asadmin "$ASADMIN" --admin-port 4848 --no-deploy
"$ASADMIN" stop-domain domain1 >/dev/null
trap - EXIT
rm -rf "$DOMAIN/applications/sightline" "$DOMAIN/generated/"*/sightline "$DOMAIN/autodeploy/sightline.ear"_* \
       "$DOMAIN/autodeploy/.autodeploystatus/sightline.ear" 2>/dev/null || true
echo "$WANT" >"$STAMP"
echo "payara-prepare: domain1 prepared"
