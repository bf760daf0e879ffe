"""docker-compose.yml and docker/ stay true to the local set (Procfile, scripts, settings).

Checked without Docker: the files are parsed, interpolated the way `docker
compose config` does, and compared with the Procfile, scripts/ and
core/settings.py. The HTTP health checks run against a stub server.
"""

from __future__ import annotations

import ast
import fnmatch
import re
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import Settings, load_settings
from integrations.rasa_endpoints import rasa_endpoints

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_DOCKERFILE = ROOT / "docker" / "Dockerfile.app"
RASA_DOCKERFILE = ROOT / "docker" / "Dockerfile.rasa"
BASE_IMAGE = "python:3.11-slim-bookworm"

APP_SERVICES = ("gateway", "actions", "worker", "migrate")
SERVICES = {"gateway", "rasa", "actions", "worker", "redis", "postgres", "migrate"}
ONE_SHOT = {"migrate"}
# Procfile processes that only make sense on a developer machine: `ready`
# prints the URLs to open once the stack answers (compose health checks instead).
LOCAL_ONLY_PROCESSES = {"ready"}
# What each process runs: the Procfile and the compose commands must agree.
PROGRAMS = {
    "gateway": "uvicorn server:app",
    "actions": "rasa_sdk --actions bot.actions",
    "worker": "campaigns.worker",
    "rasa": "scripts/rasa-server.sh",
}
REQUIRED_SECRETS = (
    "API_TOKEN",
    "RASA_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM_NUMBER",
    "PUBLIC_BASE_URL",
    "POSTGRES_PASSWORD",
    "PAYMENT_IBAN",
)
# Variables the processes read that are not settings (ports, bind addresses, runtime switches).
NON_SETTINGS_VARIABLES = {
    "HOST",
    "GATEWAY_PORT",
    "RASA_HOST",
    "RASA_PORT",
    "ACTIONS_PORT",
    "RASA_TELEMETRY_ENABLED",
    "SQLALCHEMY_SILENCE_UBER_WARNING",
    "PYTHONUNBUFFERED",
    "MALLOC_ARENA_MAX",
}
SETTINGS_VARIABLES = {name.upper() for name in Settings.model_fields}
# Values that would pass the production checks of core/settings.py.
PRODUCTION_ENV = {
    "API_TOKEN": "api-token-0123456789abcdef",
    "RASA_TOKEN": "rasa-token-0123456789abcdef",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "twilio-token-0123456789abcdef",
    "TWILIO_FROM_NUMBER": "+33612345678",
    "PUBLIC_BASE_URL": "https://collect.example.org",
    "POSTGRES_PASSWORD": "pg-password-0123456789",
    "PAYMENT_IBAN": "DE89370400440532013000",
}
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 (an expected value, nothing binds here)


# --- compose interpolation ------------------------------------------------------------------

# $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, ${VAR:+alt}, $VAR
VARIABLE = re.compile(
    r"\$(?:(?P<dollar>\$)|\{(?P<name>\w+)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|(?P<bare>\w+))"
)


class MissingVariableError(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"required variable {name} is missing a value: {message}")
        self.name = name
        self.message = message


def interpolate_text(text: str, env: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match["dollar"]:
            return "$"
        name = match["name"] or match["bare"]
        op, arg = match["op"], match["arg"] or ""
        value = env.get(name)
        missing = value is None or (op is not None and op.startswith(":") and value == "")
        if op in (":-", "-"):
            return arg if missing else str(value)
        if op in (":?", "?"):
            if missing:
                raise MissingVariableError(name, arg)
            return str(value)
        if op in (":+", "+"):
            return "" if missing else arg
        return value or ""

    return VARIABLE.sub(replace, text)


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Values are interpolated after parsing (keys are not), as compose does."""
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env) for value in node]
    if isinstance(node, str):
        return interpolate_text(node, env)
    return node


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def container_environment(service: dict[str, Any], host_env: dict[str, str]) -> dict[str, str]:
    """A service's environment once interpolated; a key without value passes the host's on, if any."""
    environment = interpolate(service.get("environment") or {}, host_env)
    assert isinstance(environment, dict), "environment is written as a map"
    resolved = {}
    for name, value in environment.items():
        if value is None:
            if name in host_env:
                resolved[name] = host_env[name]
        else:
            resolved[name] = str(value)
    return resolved


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def resolved(compose: dict[str, Any]) -> dict[str, Any]:
    return interpolate(compose, PRODUCTION_ENV)


def procfile() -> dict[str, str]:
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def use_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Exactly `env` as far as settings go."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def health_test(service: dict[str, Any]) -> list[str]:
    test = service["healthcheck"]["test"]
    return shlex.split(test) if isinstance(test, str) else list(test)


# --- Dockerfiles ----------------------------------------------------------------------------


def instructions(path: Path) -> list[tuple[int, str, str]]:
    """(stage number, INSTRUCTION, arguments): continuation lines joined, comments dropped."""
    joined: list[str] = []
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not current):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        joined.append(current + line)
        current = ""
    stage = -1
    result = []
    for line in joined:
        if not line:
            continue
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        result.append((stage, keyword, arguments.strip()))
    return result


def copies(path: Path, stage: int | None = None) -> list[tuple[list[str], str]]:
    """(sources, destination) of the COPY instructions taken from the build context."""
    found = []
    for number, keyword, arguments in instructions(path):
        if keyword not in {"COPY", "ADD"} or (stage is not None and number != stage):
            continue
        words = shlex.split(arguments)
        if any(word.startswith("--from") for word in words):
            continue
        words = [word for word in words if not word.startswith("--")]
        found.append((words[:-1], words[-1]))
    return found


def final_stage(path: Path) -> int:
    return max(stage for stage, _, _ in instructions(path))


def runs(path: Path, stage: int | None = None) -> str:
    return "\n".join(
        arguments
        for number, keyword, arguments in instructions(path)
        if keyword == "RUN" and (stage is None or number == stage)
    )


def dockerignore() -> list[str]:
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line.rstrip("/"))
    return patterns


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether the build context leaves `relative` out (its path or a parent matches)."""
    parts = Path(relative).parts
    for pattern in patterns:
        for end in range(1, len(parts) + 1):
            candidate = "/".join(parts[:end])
            if fnmatch.fnmatchcase(candidate, pattern):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatchcase(parts[end - 1], pattern[3:]):
                return True
    return False


def has_file(path: Path) -> bool:
    """A file, or a folder with at least one file."""
    return path.is_file() or (path.is_dir() and any(p.is_file() for p in path.rglob("*")))


def shell_array(script: Path, name: str) -> list[str]:
    match = re.search(rf"{name}=\(([^)]*)\)", script.read_text())
    assert match, f"{name}=( ... ) in {script.name}"
    return match.group(1).split()


# --- the set of services --------------------------------------------------------------------


def test_the_production_set_and_the_migration_are_described(services: dict[str, Any]) -> None:
    assert set(services) == SERVICES


def test_every_process_of_the_procfile_is_a_service(services: dict[str, Any]) -> None:
    assert set(procfile()) - LOCAL_ONLY_PROCESSES <= set(services)
    assert set(PROGRAMS) == set(procfile()) - LOCAL_ONLY_PROCESSES


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_commands_are_the_procfile_lines(services: dict[str, Any], name: str) -> None:
    line = procfile()[name]
    assert PROGRAMS[name] in line
    command = services[name]["command"]
    # The line as honcho runs it (sh -c), exec'd so the process gets the signals;
    # $$ is compose's escape for a literal $.
    assert command == ["sh", "-c", "exec " + line.replace("$", "$$")]
    assert interpolate(command, {})[2] == "exec " + line


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_variables_of_the_procfile_lines_are_set(resolved: dict[str, Any], name: str) -> None:
    environment = container_environment(resolved["services"][name], {})
    for variable in re.findall(r"\$\{?(\w+)", procfile()[name]):
        assert environment.get(variable), f"{name} runs with ${variable} unset"


def test_migrate_is_the_prestart_step_of_run_sh(services: dict[str, Any]) -> None:
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    line = next(line.split("#")[0].strip() for line in run_sh.splitlines() if "collect migrate" in line)
    # run.sh's `collect` is a shell function around the same module the container runs.
    assert 'collect() { .venv/bin/python -m cli.main "$@"; }' in run_sh
    command = shlex.split(line.replace("collect", ".venv/bin/python -m cli.main", 1))
    assert services["migrate"]["command"] == command
    assert services["migrate"]["image"] == services["gateway"]["image"]


def test_app_processes_share_one_image(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        assert services[name]["build"]["dockerfile"] == "docker/Dockerfile.app"
        assert services[name]["image"] == services["gateway"]["image"]
    assert services["rasa"]["build"]["dockerfile"] == "docker/Dockerfile.rasa"
    for name in (*APP_SERVICES, "rasa"):
        assert services[name]["build"]["context"] == "."


def test_restart_policies(services: dict[str, Any]) -> None:
    for name, service in services.items():
        expected = "no" if name in ONE_SHOT else "unless-stopped"
        assert service.get("restart") == expected, name


# --- health checks and start order ----------------------------------------------------------


def test_every_long_running_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name in ONE_SHOT:
            assert "healthcheck" not in service
            continue
        check = service.get("healthcheck")
        assert check and not check.get("disable"), name
        assert health_test(service)[0] in {"CMD", "CMD-SHELL"}, name
        for key in ("interval", "timeout", "retries", "start_period"):
            assert key in check, f"{name}: {key}"


HTTP_CHECKS = {
    # service: (path, the variable holding the port the process listens on)
    "gateway": ("/healthz", "GATEWAY_PORT"),
    "rasa": ("/", "RASA_PORT"),
    "actions": ("/health", "ACTIONS_PORT"),
}


@pytest.mark.parametrize("name", sorted(HTTP_CHECKS))
def test_http_health_checks_probe_the_process_port(resolved: dict[str, Any], name: str) -> None:
    service = resolved["services"][name]
    test = health_test(service)
    path, port_variable = HTTP_CHECKS[name]
    port = container_environment(service, {})[port_variable]
    # python -c with urllib: slim images have no curl.
    assert test[:3] == ["CMD", "python", "-c"]
    assert f"'http://127.0.0.1:{port}{path}'" in test[3]


def test_the_internal_urls_name_the_listening_ports(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    app = container_environment(services["gateway"], {})
    assert app["RASA_URL"] == "http://rasa:" + container_environment(services["rasa"], {})["RASA_PORT"]
    actions_port = container_environment(services["actions"], {})["ACTIONS_PORT"]
    assert app["ACTION_SERVER_URL"] == f"http://actions:{actions_port}/webhook"
    assert app["REDIS_URL"] == "redis://redis:6379/0"


class _Stub(BaseHTTPRequestHandler):
    path_ok = "/"
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == self.path_ok else 404)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("name", sorted(HTTP_CHECKS))
@pytest.mark.parametrize("status", [200, 503])
def test_http_health_checks_pass_only_on_200(
    resolved: dict[str, Any], name: str, status: int, tmp_path: Path
) -> None:
    service = resolved["services"][name]
    code = health_test(service)[3]
    port = container_environment(service, {})[HTTP_CHECKS[name][1]]
    handler = type("Handler", (_Stub,), {"path_ok": HTTP_CHECKS[name][0], "status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code = code.replace(f"127.0.0.1:{port}/", f"127.0.0.1:{server.server_address[1]}/")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30, cwd=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert (result.returncode == 0) == (status == 200), result.stderr


def test_worker_health_check_is_arqs_on_the_workers_settings(services: dict[str, Any]) -> None:
    test = health_test(services["worker"])
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "healthcheck", "exec")
    from arq.worker import check_health

    from campaigns.worker import arq_settings

    assert callable(check_health)
    worker = arq_settings(load_settings(redis_url="redis://redis:6379/0"))
    assert "arq_settings(get_settings())" in test[3] and "check_health(" in test[3]
    assert worker.redis_settings.host == "redis"


def test_redis_and_postgres_health_checks(services: dict[str, Any]) -> None:
    assert "redis-cli ping" in " ".join(health_test(services["redis"]))
    postgres = health_test(services["postgres"])
    assert postgres[:2] == ["CMD", "pg_isready"]
    user = services["postgres"]["environment"]["POSTGRES_USER"]
    database = services["postgres"]["environment"]["POSTGRES_DB"]
    assert postgres[postgres.index("-U") + 1] == user
    assert postgres[postgres.index("-d") + 1] == database


def test_start_order(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            condition = spec["condition"]
            assert dependency in services, f"{name} -> {dependency}"
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits for {dependency}'s health"
            else:
                assert (dependency, condition) == ("migrate", "service_completed_successfully")
    for name in ("gateway", "actions", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
    for name in ("gateway", "worker", "rasa"):
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


# --- environment ----------------------------------------------------------------------------


def test_app_variables_are_settings_or_known(resolved: dict[str, Any]) -> None:
    for name in (*APP_SERVICES, "rasa"):
        names = set(resolved["services"][name].get("environment") or {})
        unknown = names - SETTINGS_VARIABLES - NON_SETTINGS_VARIABLES
        assert not unknown, f"{name}: not in core.settings.Settings: {sorted(unknown)}"


def test_app_services_run_in_production(resolved: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        environment = container_environment(resolved["services"][name], {})
        assert environment["ENV"] == "production"
        assert environment["DATABASE_URL"] == (
            f"postgresql://collect:{PRODUCTION_ENV['POSTGRES_PASSWORD']}@postgres:5432/collect"
        )
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["RASA_URL"] == "http://rasa:5005"
        assert environment["ACTION_SERVER_URL"] == "http://actions:5055/webhook"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment_passes_the_production_checks(
    resolved: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_environment(monkeypatch, container_environment(resolved["services"][name], {}))
    settings = load_settings()
    assert settings.env == "production"
    assert settings.database_url.startswith("postgresql+psycopg://collect:")
    assert settings.api_token == PRODUCTION_ENV["API_TOKEN"]


def test_optional_settings_pass_through_only_when_set(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    assert "LOG_LEVEL" not in container_environment(gateway, PRODUCTION_ENV)
    with_level = container_environment(gateway, {**PRODUCTION_ENV, "LOG_LEVEL": "DEBUG"})
    assert with_level["LOG_LEVEL"] == "DEBUG"


def test_rasa_renders_its_endpoints_from_its_environment(
    resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = container_environment(resolved["services"]["rasa"], {})
    use_environment(monkeypatch, environment)
    monkeypatch.delenv("ENV", raising=False)
    endpoints = rasa_endpoints(load_settings())
    assert endpoints["action_endpoint"]["url"] == "http://actions:5055/webhook"
    assert endpoints["tracker_store"]["url"] == "redis"
    assert endpoints["lock_store"]["url"] == "redis"
    # scripts/rasa-server.sh reads these; unset it would bind 127.0.0.1 and a dev token.
    script = (ROOT / "scripts" / "rasa-server.sh").read_text()
    for variable in ("RASA_HOST", "RASA_PORT", "RASA_TOKEN"):
        assert variable in script
    assert environment["RASA_HOST"] == ALL_INTERFACES
    assert environment["RASA_TOKEN"] == PRODUCTION_ENV["RASA_TOKEN"]


def test_gateway_listens_on_every_interface_behind_the_published_port(
    services: dict[str, Any], resolved: dict[str, Any]
) -> None:
    environment = container_environment(resolved["services"]["gateway"], {})
    assert environment["HOST"] == ALL_INTERFACES
    assert services["gateway"]["ports"] == ["${PORT:-8000}:" + environment["GATEWAY_PORT"]]
    assert resolved["services"]["gateway"]["ports"] == ["8000:8000"]
    assert interpolate(services["gateway"]["ports"], {"PORT": "9000"}) == ["9000:8000"]
    for name, service in services.items():
        if name != "gateway":
            assert "ports" not in service, f"{name} is reached inside the compose network only"


# --- secrets and interpolation --------------------------------------------------------------


@pytest.mark.parametrize("secret", REQUIRED_SECRETS)
def test_secrets_are_required_and_have_no_default(secret: str) -> None:
    text = COMPOSE_FILE.read_text()
    references = re.findall(rf"\$\{{{secret}([^}}]*)\}}", text)
    assert references, f"{secret} is not used"
    for rest in references:
        assert rest.startswith(":?") and rest[2:].strip(), (
            f"${{{secret}{rest}}} must be ${{{secret}:?message}}"
        )
    assert not re.search(rf"\${secret}\b", text), f"bare ${secret}"
    for dockerfile in (APP_DOCKERFILE, RASA_DOCKERFILE):
        assert secret not in dockerfile.read_text(), f"{dockerfile.name} mentions {secret}"


def test_secret_variables_carry_only_the_required_reference(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if variable in REQUIRED_SECRETS:
                assert isinstance(value, str), f"{name}: {variable}"
                assert re.fullmatch(rf"\$\{{{variable}:\?[^}}]+\}}", value), f"{name}: {variable}={value}"


def test_fully_interpolable_with_the_secrets(resolved: dict[str, Any]) -> None:
    leftovers = [value for value in strings(resolved) if "${" in value]
    assert not leftovers
    postgres = resolved["services"]["postgres"]["environment"]
    assert postgres["POSTGRES_PASSWORD"] == PRODUCTION_ENV["POSTGRES_PASSWORD"]
    user, database = postgres["POSTGRES_USER"], postgres["POSTGRES_DB"]
    gateway = container_environment(resolved["services"]["gateway"], {})
    assert gateway["DATABASE_URL"].startswith(f"postgresql://{user}:")
    assert gateway["DATABASE_URL"].endswith(f"@postgres:5432/{database}")


def test_only_the_secrets_are_required(compose: dict[str, Any]) -> None:
    required = set()
    for value in strings(compose):
        for match in VARIABLE.finditer(value):
            if match["op"] in (":?", "?"):
                required.add(match["name"])
    assert required == set(REQUIRED_SECRETS)


@pytest.mark.parametrize("secret", REQUIRED_SECRETS)
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_a_missing_secret_stops_with_its_message(compose: dict[str, Any], secret: str, how: str) -> None:
    env = dict(PRODUCTION_ENV)
    if how == "unset":
        del env[secret]
    else:
        env[secret] = ""
    with pytest.raises(MissingVariableError) as raised:
        interpolate(compose, env)
    assert raised.value.name == secret
    assert secret in raised.value.message


def test_interpolation_rules() -> None:
    env = {"SET": "x", "EMPTY": ""}
    assert interpolate_text("$$HOST ${SET} $SET ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d}", env) == "$HOST x x d d "
    assert interpolate_text("${SET:?m}", env) == "x"
    with pytest.raises(MissingVariableError, match="needed"):
        interpolate_text("${EMPTY:?needed}", env)


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="docker compose is not installed",
)
def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path), **PRODUCTION_ENV}
    ok = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"], env=env, capture_output=True
    )
    assert ok.returncode == 0, ok.stderr.decode()
    del env["API_TOKEN"]
    missing = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"], env=env, capture_output=True
    )
    assert missing.returncode != 0 and b"API_TOKEN" in missing.stderr


# --- volumes --------------------------------------------------------------------------------


def test_data_survives_restarts(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert services["redis"]["command"][services["redis"]["command"].index("--appendonly") + 1] == "yes"
    assert set(compose["volumes"]) == {"postgres-data", "redis-data"}


# --- Dockerfiles ----------------------------------------------------------------------------


@pytest.mark.parametrize("dockerfile", [APP_DOCKERFILE, RASA_DOCKERFILE], ids=lambda p: p.name)
def test_dockerfile_basics(dockerfile: Path) -> None:
    steps = instructions(dockerfile)
    assert all(arguments.split()[0] == BASE_IMAGE for _, keyword, arguments in steps if keyword == "FROM")
    users = [
        arguments
        for stage, keyword, arguments in steps
        if keyword == "USER" and stage == final_stage(dockerfile)
    ]
    assert users and users[-1] not in {"root", "0"}, "the processes run as a non-root user"


@pytest.mark.parametrize("dockerfile", [APP_DOCKERFILE, RASA_DOCKERFILE], ids=lambda p: p.name)
def test_copied_files_exist_and_reach_the_build(dockerfile: Path) -> None:
    patterns = dockerignore()
    assert not any(pattern.startswith("!") for pattern in patterns), "the matcher here knows no exceptions"
    for sources, _ in copies(dockerfile):
        for source in sources:
            if source == ".":
                continue
            assert (ROOT / source).exists(), f"{dockerfile.name}: COPY {source}: not in the repo"
            assert not ignored(source, patterns), (
                f"{dockerfile.name}: COPY {source}: left out by .dockerignore"
            )


@pytest.mark.parametrize("dockerfile", [APP_DOCKERFILE, RASA_DOCKERFILE], ids=lambda p: p.name)
def test_requirements_named_exist(dockerfile: Path) -> None:
    named = set(re.findall(r"requirements/[\w.-]+", dockerfile.read_text()))
    assert named
    for path in named:
        assert (ROOT / path).is_file(), f"{dockerfile.name}: {path}"


def test_app_image_holds_the_project() -> None:
    # The whole context (what .dockerignore leaves), like a clone.
    assert (["."], ".") in copies(APP_DOCKERFILE)
    patterns = dockerignore()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [
        pattern.rstrip("*") for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    assert "debt" in packages
    needed = ["pyproject.toml", "server.py", "alembic.ini", "requirements/app.lock", "migrations/versions"]
    for path in needed + [package for package in packages if has_file(ROOT / package)]:
        assert not ignored(path, patterns), f"the app image needs {path}"
    run = runs(APP_DOCKERFILE)
    assert re.search(r"pip install [^\n]*-r /tmp/app\.lock", run) or "-r requirements/app.lock" in run
    assert re.search(r"pip install [^\n]*--no-deps [^\n]*\.(\s|$)", run)
    assert "ln -s /opt/venv /app/.venv" in run, "the Procfile lines name .venv/bin/..."


def test_rasa_venv_is_installed_like_venv_rasa_sh() -> None:
    local = (ROOT / "scripts" / "venv-rasa.sh").read_text()
    build = runs(RASA_DOCKERFILE, 0)
    for option in ("--ignore-requires-python", "-c", "-r"):
        assert option in local.split()
    assert "--ignore-requires-python" in build
    assert re.search(r"-c\s+(/app/)?requirements/rasa-constraints\.txt", build)
    assert re.search(r"-r\s+(/app/)?requirements/rasa\.txt", build)
    assert re.search(r"MPLSETUPCFG=(/app/)?requirements/mplsetup\.cfg", build)
    assert "python -m venv /opt/rasa" in build
    assert "--ignore-requires-python" not in runs(RASA_DOCKERFILE, final_stage(RASA_DOCKERFILE))


def test_rasa_build_has_the_apt_packages_and_a_compiler() -> None:
    build = runs(RASA_DOCKERFILE, 0)
    # The python image's own interpreter has venv and its headers; build-essential brings g++ and make.
    local = set(shell_array(ROOT / "scripts" / "apt-deps.sh", "packages")) - {"python3-venv", "python3-dev"}
    provided_by_build_essential = {"g++", "make"}

    def installed(package: str) -> bool:
        if package in provided_by_build_essential and re.search(r"\bbuild-essential\b", build):
            return True
        return bool(re.search(rf"(?<![\w-]){re.escape(package)}(?![\w-])", build))

    assert local and all(installed(package) for package in local), sorted(
        p for p in local if not installed(p)
    )
    assert re.search(r"\b(build-essential|g\+\+)\b", build)


def test_app_image_has_the_gateways_apt_packages() -> None:
    build = runs(ROOT / "docker" / "Dockerfile.app", 0)
    for package in shell_array(ROOT / "scripts" / "apt-deps.sh", "app_packages"):
        assert re.search(rf"(?<![\w-]){re.escape(package)}(?![\w-])", build), package


def test_rasa_image_trains_like_train_sh() -> None:
    final = final_stage(RASA_DOCKERFILE)
    assert "bash scripts/train.sh" in runs(RASA_DOCKERFILE, final)
    copied: set[str] = set()
    for sources, destination in copies(RASA_DOCKERFILE, final):
        for source in sources:
            target = (
                destination.rstrip("/") + "/" + Path(source).name
                if destination.endswith("/")
                else destination
            )
            copied.add(target.removeprefix("/app/"))
    train_sh = ROOT / "scripts" / "train.sh"
    inputs = shell_array(train_sh, "TRAINING_INPUTS")
    assert "nlu_data/shared" in inputs and "flows/stories" in inputs
    for path in [*inputs, "scripts/lib.sh", "scripts/train.sh"]:
        assert path in copied, f"training reads {path}"
    # rasa-server.sh, what it runs and reads
    for path in (
        "scripts/rasa-server.sh",
        "bot/credentials.yml",
        "core/__init__.py",
        "core/settings.py",
        "integrations/__init__.py",
        "integrations/rasa_endpoints.py",
    ):
        assert path in copied, f"rasa-server.sh needs {path}"
    # The input channels credentials.yml names (bot.channels.GatewayInput) and the bot modules they import
    credentials = yaml.safe_load((ROOT / "bot" / "credentials.yml").read_text())
    custom = [name.rsplit(".", 1)[0] for name in credentials if "." in name]
    assert custom == ["bot.channels"]
    needed = {"bot/__init__.py"}
    for module in custom:
        path = module.replace(".", "/") + ".py"
        needed.add(path)
        for node in ast.walk(ast.parse((ROOT / path).read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "bot":
                needed |= {f"bot/{alias.name}.py" for alias in node.names}
    assert "bot/rasa_speedups.py" in needed
    for path in sorted(needed):
        assert path in copied, f"rasa run imports {path}"
    links = runs(RASA_DOCKERFILE, final)
    assert "ln -s /opt/render /app/.venv" in links and "ln -s /opt/rasa /app/.venv-rasa" in links


def test_endpoint_rendering_needs_only_the_render_venv() -> None:
    """The Rasa image renders endpoints with core/settings.py in a venv of pydantic-settings and PyYAML."""
    render = runs(RASA_DOCKERFILE, 0)
    assert re.search(r"/opt/render/bin/pip install [^\n]*-c requirements/app\.lock", render)
    lock = (ROOT / "requirements" / "app.lock").read_text().lower()
    for package in ("pydantic-settings", "pyyaml"):
        assert package in render.lower() and f"\n{package}==" in lock
    allowed = {"pydantic", "pydantic_settings", "yaml", "core", "integrations", "__future__"}
    for path in (
        "core/settings.py",
        "core/__init__.py",
        "integrations/rasa_endpoints.py",
        "integrations/__init__.py",
    ):
        tree = ast.parse((ROOT / path).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in allowed or top in sys.stdlib_module_names, f"{path} imports {module}"


def test_dockerignore_keeps_local_state_out() -> None:
    patterns = dockerignore()
    for path in (".venv", ".venv-rasa", "data", "models", ".git", ".pytest_cache", "test-artifacts", ".env"):
        assert ignored(path, patterns), path
    assert ignored("debt/__pycache__/x.pyc", patterns)
    assert not ignored("debt/db.py", patterns)
