#!/usr/bin/env bash
# The Rasa venv: Rasa Open Source 3.6.21 on Python 3.11.
# Rasa declares Python <3.11; it runs on 3.11 when installed with
# --ignore-requires-python and constraints holding the pins its metadata gates
# on python_version<"3.11" (see DEVELOPERS.md).
source "$(dirname "$0")/lib.sh"

install_rasa() {
  local dir="$1"
  MPLSETUPCFG="$ROOT/requirements/mplsetup.cfg" "$dir/bin/pip" install --quiet \
    --ignore-requires-python \
    -c "$ROOT/requirements/rasa-constraints.txt" \
    -r "$ROOT/requirements/rasa.txt"
}

make_venv rasa "$(hash_files requirements/rasa.txt requirements/rasa-constraints.txt requirements/mplsetup.cfg)" install_rasa .venv-rasa
