#!/usr/bin/env bash
# The PostgreSQL leg: the same tests against a throwaway database on 127.0.0.1:5432.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST="${YOUFU_PG_HOST:-127.0.0.1}"
PORT="${YOUFU_PG_PORT:-5432}"

if ! $BIN/python - "$HOST" "$PORT" <<'PY'
import sys
import psycopg
try:
    psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user="postgres", dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
PY
then
    if [ "${CI:-}" = "true" ]; then
        echo "FAILED: PostgreSQL is not reachable at $HOST:$PORT (CI=true requires the PostgreSQL leg)" >&2
        exit 1
    fi
    echo "##########################################################################"
    echo "### SKIPPED: PostgreSQL leg — no server at $HOST:$PORT (user postgres)"
    echo "##########################################################################"
    exit 0
fi

# pytest-django creates test_<name>[_gwN] and drops it afterwards; the random name keeps
# two runs on one server apart.
name="youfu_$(date +%s)_$$"
export YOUFU_DATABASE_URL="postgres://postgres@$HOST:$PORT/$name"
echo "PostgreSQL leg: $HOST:$PORT, throwaway database test_$name"
exec $BIN/pytest -m "not browser" -n 2 -q --create-db
