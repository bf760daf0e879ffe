#!/usr/bin/env bash
# Trains the Rasa model when its training data changed; otherwise reuses the
# model trained for the same data (cached outside the clone, keyed by hash).
# The result is always models/current.tar.gz.
source "$(dirname "$0")/lib.sh"

TRAINING_INPUTS=(bot/config.yml bot/domain nlu_data/en nlu_data/fr nlu_data/de nlu_data/shared flows/rules flows/stories
  requirements/rasa-constraints.txt)
hash="$(hash_files "${TRAINING_INPUTS[@]}")"
cached="$CACHE_DIR/models/$hash.tar.gz"

if [ ! -f "$cached" ]; then
  log "training the Rasa model (data hash $hash)"
  mkdir -p "$CACHE_DIR/models"
  tmp="$(mktemp -d)"
  (cd "$ROOT" && RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    .venv-rasa/bin/rasa train --quiet \
      --config bot/config.yml --domain bot/domain \
      --data nlu_data/en nlu_data/fr nlu_data/de nlu_data/shared flows/rules flows/stories \
      --out "$tmp" --fixed-model-name "$hash")
  mv "$tmp/$hash.tar.gz" "$cached"
  rm -rf "$tmp"
fi
mkdir -p "$ROOT/models"
cp "$cached" "$ROOT/models/current.tar.gz.tmp"
mv "$ROOT/models/current.tar.gz.tmp" "$ROOT/models/current.tar.gz"
echo "$hash" > "$ROOT/models/current.hash"
