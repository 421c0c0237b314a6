#!/usr/bin/env bash
# Installs Sightline into a running Payara 7 domain with asadmin only (docs/deploying.md):
#  - JVM options: the Vector API module, FFM native access, a 4 MiB thread stack and the heap
#    (SIGHTLINE_HEAP; default 4g, or 6g with SIGHTLINE_QUANTIZE=q8_0, whose weights live on the heap);
#  - HTTP: at most 64 KiB of a refused request's body swallowed, a 10 s read timeout on the TCP
#    transport, SIGHTLINE_HTTP_THREADS workers (default 64: an open stream holds one while it writes);
#  - a health listener on SIGHTLINE_HEALTH_PORT (default 8081) with a pool of its own, so /health and
#    /metrics answer while every HTTP worker is busy;
#  - the datasource jdbc/sightline: an H2 database in the domain, or PostgreSQL with --db-url
#    (the password kept as a password alias, never in domain.xml);
#  - Sightline settings stored in the domain (--config key=value, MicroProfile Config);
#  - then a restart, and the EAR deployed (under --context-root, default /).
# Running it again updates everything in place. The domain must be running on this machine; name it
# (--domain, --domaindir) and its admin port (and --user/--passwordfile when the admin has a password).
set -euo pipefail
usage() {
  cat <<'EOF'
usage: install-into-domain.sh --asadmin PATH [options]
  --asadmin PATH            the asadmin of the Payara installation
  --domain NAME             the domain (default domain1)
  --domaindir DIR           the folder holding the domain (default: Payara's glassfish/domains)
  --admin-port N            the domain's admin port (default 4848)
  --user NAME               admin user (default admin)
  --passwordfile FILE       asadmin password file (AS_ADMIN_PASSWORD=...), if the admin has a password
  --ear FILE                the Sightline EAR to deploy
  --no-deploy               configure only: no restart, no deployment
  --context-root PATH       where the application answers (default /)
  --db-url URL              a PostgreSQL JDBC URL (default: an H2 database inside the domain)
  --db-user NAME            the database user
  --db-password-file FILE   a file holding only the database password
  --jdbc-driver JAR         the PostgreSQL JDBC driver jar (org.postgresql:postgresql), needed with --db-url
  --config KEY=VALUE        a Sightline setting kept in the domain, e.g. sightline.model.dir=/models/phi35 (repeatable)
EOF
}
ASADMIN="" DOMAIN=domain1 DOMAINDIR="" PORT=4848 ADMIN_USER=admin PASSFILE="" EAR="" DEPLOY=true CONTEXT_ROOT=/
DB_URL="" DB_USER="" DB_PASSWORD_FILE="" JDBC_DRIVER="" CONFIG=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --asadmin) ASADMIN=$2; shift 2 ;;
    --domain) DOMAIN=$2; shift 2 ;;
    --domaindir) DOMAINDIR=$2; shift 2 ;;
    --admin-port) PORT=$2; shift 2 ;;
    --user) ADMIN_USER=$2; shift 2 ;;
    --passwordfile) PASSFILE=$2; shift 2 ;;
    --ear) EAR=$2; shift 2 ;;
    --no-deploy) DEPLOY=false; shift ;;
    --context-root) CONTEXT_ROOT=$2; shift 2 ;;
    --db-url) DB_URL=$2; shift 2 ;;
    --db-user) DB_USER=$2; shift 2 ;;
    --db-password-file) DB_PASSWORD_FILE=$2; shift 2 ;;
    --jdbc-driver) JDBC_DRIVER=$2; shift 2 ;;
    --config) CONFIG+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-into-domain: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
fail() { echo "install-into-domain: $*" >&2; exit 2; }
[[ -x "$ASADMIN" ]] || fail "--asadmin must name Payara's bin/asadmin"
if $DEPLOY; then [[ -f "$EAR" ]] || fail "--ear must name the Sightline EAR (or pass --no-deploy)"; fi
[[ $CONTEXT_ROOT == /* ]] || fail "--context-root must start with / (got $CONTEXT_ROOT)"
if [[ -n $DB_URL ]]; then
  [[ $DB_URL == jdbc:postgresql://* ]] || fail "--db-url must be a PostgreSQL URL (jdbc:postgresql://host:port/database)"
  [[ -f $JDBC_DRIVER ]] || fail "--db-url needs --jdbc-driver: the PostgreSQL driver jar"
  [[ -n $DB_USER ]] || fail "--db-url needs --db-user"
  [[ -z $DB_PASSWORD_FILE || -f $DB_PASSWORD_FILE ]] || fail "no password file at $DB_PASSWORD_FILE"
fi
for kv in "${CONFIG[@]}"; do [[ $kv == sightline.*=* || $kv == mp.*=* ]] || fail "--config takes sightline.key=value (got $kv)"; done

case "${SIGHTLINE_QUANTIZE:-none}" in
  q8_0|q8|Q8_0|Q8) DEFAULT_HEAP=6g ;;
  *) DEFAULT_HEAP=4g ;;
esac
HEAP=${SIGHTLINE_HEAP:-$DEFAULT_HEAP}
HTTP_THREADS=${SIGHTLINE_HTTP_THREADS:-64}
HEALTH_PORT=${SIGHTLINE_HEALTH_PORT:-8081}

A=("$ASADMIN" --port "$PORT" --user "$ADMIN_USER" --interactive=false)
[[ -n $PASSFILE ]] && A+=(--passwordfile "$PASSFILE")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Several asadmin commands in one asadmin process (one JVM start, not one per command).
run_commands() {
  local file=$1
  [[ -s $file ]] || return 0
  "${A[@]}" multimode --file "$file" >"$WORK/out" 2>&1 || true
  if grep -q "failed\.\|remote failure" "$WORK/out"; then
    cat "$WORK/out" >&2
    fail "an asadmin command failed (above)"
  fi
}

# What the domain has already, read in one pass.
cat >"$WORK/read" <<'EOF'
list-jvm-options
list-threadpools server-config
list-protocols
list-network-listeners
get configs.config.server-config.http-service.virtual-server.server.network-listeners
list-jdbc-connection-pools
list-jdbc-resources
list-password-aliases
list-applications
EOF
"${A[@]}" multimode --file "$WORK/read" >"$WORK/state" 2>&1 \
  || { cat "$WORK/state" >&2; fail "cannot reach the domain's admin port $PORT (is the domain running?)"; }
has() { grep -qE "$1" "$WORK/state"; }

W="$WORK/write"
: >"$W"
# JVM options (the server reads them at its next start).
current_xmx=$(grep -oE '^-Xmx[0-9]+[kKmMgG]?' "$WORK/state" | head -1 || true)
if [[ $current_xmx != "-Xmx$HEAP" ]]; then
  [[ -n $current_xmx ]] && echo "delete-jvm-options $current_xmx" >>"$W"
  echo "create-jvm-options -Xmx$HEAP" >>"$W"
fi
for xss in $(grep -oE '^-Xss[0-9]+[kKmMgG]?' "$WORK/state" || true); do
  [[ $xss == -Xss4m ]] || echo "delete-jvm-options $xss" >>"$W"
done
has '^-Xss4m' || echo "create-jvm-options -Xss4m" >>"$W"
has '^--add-modules=jdk.incubator.vector' || echo "create-jvm-options --add-modules=jdk.incubator.vector" >>"$W"
has '^--enable-native-access=ALL-UNNAMED' || echo "create-jvm-options --enable-native-access=ALL-UNNAMED" >>"$W"

# HTTP: refused bodies are not swallowed past 64 KiB, stalled reads end, enough workers for streams.
NET=configs.config.server-config.network-config
for listener in http-listener-1 http-listener-2; do
  echo "set $NET.protocols.protocol.$listener.http.max-swallowing-input-bytes=65536" >>"$W"
done
echo "set $NET.transports.transport.tcp.read-timeout-millis=10000" >>"$W"
POOL=configs.config.server-config.thread-pools.thread-pool.http-thread-pool
echo "set $POOL.max-thread-pool-size=$HTTP_THREADS $POOL.min-thread-pool-size=8 $POOL.max-queue-size=4096" >>"$W"

# The health listener, its protocol and its own pool.
has '^sightline-health-pool' || echo "create-threadpool --maxthreadpoolsize 4 --minthreadpoolsize 1 --maxqueuesize 64 --target server-config sightline-health-pool" >>"$W"
protocol_exists=false listener_exists=false
awk '/^Command list-protocols/{exit} {print}' "$WORK/state" | grep -q '^sightline-health$' && protocol_exists=true
awk '/^Command list-protocols/{p=1; next} /^Command list-network-listeners/{exit} p{print}' "$WORK/state" | grep -q '^sightline-health$' && listener_exists=true
if ! $protocol_exists; then
  echo "create-protocol --target server-config sightline-health" >>"$W"
  echo "create-http --default-virtual-server server --max-connection 64 --target server-config sightline-health" >>"$W"
fi
if $listener_exists; then
  echo "set $NET.network-listeners.network-listener.sightline-health.port=$HEALTH_PORT" >>"$W"
else
  echo "create-network-listener --listenerport $HEALTH_PORT --protocol sightline-health --threadpool sightline-health-pool --transport tcp --target server-config sightline-health" >>"$W"
fi
vs_listeners=$(grep -oE 'virtual-server\.server\.network-listeners=.*' "$WORK/state" | head -1 | cut -d= -f2 || true)
if [[ ",$vs_listeners," != *",sightline-health,"* ]]; then
  echo "set configs.config.server-config.http-service.virtual-server.server.network-listeners=${vs_listeners:+$vs_listeners,}sightline-health" >>"$W"
fi

# A redeployment starts from a clean slate: the old application goes before its datasource changes.
if has '^sightline[[:space:]]+<'; then echo "undeploy sightline" >>"$W"; fi
run_commands "$W"

# The datasource, recreated each time so that switching databases is one run of this script.
: >"$W"
has '^jdbc/sightline$' && echo "delete-jdbc-resource jdbc/sightline" >>"$W"
has '^sightline-pool$' && echo "delete-jdbc-connection-pool sightline-pool" >>"$W"
RES=resources.jdbc-connection-pool.sightline-pool
if [[ -z $DB_URL ]]; then
  echo "create-jdbc-connection-pool --datasourceclassname org.h2.jdbcx.JdbcDataSource --restype javax.sql.DataSource sightline-pool" >>"$W"
  echo "set $RES.property.URL=jdbc:h2:\${com.sun.aas.instanceRoot}/lib/databases/sightline;AUTO_SERVER=TRUE" >>"$W"
else
  "${A[@]}" add-library --type common "$JDBC_DRIVER" >"$WORK/out" 2>&1 \
    || grep -q "already exists" "$WORK/out" || { cat "$WORK/out" >&2; fail "could not add the JDBC driver"; }
  echo "create-jdbc-connection-pool --datasourceclassname org.postgresql.ds.PGSimpleDataSource --restype javax.sql.DataSource sightline-pool" >>"$W"
  echo "set $RES.property.URL=$DB_URL $RES.property.user=$DB_USER" >>"$W"
  if [[ -n $DB_PASSWORD_FILE ]]; then
    # The password lives in the domain's password store; domain.xml only names the alias.
    (umask 077; printf 'AS_ADMIN_ALIASPASSWORD=%s\n' "$(cat "$DB_PASSWORD_FILE")" >"$WORK/alias")
    if has '^sightline-db$'; then verb=update-password-alias; else verb=create-password-alias; fi
    "${A[@]}" --passwordfile "$WORK/alias" $verb sightline-db >"$WORK/out" 2>&1 \
      || { cat "$WORK/out" >&2; fail "could not store the database password"; }
    echo "set $RES.property.password=\${ALIAS=sightline-db}" >>"$W"
  fi
fi
echo "set $RES.steady-pool-size=0 $RES.max-pool-size=32" >>"$W"
# A connection the database dropped (a PostgreSQL restart) is noticed and replaced, not handed out.
echo "set $RES.connection-validation-method=custom-validation $RES.validation-classname=org.glassfish.api.jdbc.validation.JDBC40ConnectionValidation" >>"$W"
echo "set $RES.is-connection-validation-required=true" >>"$W"
echo "create-jdbc-resource --connectionpoolid sightline-pool jdbc/sightline" >>"$W"
# The application answers 404 to anything but health on the health port, so it must know the port.
CONFIG=("sightline.health.port=$HEALTH_PORT" "${CONFIG[@]}")
for kv in "${CONFIG[@]}"; do
  echo "set-config-property --source domain --propertyname ${kv%%=*} --propertyvalue ${kv#*=}" >>"$W"
done
run_commands "$W"
echo "install-into-domain: configured (heap $HEAP, $HTTP_THREADS HTTP workers, health on port $HEALTH_PORT, jdbc/sightline on ${DB_URL:-H2 in the domain})"
$DEPLOY || exit 0

# JVM options, listeners and the driver take effect at the next start (restart-domain is a local
# command: it finds the domain by its folder, then asks its DAS to restart and waits for it).
RESTART=(restart-domain)
[[ -n $DOMAINDIR ]] && RESTART+=(--domaindir "$DOMAINDIR")
"${A[@]}" "${RESTART[@]}" "$DOMAIN" >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "the restart failed"; }
for _ in $(seq 1 120); do "${A[@]}" version >/dev/null 2>&1 && break; sleep 2; done

# The web module's context root is in the EAR's application.xml: a copy carries the one asked for.
DEPLOY_EAR=$EAR
if [[ $CONTEXT_ROOT != / ]]; then
  DEPLOY_EAR="$WORK/sightline.ear"
  python3 "$(dirname "$0")/ear-context-root.py" "$EAR" "$DEPLOY_EAR" "$CONTEXT_ROOT" || fail "could not set the context root"
fi
"${A[@]}" deploy --force=true --name sightline "$DEPLOY_EAR" >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "the deployment failed"; }
echo "install-into-domain: deployed at context root $CONTEXT_ROOT; readiness at /health/ready (port $HEALTH_PORT too)"
