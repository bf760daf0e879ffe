#!/usr/bin/env bash
# `make run`: installs what is missing, trains when the data changed, migrates,
# loads the demo portfolio on first start, then starts every process.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/apt-deps.sh run
bash scripts/venv-app.sh
bash scripts/venv-rasa.sh
bash scripts/train.sh

# Ports derive from PORT so two stacks can run side by side (PORT=9000 make run).
export PORT="${PORT:-8000}" HOST="${HOST:-127.0.0.1}"
export GATEWAY_PORT="$PORT"
export RASA_PORT="${RASA_PORT:-$((PORT + 5))}" ACTIONS_PORT="${ACTIONS_PORT:-$((PORT + 55))}"
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:$ACTIONS_PORT/webhook}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONUNBUFFERED=1
# glibc gives every thread that allocates its own heap arena; calls in stream mode each have a
# recognizer thread, and a few arenas instead of one per call keep memory per call down.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

# `python -m` from the clone runs this clone's code even when another clone installed the venv last.
collect() { .venv/bin/python -m cli.main "$@"; }
collect check-settings >/dev/null   # a bad value stops here with a clear message
collect migrate
collect demo --if-empty

log "starting gateway :$GATEWAY_PORT, rasa :$RASA_PORT, actions :$ACTIONS_PORT, worker (Ctrl-C stops all)"
exec .venv/bin/honcho start -f Procfile --no-colour
