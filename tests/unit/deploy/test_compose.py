"""The docker-compose.yml / Dockerfile contract, checked by parsing (no Docker engine here):
current Temporal images (server + admin-tools schema one-shot, UI), hookflow's migrate one-shot
before the API and the worker, secrets as files, the worker's metrics port."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from typing import Any

import pytest
import yaml

from cli.main import COMMANDS
from settings import PLACEHOLDER_SECRETS, Settings
from tests.support.files import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

SERVICES = {
    "postgres",
    "temporal-schema",
    "temporal",
    "temporal-namespace",
    "temporal-ui",
    "migrate",
    "api",
    "worker",
}
APP_SERVICES = ("migrate", "api", "worker")
REQUIRED_APP_ENV = (
    "DATABASE_URL",
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_TASK_QUEUE",
    "GITHUB_API_URL",
)
# Secrets hookflow reads from files; each must come from a compose secret.
SECRET_FILES = ("GITHUB_WEBHOOK_SECRET_FILE", "API_TOKEN_FILE", "GITHUB_TOKEN_FILE")
# The Web UI opens workflow IDs with `/` itself from 2.42 on (DESIGN: Temporal conventions).
MIN_UI_VERSION = (2, 42)
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


def image_version(image: str) -> tuple[int, ...]:
    """`temporalio/ui:${TEMPORAL_UI_VERSION:-2.55.0}` → (2, 55, 0): the default tag."""
    tag = image.rsplit(":", 1)[1] if "${" not in image else image.split(":-", 1)[1].rstrip("}")
    return tuple(int(part) for part in re.findall(r"\d+", tag))


def image_name(image: str) -> str:
    return image.split(":", 1)[0]


def test_compose_defines_every_service(services: dict[str, Any]) -> None:
    assert SERVICES <= set(services)


def test_temporal_server_uses_postgres_persistence(services: dict[str, Any]) -> None:
    temporal = services["temporal"]
    env = env_of(temporal)
    # temporalio/auto-setup is deprecated: the server image, its schema set up beforehand.
    assert image_name(temporal["image"]) == "temporalio/server"
    assert image_version(temporal["image"]) >= (1, 30)
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "postgres"
    assert env["DB_PORT"] == "5432"
    assert env["POSTGRES_USER"] == env_of(services["postgres"])["POSTGRES_USER"]
    assert {"POSTGRES_PWD"} <= set(env)
    assert env["BIND_ON_IP"] == "0.0.0.0"
    assert any(str(port).endswith("7233:7233") for port in temporal["ports"])
    config = env["DYNAMIC_CONFIG_FILE_PATH"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in temporal["volumes"]}
    source = mounts[f"/etc/temporal/{config}"]
    assert (ROOT / source).is_file()
    assert isinstance(yaml.safe_load((ROOT / source).read_text()), dict)


def test_temporal_schema_is_set_up_by_admin_tools_first(services: dict[str, Any]) -> None:
    schema, temporal = services["temporal-schema"], services["temporal"]
    assert image_name(schema["image"]) == "temporalio/admin-tools"
    assert image_version(schema["image"]) == image_version(temporal["image"])
    assert temporal["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully"
    )
    assert schema["depends_on"]["postgres"]["condition"] == "service_healthy"
    script = "\n".join(schema["command"])
    for step in ("create", "setup-schema -v 0.0", "update-schema -d"):
        assert step in script
    assert "/etc/temporal/schema/postgresql/v12/" in script
    assert "for db in temporal temporal_visibility" in script
    assert env_of(schema)["SQL_PASSWORD"] == env_of(temporal)["POSTGRES_PWD"]


def test_temporal_namespace_is_created_before_hookflow_starts(services: dict[str, Any]) -> None:
    namespace = services["temporal-namespace"]
    assert image_name(namespace["image"]) == "temporalio/admin-tools"
    assert namespace["depends_on"]["temporal"]["condition"] == "service_healthy"
    script = "\n".join(namespace["command"])
    assert "temporal operator namespace create" in script
    for name in ("api", "worker"):
        rule = services[name]["depends_on"]["temporal-namespace"]
        assert rule["condition"] == "service_completed_successfully"
        assert (
            env_of(services[name])["TEMPORAL_NAMESPACE"] == env_of(namespace)["TEMPORAL_NAMESPACE"]
        )


def test_postgres_has_healthcheck_and_volume(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert env_of(postgres)["POSTGRES_DB"] == "hookflow"


def test_temporal_ui_points_at_temporal(services: dict[str, Any]) -> None:
    ui = services["temporal-ui"]
    assert image_name(ui["image"]) == "temporalio/ui"
    assert image_version(ui["image"]) >= MIN_UI_VERSION
    assert env_of(ui)["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert any(str(port).endswith("8080:8080") for port in ui["ports"])


def test_app_services_share_the_image_and_build(services: dict[str, Any]) -> None:
    api = services["api"]
    for name in APP_SERVICES:
        assert services[name]["image"] == api["image"]
        assert services[name]["build"] == api["build"]
    assert api["build"]["context"] == "."
    assert (ROOT / api["build"].get("dockerfile", "Dockerfile")).is_file()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_gets_every_required_env(services: dict[str, Any], name: str) -> None:
    env = env_of(services[name])
    missing = [key for key in REQUIRED_APP_ENV if key not in env and f"{key}_FILE" not in env]
    assert not missing, f"{name} lacks {missing}"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/hookflow" in env["DATABASE_URL"]
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_secrets_are_files_from_mounted_compose_secrets(
    services: dict[str, Any], name: str
) -> None:
    service = services[name]
    env = env_of(service)
    mounted = {
        f"/run/secrets/{s if isinstance(s, str) else s.get('target', s['source'])}"
        for s in service.get("secrets", [])
    }
    known = {field.upper() for field in Settings.model_fields}
    for variable in SECRET_FILES:
        assert env.get(variable) in mounted, f"{name}: {variable} must name a compose secret"
        assert variable in known and variable.removesuffix("_FILE") not in env
    assert set(env) <= known, set(env) - known


def test_dependencies_wait_for_health_or_completion(services: dict[str, Any]) -> None:
    for name in ("temporal-schema", "migrate"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("temporal-ui", "temporal-namespace"):
        assert services[name]["depends_on"]["temporal"]["condition"] == "service_healthy", name
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for dependency, rule in depends.items():
            condition = rule.get("condition")
            assert condition in ("service_healthy", "service_completed_successfully"), name
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}"
            else:
                # A one-shot: it must end, not be restarted forever.
                assert services[dependency].get("restart", "no").startswith(("no", "on-failure"))


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


@pytest.mark.parametrize(
    ("name", "subcommand"), [("migrate", "migrate"), ("api", "serve"), ("worker", "worker")]
)
def test_app_services_run_hookflow_subcommands(
    services: dict[str, Any], name: str, subcommand: str
) -> None:
    assert command_words(services[name]["command"]) == ["hookflow", subcommand]
    assert subcommand in COMMANDS


def test_migrations_run_once_before_api_and_worker(services: dict[str, Any]) -> None:
    assert services["migrate"]["restart"].startswith("on-failure")
    for name in ("api", "worker"):
        rule = services[name]["depends_on"]["migrate"]
        assert rule["condition"] == "service_completed_successfully", name


def test_api_listens_where_it_is_published(services: dict[str, Any]) -> None:
    env = env_of(services["api"])
    assert any(str(port).endswith(f":{env['WEBHOOK_PORT']}") for port in services["api"]["ports"])


def test_worker_metrics_port_is_published_locally(services: dict[str, Any]) -> None:
    env = env_of(services["worker"])
    port = env["WORKER_METRICS_PORT"]
    assert env["WORKER_METRICS_HOST"] == "0.0.0.0"  # inside the container, for the mapping
    assert f"127.0.0.1:{port}:{port}" in services["worker"]["ports"]


def test_worker_may_build_the_agent_sandbox(services: dict[str, Any]) -> None:
    options = set(services["worker"]["security_opt"])
    assert {"seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"} <= options
    assert not services["worker"].get("privileged")
    assert "security_opt" not in services["api"]


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


def test_dockerfile_cmd_serves_with_the_hookflow_command() -> None:
    commands = [dockerfile_cmd_words(args) for op, args in dockerfile_instructions() if op == "CMD"]
    assert commands[-1] == ["hookflow", "serve"]
    assert not [args for op, args in dockerfile_instructions() if op == "ENTRYPOINT"]


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


def test_pip_install_finds_the_license_files_pyproject_names() -> None:
    # setuptools refuses to build when a `license-files` entry matches nothing.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for name in project.get("license-files", []):
        assert (ROOT / name).is_file(), f"pyproject names {name}, not in the repository"
        assert name not in ignored
