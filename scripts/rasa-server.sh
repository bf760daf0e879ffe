#!/usr/bin/env bash
# Serves the trained model: REST channel plus the token-protected HTTP API.
# The endpoints (action server, tracker and lock stores) are rendered from the
# same settings as every other process.
source "$(dirname "$0")/lib.sh"
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1
# Rasa's dependencies warn about their own deprecated APIs at every start.
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"
: "${RASA_PORT:=5005}"
endpoints="$(mktemp --suffix=.yml)"
"$ROOT/.venv/bin/python" -m integrations.rasa_endpoints > "$endpoints"
cd "$ROOT"
exec .venv-rasa/bin/rasa run --enable-api --auth-token "${RASA_TOKEN:-dev-rasa-token}" \
  --interface "${RASA_HOST:-127.0.0.1}" --port "$RASA_PORT" \
  --model models/current.tar.gz --endpoints "$endpoints" --credentials bot/credentials.yml
