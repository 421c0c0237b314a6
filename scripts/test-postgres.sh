#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, from Debian's binaries (scripts/setup.sh installs them):
#   test-postgres.sh start DIR PORT   creates a cluster in DIR with user and database "sightline"
#                                     (password "sightline" over TCP, as a deployment would use),
#                                     starts it on 127.0.0.1:PORT and waits for it
#   test-postgres.sh stop DIR         stops it (the caller deletes DIR)
# PostgreSQL refuses to run as root, so under root the server runs as the "postgres" user.
set -euo pipefail
cmd=${1:?usage: test-postgres.sh start DIR PORT | stop DIR}
dir=${2:?data directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/initdb" ]] || { echo "test-postgres: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    port=${3:?port}
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
    chmod 700 "$dir"
    echo sightline >"$dir/pw"
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir/pw"
    as_owner "$bin/initdb" -D "$dir/data" -U sightline --pwfile="$dir/pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h "$dir" -p "$port" -U sightline sightline
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "test-postgres: unknown command $cmd" >&2; exit 2 ;;
esac
