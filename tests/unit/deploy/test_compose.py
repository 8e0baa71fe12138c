"""The docker-compose.yml / Dockerfile contract, checked by parsing (no Docker engine here)."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from typing import Any

import pytest
import yaml

from settings import PLACEHOLDER_SECRETS
from tests.support.files import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

SERVICES = {"postgres", "temporal", "temporal-ui", "api", "worker"}
APP_SERVICES = ("api", "worker")
REQUIRED_APP_ENV = (
    "DATABASE_URL",
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_TASK_QUEUE",
    "API_TOKEN",
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
)
SECRET_NAME = re.compile(r"(SECRET|TOKEN|PASSWORD|PWD|KEY)$")
# `${VAR}`, `${VAR:?message}` or `${VAR?message}`: the value comes from outside the file.
INTERPOLATED = re.compile(r"^\$\{[A-Z0-9_]+(:?\?[^}]*)?\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def env_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping, whichever of the two compose forms it uses."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def scalars(node: Any) -> list[str]:
    """Every string value (not key) anywhere in a parsed YAML document."""
    if isinstance(node, dict):
        return [s for value in node.values() for s in scalars(value)]
    if isinstance(node, list):
        return [s for value in node for s in scalars(value)]
    return [node] if isinstance(node, str) else []


def command_words(command: str | list[str]) -> list[str]:
    words = shlex.split(command) if isinstance(command, str) else list(command)
    # `sh -c "a && b"`: look inside the script too.
    if len(words) >= 3 and words[0] in {"sh", "bash", "/bin/sh"} and words[1] == "-c":
        return words[:2] + shlex.split(words[2])
    return words


def referenced_files(words: list[str]) -> set[str]:
    """Repository files a command runs: `x.py` scripts and `pkg.module:app` ASGI targets."""
    files = {w for w in words if w.endswith(".py")}
    files |= {
        w.split(":")[0].replace(".", "/") + ".py"
        for w in words
        if re.fullmatch(r"[a-z_][a-z0-9_.]*:[a-z_][a-z0-9_]*", w)
    }
    return files


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = (line.strip() for line in text.splitlines())
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for parts in (line.split(None, 1) for line in lines if line and not line.startswith("#"))
    ]


def dockerfile_cmd_words(instruction: str) -> list[str]:
    args = instruction.strip()
    return json.loads(args) if args.startswith("[") else shlex.split(args)


def test_compose_defines_the_five_services(services: dict[str, Any]) -> None:
    assert SERVICES <= set(services)


def test_temporal_uses_postgres_persistence(services: dict[str, Any]) -> None:
    temporal = services["temporal"]
    env = env_of(temporal)
    assert temporal["image"].startswith("temporalio/auto-setup")
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "postgres"
    assert env["DB_PORT"] == "5432"
    assert env["POSTGRES_USER"] == env_of(services["postgres"])["POSTGRES_USER"]
    assert {"POSTGRES_PWD"} <= set(env)
    assert any(str(port).endswith("7233:7233") for port in temporal["ports"])


def test_postgres_has_healthcheck_and_volume(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert env_of(postgres)["POSTGRES_DB"] == "hookflow"


def test_temporal_ui_points_at_temporal(services: dict[str, Any]) -> None:
    ui = services["temporal-ui"]
    assert ui["image"].startswith("temporalio/ui")
    assert env_of(ui)["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert any(str(port).endswith("8080:8080") for port in ui["ports"])


def test_app_services_share_the_image_and_build(services: dict[str, Any]) -> None:
    api, worker = services["api"], services["worker"]
    assert api["image"] == worker["image"]
    assert api["build"] == worker["build"]
    assert api["build"]["context"] == "."
    assert (ROOT / api["build"].get("dockerfile", "Dockerfile")).is_file()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_gets_every_required_env(services: dict[str, Any], name: str) -> None:
    env = env_of(services[name])
    missing = [key for key in REQUIRED_APP_ENV if key not in env]
    assert not missing, f"{name} lacks {missing}"
    assert "GITHUB_WEBHOOK_SECRET" in env or "GITHUB_WEBHOOK_SECRET_FILE" in env
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/hookflow" in env["DATABASE_URL"]
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_webhook_secret_file_points_at_mounted_secret(services: dict[str, Any], name: str) -> None:
    service = services[name]
    path = env_of(service).get("GITHUB_WEBHOOK_SECRET_FILE")
    if path is None:
        pytest.fail("GITHUB_WEBHOOK_SECRET must come from a compose secret (…_FILE)")
    mounted = {
        f"/run/secrets/{s if isinstance(s, str) else s.get('target', s['source'])}"
        for s in service.get("secrets", [])
    }
    assert path in mounted


def test_dependencies_wait_for_health(services: dict[str, Any]) -> None:
    for name in ("temporal", "api", "worker"):
        depends = services[name]["depends_on"]
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        assert depends["postgres"]["condition"] == "service_healthy", name
    for name in ("temporal-ui", "api", "worker"):
        assert services[name]["depends_on"]["temporal"]["condition"] == "service_healthy", name
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            if rule.get("condition") == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}"


def test_api_has_healthcheck_on_healthz(services: dict[str, Any]) -> None:
    api = services["api"]
    test = api["healthcheck"]["test"]
    assert "/healthz" in (test if isinstance(test, str) else " ".join(test))
    assert any(str(port).endswith("9000:9000") for port in api["ports"])


def test_secret_references_are_declared_at_top_level(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    declared = set(compose.get("secrets") or {})
    for name, service in services.items():
        for ref in service.get("secrets", []):
            source = ref if isinstance(ref, str) else ref["source"]
            assert source in declared, f"{name} uses undeclared secret {source}"
    for name, spec in (compose.get("secrets") or {}).items():
        assert "file" in spec or "environment" in spec, name
        if "file" in spec:
            assert spec["file"].startswith("./secrets/"), name


def test_compose_holds_no_literal_secret_values(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    for name, service in services.items():
        for key, value in env_of(service).items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                assert INTERPOLATED.match(value), f"{name}.{key} must be ${{VAR:?…}}"
            if key == "DATABASE_URL":
                password = value.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
                assert INTERPOLATED.match(password), f"{name}: DATABASE_URL password is literal"
    placeholders = {p.lower() for p in PLACEHOLDER_SECRETS}
    for value in scalars(compose):
        defaults = re.findall(r"\$\{[A-Z0-9_]+:?-([^}]*)\}", value)
        for candidate in [value, *defaults]:
            assert candidate.strip().lower() not in placeholders, f"placeholder {value!r}"


def test_api_command_runs_migrations_before_serving(services: dict[str, Any]) -> None:
    words = command_words(services["api"]["command"])
    script = " ".join(words)
    assert "alembic upgrade head" in script
    assert "uvicorn api.main:app" in script
    assert script.index("alembic upgrade head") < script.index("uvicorn")
    assert "--port 9000" in script


def test_worker_command_runs_worker_py(services: dict[str, Any]) -> None:
    assert command_words(services["worker"]["command"]) == ["python", "worker.py"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_command_refers_to_existing_files(services: dict[str, Any], name: str) -> None:
    files = referenced_files(command_words(services[name]["command"]))
    assert files, f"{name}: no entry point found in its command"
    missing = sorted(f for f in files if not (ROOT / f).is_file())
    assert not missing, f"{name} runs {missing}, not in the repository"


def test_dockerfile_uses_slim_python_and_non_root_user() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1] not in {"root", "0"}


def test_dockerfile_installs_project_and_copies_migrations() -> None:
    instructions = dockerfile_instructions()
    runs = " ".join(args for op, args in instructions if op == "RUN")
    copies = [args.split() for op, args in instructions if op == "COPY"]
    assert re.search(r"pip install( --no-deps)? \.(\s|$)", runs)
    sources = {word.rstrip("/") for words in copies for word in words[:-1]}
    assert {"alembic.ini", "migrations"} <= sources or "." in sources


def test_dockerfile_copies_only_existing_paths() -> None:
    copies = [args.split() for op, args in dockerfile_instructions() if op == "COPY"]
    missing = sorted(
        src
        for words in copies
        for src in words[:-1]
        if not src.startswith("--") and not (ROOT / src).exists()
    )
    assert not missing, f"Dockerfile copies {missing}, not in the repository"


def test_dockerfile_cmd_refers_to_existing_files() -> None:
    for op, args in dockerfile_instructions():
        if op in {"CMD", "ENTRYPOINT"}:
            files = referenced_files(dockerfile_cmd_words(args))
            assert files, f"{op} {args}: no entry point found"
            missing = sorted(f for f in files if not (ROOT / f).is_file())
            assert not missing, f"{op} runs {missing}, not in the repository"


def test_dockerignore_keeps_secrets_and_keeps_runtime_files() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"secrets", ".git", ".venv"} <= ignored
    assert not {"alembic.ini", "migrations", "worker.py", "api", "settings"} & ignored


def test_pip_install_finds_the_readme_pyproject_names() -> None:
    # `pip install .` in the image fails when pyproject's readme is missing from the context.
    readme = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("readme")
    if isinstance(readme, str):
        assert (ROOT / readme).is_file(), f"pyproject names {readme}, not in the repository"
        ignored = (ROOT / ".dockerignore").read_text().splitlines()
        assert readme not in {line.strip() for line in ignored}
