#!/usr/bin/env bash
# Serve the demo: a queue worker (huey on SQLite: no extra server) beside the web server.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"

$BIN/youfu run_huey --workers 2 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM

echo
echo "youfu: http://127.0.0.1:${PORT}/   (Ctrl-C stops the server and the worker)"
echo
$BIN/youfu runserver --noreload "127.0.0.1:${PORT}"
