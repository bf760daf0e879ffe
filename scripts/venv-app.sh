#!/usr/bin/env bash
# The app venv: gateway, action server, worker, CLI and tests (Python 3.11).
# Dependencies come from requirements/app.lock and are cached outside the
# clone; the project itself is installed editable on every call (a second),
# so the `collect` entry point always runs this clone's code.
source "$(dirname "$0")/lib.sh"

install_app() {
  "$1/bin/pip" install --quiet -r "$ROOT/requirements/app.lock"
}

make_venv app "$(hash_files requirements/app.lock)" install_app .venv
"$ROOT/.venv/bin/pip" install --quiet --no-deps --no-build-isolation -e "$ROOT" 2>&1 \
  | grep -v "^WARNING: Location" >&2 || true
