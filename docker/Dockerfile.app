# The app image: gateway, action server, worker and the one-shot migration
# (docker-compose.yml gives each its Procfile command). Build from the repo root:
#   docker build -f docker/Dockerfile.app .
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    PATH=/opt/venv/bin:$PATH

RUN useradd --create-home --uid 10001 --user-group collect

# espeak-ng speaks in stream mode (scripts/apt-deps.sh app_packages).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends espeak-ng \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first (this layer changes only with the lock file), in a venv
# made like scripts/lib.sh makes it.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet --upgrade "pip<25" wheel setuptools
COPY requirements/app.lock /tmp/app.lock
RUN /opt/venv/bin/pip install --quiet -r /tmp/app.lock && rm /tmp/app.lock

# The code (what .dockerignore leaves), then the project itself for the
# `collect` entry point: not editable, unlike scripts/venv-app.sh, since the
# image never changes. The Procfile commands name .venv/bin/...: /app/.venv
# gives the image the same layout as a clone.
WORKDIR /app
COPY . .
RUN /opt/venv/bin/pip install --quiet --no-deps --no-build-isolation . \
 && rm -rf build ./*.egg-info \
 && ln -s /opt/venv /app/.venv

USER collect
