#!/usr/bin/env bash
# Debian packages the project needs; installs only what is missing.
#   apt-deps.sh run   what `make run` needs (build deps of the Rasa venv)
#   apt-deps.sh test  the same plus the servers and tools the test suite uses
source "$(dirname "$0")/lib.sh"

# g++ and the Python headers: matplotlib 3.5.3 (a Rasa dependency) builds from source on 3.11.
packages=(python3-venv python3-dev g++ make libqhull-dev libfreetype-dev pkg-config)
# espeak-ng: the gateway's voice in stream mode (voice/speech.py), and the test callers' voices.
app_packages=(espeak-ng)
packages+=("${app_packages[@]}")
if [ "${1:-run}" = test ]; then
  packages+=(redis-server postgresql chromium fonts-dejavu-core)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
log "installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
