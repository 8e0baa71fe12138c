"""deploy/helm/hookflow: `helm lint` and `helm template` with the default and the full values
(ci/full-values.yaml); the rendered manifests are parsed and their invariants checked: what
runs, how it is probed and scraped, where secrets come from, who the pods run as."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import COMMANDS
from devstack.helm_cli import locate_helm
from ops.version import VERSION
from settings import Settings
from tests.support.files import ROOT

CHART = ROOT / "deploy" / "helm" / "hookflow"
FULL = CHART / "ci" / "full-values.yaml"
KUBE_VERSION = "1.31.0"
HELM = locate_helm()
SECRET_DIR = "/run/secrets/hookflow"
VAULT_DIR = "/vault/secrets"
SETTINGS = {name.upper() for name in Settings.model_fields}

pytestmark = pytest.mark.skipif(
    HELM is None, reason="Helm is not installed: scripts/setup.sh builds it (go install)"
)

Doc = dict[str, Any]


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    assert HELM is not None
    return subprocess.run(
        [HELM, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )


def render(*values: str) -> list[Doc]:
    result = helm(
        "template", "rel", str(CHART), "--namespace", "ops", "--kube-version", KUBE_VERSION, *values
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module", params=["default", "full"])
def variant(request: pytest.FixtureRequest) -> tuple[str, list[Doc], Doc]:
    """(name, rendered documents, the values they were rendered from)."""
    defaults: Doc = yaml.safe_load((CHART / "values.yaml").read_text())
    if request.param == "default":
        return "default", render(), defaults
    return "full", render("-f", str(FULL)), merged(defaults, yaml.safe_load(FULL.read_text()))


def merged(base: Doc, override: Doc) -> Doc:
    """Helm's value merge: maps merge key by key, a null removes the key."""
    result = dict(base)
    for key, value in override.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def one(docs: list[Doc], kind: str, component: str) -> Doc:
    found = [
        d
        for d in docs
        if d["kind"] == kind
        and d["metadata"]["labels"].get("app.kubernetes.io/component") == component
    ]
    assert len(found) == 1, f"{kind}/{component}: {len(found)} found"
    return found[0]


def pod(doc: Doc) -> Doc:
    return doc["spec"]["template"]["spec"]


def container(doc: Doc) -> Doc:
    (only,) = pod(doc)["containers"]
    return only


def env(doc: Doc) -> dict[str, Doc]:
    return {item["name"]: item for item in container(doc)["env"]}


def port(doc: Doc, name: str) -> int:
    return next(p["containerPort"] for p in container(doc)["ports"] if p["name"] == name)


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("values", [[], ["-f", str(FULL)]], ids=["default", "full"])
def test_helm_lint_passes_strict(values: list[str]) -> None:
    result = helm("lint", "--strict", str(CHART), "--kube-version", KUBE_VERSION, *values)
    assert result.returncode == 0, result.stdout + result.stderr


def test_chart_version_is_hookflow_version() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert (chart["version"], chart["appVersion"]) == (VERSION, VERSION)


def test_rendered_parts(variant: tuple[str, list[Doc], Doc]) -> None:
    name, docs, values = variant
    kinds = sorted(d["kind"] for d in docs)
    optional = {"Ingress", "ServiceMonitor"} & set(kinds)
    assert optional == (set() if name == "default" else {"Ingress", "ServiceMonitor"})
    assert one(docs, "Deployment", "api")["spec"]["replicas"] == values["api"]["replicas"]
    assert one(docs, "Deployment", "worker")["spec"]["replicas"] == values["worker"]["replicas"]
    one(docs, "Service", "api")
    one(docs, "Job", "migrate")


def test_each_part_runs_its_hookflow_command(variant: tuple[str, list[Doc], Doc]) -> None:
    _, docs, values = variant
    expected = {("Deployment", "api"): "serve", ("Deployment", "worker"): "worker"}
    expected[("Job", "migrate")] = "migrate"
    images = set()
    for (kind, component), subcommand in expected.items():
        spec = container(one(docs, kind, component))
        assert spec["command"] == ["hookflow", subcommand] and subcommand in COMMANDS
        images.add(spec["image"])
    tag = values["image"]["tag"] or VERSION
    assert images == {f"{values['image']['repository']}:{tag}"}


def test_migrations_run_as_a_pre_install_and_pre_upgrade_hook(
    variant: tuple[str, list[Doc], Doc],
) -> None:
    _, docs, _ = variant
    job = one(docs, "Job", "migrate")
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    assert pod(job)["restartPolicy"] == "Never"
    # A hook runs before the release's ServiceAccount and Vault's injection could serve it.
    assert "serviceAccountName" not in pod(job)
    assert "annotations" not in job["spec"]["template"]["metadata"]
    assert "DATABASE_URL" in env(job)


def test_api_probes_and_ports(variant: tuple[str, list[Doc], Doc]) -> None:
    _, docs, values = variant
    api = one(docs, "Deployment", "api")
    spec = container(api)
    assert spec["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert spec["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert port(api, "http") == values["api"]["port"] == int(env(api)["WEBHOOK_PORT"]["value"])
    service = one(docs, "Service", "api")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert matches(service["spec"]["selector"], api["spec"]["template"]["metadata"]["labels"])
    worker_labels = one(docs, "Deployment", "worker")["spec"]["template"]["metadata"]["labels"]
    assert not matches(service["spec"]["selector"], worker_labels)


def test_worker_metrics_port_is_served_and_scraped(variant: tuple[str, list[Doc], Doc]) -> None:
    name, docs, values = variant
    worker = one(docs, "Deployment", "worker")
    metrics_port = port(worker, "metrics")
    assert metrics_port == values["worker"]["metricsPort"]
    assert env(worker)["WORKER_METRICS_PORT"]["value"] == str(metrics_port)
    assert env(worker)["WORKER_METRICS_HOST"]["value"] == "0.0.0.0"
    metrics_services = [
        d for d in docs if d["kind"] == "Service" and d["metadata"]["name"].endswith("-metrics")
    ]
    assert len(metrics_services) == 1
    assert metrics_services[0]["spec"]["ports"][0]["targetPort"] == "metrics"
    if name == "full":
        monitor = next(d for d in docs if d["kind"] == "ServiceMonitor")
        selector = monitor["spec"]["selector"]["matchLabels"]
        services = [d for d in docs if d["kind"] == "Service"]
        scraped = {
            p["name"]
            for s in services
            if matches(selector, s["metadata"]["labels"])
            for p in s["spec"]["ports"]
        }
        assert {e["port"] for e in monitor["spec"]["endpoints"]} == {"http", "metrics"} <= scraped
        api_endpoint = next(e for e in monitor["spec"]["endpoints"] if e["port"] == "http")
        credentials = api_endpoint["authorization"]["credentials"]
        assert credentials == {"name": "hookflow-prod", "key": "metrics-token"}


def test_ingress_routes_to_the_api_service() -> None:
    docs = render("-f", str(FULL))
    ingress = next(d for d in docs if d["kind"] == "Ingress")
    (rule,) = ingress["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == one(docs, "Service", "api")["metadata"]["name"]
    assert backend["port"] == {"name": "http"}
    assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"]]


def test_every_container_requests_resources(variant: tuple[str, list[Doc], Doc]) -> None:
    _, docs, _ = variant
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            requests = container(doc)["resources"]["requests"]
            assert {"cpu", "memory"} <= set(requests), doc["metadata"]["name"]
            assert "memory" in container(doc)["resources"]["limits"]


def test_api_and_migrations_run_non_root_without_privileges(
    variant: tuple[str, list[Doc], Doc],
) -> None:
    _, docs, _ = variant
    for kind, component in (("Deployment", "api"), ("Job", "migrate")):
        doc = one(docs, kind, component)
        assert pod(doc)["securityContext"]["runAsNonRoot"] is True
        assert pod(doc)["securityContext"]["runAsUser"] != 0
        context = container(doc)["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"]
        assert pod(doc)["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}


def test_worker_security_context_follows_the_agent_sandbox_switch(
    variant: tuple[str, list[Doc], Doc],
) -> None:
    _, docs, values = variant
    worker = one(docs, "Deployment", "worker")
    context = container(worker)["securityContext"]
    assert pod(worker)["securityContext"]["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert not context.get("privileged")
    if values["worker"]["agentSandbox"]:
        # bubblewrap: its own user namespace, a /proc it may mount, clone(CLONE_NEWUSER).
        assert pod(worker)["hostUsers"] is False
        assert context["procMount"] == "Unmasked"
        assert context["seccompProfile"] == {"type": "Unconfined"}
        assert context["appArmorProfile"] == {"type": "Unconfined"}
    else:
        assert "hostUsers" not in pod(worker) and "procMount" not in context
        assert pod(worker)["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    documented = (CHART / "values.yaml").read_text()
    assert "unprivileged user namespaces" in documented


def test_secrets_come_only_from_files_and_secret_references(
    variant: tuple[str, list[Doc], Doc],
) -> None:
    _, docs, values = variant
    secret_name = values["secrets"]["existingSecret"]
    for kind, component in (("Deployment", "api"), ("Deployment", "worker"), ("Job", "migrate")):
        doc = one(docs, kind, component)
        variables = env(doc)
        assert set(variables) <= SETTINGS, set(variables) - SETTINGS
        for variable in variables:
            if variable.endswith(("SECRET", "TOKEN", "KEY", "PASSWORD")):
                pytest.fail(f"{component}: {variable} set directly; use {variable}_FILE")
        database = variables["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert database == {"name": secret_name, "key": values["secrets"]["databaseUrlKey"]}
        mounts = {m["mountPath"]: m for m in container(doc).get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod(doc)["volumes"]}
        annotations = doc["spec"]["template"]["metadata"].get("annotations", {})
        for variable, item in variables.items():
            if not variable.endswith("_FILE"):
                continue
            path = Path(item["value"])
            if str(path.parent) == SECRET_DIR:
                mount = mounts[SECRET_DIR]
                assert mount["readOnly"] is True
                secret = volumes[mount["name"]]["secret"]
                assert secret["secretName"] == secret_name
                assert path.name in {i["key"] for i in secret["items"]}
            else:
                assert str(path.parent) == VAULT_DIR, f"{variable}: {path}"
                assert annotations["vault.hashicorp.com/agent-inject"] == "true"
                assert f"vault.hashicorp.com/agent-inject-secret-{path.name}" in annotations
        if kind == "Deployment":
            wanted = {"GITHUB_WEBHOOK_SECRET_FILE", "API_TOKEN_FILE"}
            assert wanted <= set(variables), f"{component} lacks {wanted - set(variables)}"


def test_github_app_mode_drops_the_token_file() -> None:
    api = one(render("-f", str(FULL)), "Deployment", "api")
    assert "GITHUB_TOKEN_FILE" not in env(api)
    assert env(api)["GITHUB_APP_PRIVATE_KEY_FILE"]["value"].startswith(SECRET_DIR)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["--set", "secrets.existingSecret="], "secrets.existingSecret is required"),
        (["--set", "config.DATABASE_URL=postgresql://db/h"], "not both"),
        (["--set", "secrets.databaseUrlKey="], "DATABASE_URL is required"),
    ],
)
def test_chart_refuses_values_that_cannot_work(values: list[str], message: str) -> None:
    result = helm("template", "rel", str(CHART), "--kube-version", KUBE_VERSION, *values)
    assert result.returncode != 0
    assert message in result.stderr
