#!/usr/bin/env bash
# A real STAC API on 127.0.0.1 for the `stac` tests and the docs' worked example: PostgreSQL 15 + PostGIS from
# Debian, the pgstac schema (pypgstac migrate) and stac-fastapi-pgstac under uvicorn, the server software the
# Planetary Computer runs. The Python side lives in its own venv (the pins of the `stac-server` extra in
# pyproject.toml), so the project's own dependencies are never touched.
#
#   scripts/stac_server.sh start    # idempotent; prints STAC_API_URL=http://127.0.0.1:PORT
#   scripts/stac_server.sh stop     # stops both servers and removes the temporary data directory
#   scripts/stac_server.sh status
#
# The transactions extension is on, so tests load collections and items with plain HTTP POSTs.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${STAC_SERVER_DIR:-/tmp/landcover-stac-server}
VENV=${STAC_SERVER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/landcover/stac-server-venv}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PYTHON=${PYTHON:-python3}

as_db_user() {  # initdb and postgres refuse to run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg_start() {  # DATA SOCKET_DIR PORT: no durability needed for a throw-away database
    as_db_user "$PGBIN/pg_ctl" -D "$1" -l "$2/postgres.log" -w \
        -o "-k $2 -h 127.0.0.1 -p $3 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null
}

running() { [ -f "$STATE/api.pid" ] && kill -0 "$(cat "$STATE/api.pid")" 2>/dev/null; }

ensure_packages() {
    if [ -z "$PGBIN" ] || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
        SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
        echo "stac_server: installing postgresql and postgresql-15-postgis-3 with apt-get" >&2
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq --no-install-recommends postgresql postgresql-15-postgis-3 >/dev/null
        PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    local pins stamp="$VENV/.pins"
    pins=$("$PYTHON" -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["stac-server"]))')
    if [ ! -x "$VENV/bin/uvicorn" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$pins" ]; then
        echo "stac_server: installing $pins with pip into $VENV" >&2
        "$PYTHON" -m venv "$VENV"
        # shellcheck disable=SC2086
        "$VENV/bin/pip" install -q $pins
        rm -rf "$VENV/pgstac-template"  # migrated by the previous pypgstac
        echo "$pins" >"$stamp"
    fi
}

start() {
    if running; then
        cat "$STATE/env"
        return
    fi
    stop >/dev/null 2>&1 || true
    ensure_packages
    mkdir -p "$STATE"
    local pgdir pgdata pgport apiport dsn
    # The database lives in a directory of its own under /tmp that the postgres user can reach (as root,
    # initdb and postgres run as that user), whatever the permissions of $STATE's parents.
    pgdir=$(mktemp -d /tmp/landcover-pgstac.XXXXXX)
    echo "$pgdir" >"$STATE/pgdir"
    [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
    pgdata="$pgdir/data"
    pgport=$(free_port)
    apiport=$(free_port)
    dsn="postgresql://postgres@127.0.0.1:$pgport/postgres"
    # A database with the pgstac schema migrated is kept beside the venv and copied: a start takes seconds.
    local template="$VENV/pgstac-template"
    if [ ! -f "$template/PG_VERSION" ]; then
        as_db_user "$PGBIN/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$STATE/initdb.log"
        pg_start "$pgdata" "$pgdir" "$pgport"
        "$VENV/bin/pypgstac" migrate --dsn "$dsn" >"$STATE/migrate.log" 2>&1
        as_db_user "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
        rm -rf "$template.tmp" && cp -a "$pgdata" "$template.tmp" && rm -f "$template.tmp/postmaster.pid" &&
            mv "$template.tmp" "$template"
    else
        cp -a "$template" "$pgdata"
    fi
    pg_start "$pgdata" "$pgdir" "$pgport"
    PGUSER=postgres PGPASSWORD=unused PGHOST=127.0.0.1 PGPORT=$pgport PGDATABASE=postgres \
        ENABLE_TRANSACTIONS_EXTENSIONS=true \
        nohup "$VENV/bin/uvicorn" stac_fastapi.pgstac.app:create_app --factory \
        --host 127.0.0.1 --port "$apiport" --log-level warning >"$STATE/api.log" 2>&1 &
    echo $! >"$STATE/api.pid"
    printf 'STAC_API_URL=http://127.0.0.1:%s\nSTAC_API_DSN=%s\n' "$apiport" "$dsn" >"$STATE/env"
    for _ in $(seq 100); do
        if "$PYTHON" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$apiport/_mgmt/ping', timeout=1)" 2>/dev/null; then
            cat "$STATE/env"
            return
        fi
        kill -0 "$(cat "$STATE/api.pid")" 2>/dev/null || break
        sleep 0.2
    done
    echo "stac-fastapi-pgstac did not start: see $STATE/api.log" >&2
    tail -5 "$STATE/api.log" >&2
    stop
    exit 1
}

stop() {
    if [ -f "$STATE/api.pid" ]; then
        kill "$(cat "$STATE/api.pid")" 2>/dev/null || true
    fi
    if [ -f "$STATE/pgdir" ]; then
        local pgdir
        pgdir=$(cat "$STATE/pgdir")
        if [ -f "$pgdir/data/postmaster.pid" ]; then
            as_db_user "$PGBIN/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$pgdir"
    fi
    rm -rf "$STATE"
    echo "stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) if running; then cat "$STATE/env"; else echo "not running"; exit 1; fi ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
