#!/usr/bin/env bash
# Patches an unpacked Payara's domain1 for Sightline (idempotent):
#  - JVM options the engine needs on JDK 25 (Vector API incubator module, FFM native access),
#  - at most 64 KiB of a refused request's unread body swallowed before its connection closes,
#  - the HTTP worker pool (SIGHTLINE_HTTP_THREADS, default 64; Payara's default is 5): every open
#    stream holds a worker while it writes, and health must still answer beside them,
#  - a 10 s read timeout on the TCP transport, so a request body read on a worker cannot stall it,
#  - a health listener (SIGHTLINE_HEALTH_PORT, default 8081) with its own small worker pool, so
#    /health and /metrics answer while every HTTP worker is busy; the API is not served there,
#  - the heap (SIGHTLINE_HEAP; default 4g, where bf16 weights are memory-mapped outside the heap,
#    and 6g with SIGHTLINE_QUANTIZE=q8_0, whose 4.2 GB of quantised weights live on the heap).
# Used by the integration tests (the managed Arquillian connector cannot set JVM options)
# and by scripts/payara-run.sh.
set -euo pipefail
PAYARA_HOME=${1:?usage: payara-prepare.sh PAYARA_HOME}
case "${SIGHTLINE_QUANTIZE:-none}" in
  q8_0|q8|Q8_0|Q8) DEFAULT_HEAP=6g ;;
  *) DEFAULT_HEAP=4g ;;
esac
HEAP=${SIGHTLINE_HEAP:-$DEFAULT_HEAP}
HTTP_THREADS=${SIGHTLINE_HTTP_THREADS:-64}
HEALTH_PORT=${SIGHTLINE_HEALTH_PORT:-8081}
DOMAIN_XML="$PAYARA_HOME/glassfish/domains/domain1/config/domain.xml"
[[ -f "$DOMAIN_XML" ]] || { echo "payara-prepare: no domain.xml at $DOMAIN_XML" >&2; exit 1; }

# Only the server-config <java-config> is patched: it is the first one in the file.
python3 - "$DOMAIN_XML" "$HEAP" "$HTTP_THREADS" "$HEALTH_PORT" <<'PY'
import re, sys
path, heap, threads, health_port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
xml = open(path, encoding="utf-8").read()
marker = "<!-- sightline -->"
start = xml.index("<java-config")
end = xml.index("</java-config>", start)
block = xml[start:end]
block = re.sub(r"\s*<!-- sightline -->.*?<!-- /sightline -->", "", block, flags=re.S)
block = re.sub(r"<jvm-options>-Xmx[^<]*</jvm-options>", f"<jvm-options>-Xmx{heap}</jvm-options>", block, count=1)
ours = ["--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m"]
inject = "\n                " + marker + "".join(f"<jvm-options>{o}</jvm-options>" for o in ours) + "<!-- /sightline -->"
block = block.replace("<jvm-options>-server</jvm-options>", "<jvm-options>-server</jvm-options>" + inject, 1)
xml = xml[:start] + block + xml[end:]
# A refused request's unread body is not swallowed (Grizzly's default is unlimited): the connection
# closes after the answer instead of waiting for the rest of a stalled or oversized upload.
cfg_end = xml.index("</config>")
head, tail = xml[:cfg_end], xml[cfg_end:]
head = re.sub(r'<http (?![^>]*max-swallowing-input-bytes)(?=[^>]*default-virtual-server="server")', '<http max-swallowing-input-bytes="65536" ', head)
# The health listener: its protocol, its listener (port updated on every run) and its own pool.
if 'name="sightline-health"' not in head:
    head = head.replace("</protocols>", '  <protocol name="sightline-health">\n'
        '            <http max-connections="64" default-virtual-server="server"><file-cache></file-cache></http>\n'
        '          </protocol>\n        </protocols>', 1)
    head = head.replace("</network-listeners>", '  <network-listener protocol="sightline-health" port="0" name="sightline-health" '
        'thread-pool="sightline-health-pool" transport="tcp"></network-listener>\n        </network-listeners>', 1)
    head = head.replace("</thread-pools>", '  <thread-pool name="sightline-health-pool" min-thread-pool-size="1" max-thread-pool-size="4" '
        'max-queue-size="64"></thread-pool>\n      </thread-pools>', 1)
# The server-config's virtual server "server" serves the health listener too (attributes in either
# order: a pristine domain.xml has id first, one Payara has rewritten has it last).
vs = re.search(r'<virtual-server\b[^>]*\bid="server"[^>]*>', head)
if 'sightline-health' not in vs.group(0):
    tag = re.sub(r'network-listeners="([^"]*)"', lambda m: 'network-listeners="' + m.group(1) + ',sightline-health"', vs.group(0), count=1)
    head = head[:vs.start()] + tag + head[vs.end():]
head = re.sub(r'(<network-listener protocol="sightline-health" port=")[^"]*', lambda m: m.group(1) + health_port, head, count=1)
# A blocking read of a request body (the few read on a worker) gives up after 10 s without a byte.
head = re.sub(r'<transport name="tcp"(?![^>]*read-timeout-millis)', '<transport name="tcp" read-timeout-millis="10000"', head, count=1)
xml = head + tail
# The server-config's HTTP worker pool (the first one in the file).
xml = re.sub(r'<thread-pool [^>]*name="http-thread-pool"[^>]*?(/>|></thread-pool>)',
             f'<thread-pool name="http-thread-pool" max-queue-size="4096" min-thread-pool-size="8" max-thread-pool-size="{threads}"></thread-pool>',
             xml, count=1)
# A run that was killed may have left the application registered: remove stale registrations.
xml = re.sub(r"\s*<application [^>]*name=\"sightline\".*?</application>", "", xml, flags=re.S)
xml = re.sub(r"\s*<application-ref [^>]*ref=\"sightline\"[^>]*?(?:/>|>\s*</application-ref>)", "", xml)
open(path, "w", encoding="utf-8").write(xml)
PY
DOMAIN="$PAYARA_HOME/glassfish/domains/domain1"
rm -rf "$DOMAIN/applications/sightline" "$DOMAIN/generated/"*/sightline "$DOMAIN/autodeploy/sightline.ear"_* \
       "$DOMAIN/autodeploy/.autodeploystatus/sightline.ear" 2>/dev/null || true
echo "payara-prepare: domain1 patched (heap $HEAP, $HTTP_THREADS HTTP workers, health on port $HEALTH_PORT, jdk.incubator.vector, native access)"
