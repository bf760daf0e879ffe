# Shared helpers for the set-up scripts. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Venvs and trained models live outside the clone, keyed by the hash of what
# built them, so a fresh clone on the same machine reuses them.
CACHE_DIR="${COLLECT_CACHE_DIR:-$HOME/.cache/collect}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

hash_files() {
  # Stable hash of file contents (paths relative to ROOT, sorted).
  (cd "$ROOT" && find "$@" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 2>/dev/null \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# make_venv NAME HASH INSTALL_FUNCTION LINK
# Builds $CACHE_DIR/venvs/NAME-HASH once (a marker file says it completed),
# then points LINK (inside the clone) at it. A lock per venv makes a second
# clone (or a second `make`) wait for a build in progress instead of undoing it.
make_venv() {
  local name="$1" hash="$2" install="$3" link="$4"
  local dir="$CACHE_DIR/venvs/$name-$hash"
  mkdir -p "$CACHE_DIR/venvs"
  exec {lock_fd}>"$CACHE_DIR/venvs/.$name-$hash.lock"
  flock "$lock_fd"
  if [ ! -f "$dir/.complete" ]; then
    log "building the $name venv in $dir (first time for this lock file)"
    rm -rf "$dir"
    mkdir -p "$CACHE_DIR/venvs"
    "$PYTHON" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --upgrade "pip<25" wheel setuptools
    "$install" "$dir"
    touch "$dir/.complete"
  fi
  flock -u "$lock_fd"
  exec {lock_fd}>&-
  ln -sfn "$dir" "$ROOT/$link"
}
