"""deploy/ cannot drift from the code: every manifest is parsed and checked
against the settings the gateway reads, its ports, routes and upstream calls."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from gateway.api.app import HttpApp
from gateway.core.kinds import KINDS
from gateway.settings import FIELDS, Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "k8s" / "base"
OVERLAYS = sorted(p for p in (DEPLOY / "k8s" / "overlays").iterdir() if p.is_dir())
KUSTOMIZATION = BASE / "kustomization.yaml"
# Core Kubernetes objects (the ServiceMonitor is a Prometheus Operator CRD), examples included.
K8S_FILES = sorted(
    path
    for path in (DEPLOY / "k8s").rglob("*.yaml")
    if path.name not in ("kustomization.yaml", "servicemonitor.yaml")
)
KNOWN_VARIABLES = {f"GATEWAY_{name.upper()}" for name in FIELDS}


def k8s(kind: str) -> dict[str, Any]:
    for path in K8S_FILES:
        for document in yaml.safe_load_all(path.read_text()):
            if document and document["kind"] == kind:
                return dict(document)
    raise AssertionError(f"no {kind} in deploy/k8s")


def configmap_data() -> dict[str, str]:
    """The ConfigMap kustomize generates from gateway.env."""
    lines = (BASE / "gateway.env").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {key: value for key, value in pairs}


def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


def gateway_variables_in(text: str) -> set[str]:
    return set(re.findall(r"\bGATEWAY_[A-Z0-9_]+\b", text))


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings read exactly as the process would read them: from the environment."""
    for name in KNOWN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    return Settings()


def routes() -> set[str]:
    return HttpApp(Settings(), runtime=None).paths


@pytest.mark.parametrize(
    "path",
    [*K8S_FILES, BASE / "gateway.env", DEPLOY / "Dockerfile", DEPLOY / "compose.yaml"],
    ids=lambda p: p.name,
)
def test_every_gateway_variable_in_deploy_is_a_setting(path: Path) -> None:
    used = gateway_variables_in(path.read_text())
    assert used <= KNOWN_VARIABLES, sorted(used - KNOWN_VARIABLES)


def test_the_kubernetes_configuration_is_accepted_by_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = configmap_data()
    settings = settings_from({**data, "GATEWAY_REDIS_URL": "redis://redis:6379/0"}, monkeypatch)
    # jwt with issuer, audience and JWKS, on 0.0.0.0: allowed (Settings checks it on load)
    deployment = k8s("Deployment")["spec"]["template"]["spec"]
    assert deployment["terminationGracePeriodSeconds"] > settings.serving.shutdown_timeout_seconds


def test_ports_and_probes_match_the_app() -> None:
    data = configmap_data()
    pod = k8s("Deployment")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    port, grpc_port = container["ports"]
    assert port["containerPort"] == int(data["GATEWAY_PORT"])
    assert (grpc_port["name"], grpc_port["containerPort"]) == (
        "grpc",
        int(data["GATEWAY_GRPC_PORT"]),
    )
    assert f"EXPOSE {data['GATEWAY_PORT']} {data['GATEWAY_GRPC_PORT']}" in dockerfile()
    service_ports = {p["name"]: p for p in k8s("Service")["spec"]["ports"]}
    assert service_ports["grpc"]["targetPort"] == "grpc"
    assert service_ports["grpc"]["appProtocol"] == "grpc"
    [ingress] = k8s("NetworkPolicy")["spec"]["ingress"]
    assert {p["port"] for p in ingress["ports"]} == {
        port["containerPort"],
        grpc_port["containerPort"],
    }
    known = routes()
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["path"] in known
        assert container[probe]["httpGet"]["port"] == port["name"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert k8s("Service")["spec"]["ports"][0]["targetPort"] == port["name"]
    annotations = k8s("Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] in known
    assert annotations["prometheus.io/port"] == data["GATEWAY_PORT"]


def test_pod_runs_non_root_with_a_read_only_root_and_irsa() -> None:
    pod = k8s("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    container = pod["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["resources"]["requests"] and container["resources"]["limits"]
    account = k8s("ServiceAccount")
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith(
        "arn:aws:iam::"
    )
    secrets = {
        document["metadata"]["name"]
        for path in K8S_FILES
        for document in yaml.safe_load_all(path.read_text())
        if document and document["kind"] == "Secret"
    }
    # The Redis and history URLs carry passwords: both come from the example Secrets' names.
    for variable in ("GATEWAY_REDIS_URL", "GATEWAY_HISTORY_URL"):
        ref = next(e for e in container["env"] if e["name"] == variable)
        assert ref["valueFrom"]["secretKeyRef"]["name"] in secrets
    assert len(secrets) == 2
    selector = k8s("Deployment")["spec"]["selector"]["matchLabels"]
    for kind in ("PodDisruptionBudget",):
        assert k8s(kind)["spec"]["selector"]["matchLabels"] == selector
    assert k8s("NetworkPolicy")["spec"]["podSelector"]["matchLabels"] == selector
    assert (
        k8s("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["name"]
        == k8s("Deployment")["metadata"]["name"]
    )


@pytest.mark.parametrize("path", K8S_FILES, ids=lambda p: p.name)
def test_manifests_validate_against_the_kubernetes_schemas(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck() -> None:
    text = dockerfile()
    stages = re.findall(r"^FROM .* AS (\w[\w-]*)$", text, flags=re.M)
    assert {"builder", "runtime"} <= set(stages)
    runtime = text.split("AS runtime", 1)[1]
    assert re.search(r"^USER 10001", runtime, flags=re.M)
    assert "HEALTHCHECK" in runtime and "/healthz" in runtime
    assert 'ENTRYPOINT ["gateway", "serve"]' in runtime
    assert "--no-dev" in text  # only runtime dependencies
    # The embedded history lives in a directory the non-root user owns (not the cwd, /).
    history = re.search(r"GATEWAY_HISTORY_URL=sqlite\+aiosqlite:///(/\S+)/history\.db", runtime)
    assert history is not None
    assert f"chown 10001:10001 {history.group(1)}" in runtime


def called_operations() -> set[str]:
    """Every Cognito operation the gateway's code calls."""
    found: set[str] = set()
    for path in (ROOT / "gateway").rglob("*.py"):
        if "demo" in path.parts:
            continue
        text = path.read_text()
        found |= set(re.findall(r'\.call\(\s*[\w.]+,\s*"([A-Z]\w+)"', text))
        # Calls a plan names (``UPDATE_CALL = "UpdateUserPool"``) and the writer sends.
        found |= set(re.findall(r'^\w+_CALL = "([A-Z]\w+)"', text, re.MULTILINE))
    # Every resource kind's declared operations, which the reader and writer call by name.
    for kind in KINDS.values():
        found |= {kind.describe, kind.update, kind.create, kind.list}
    return found


def test_iam_policy_grants_exactly_the_operations_the_code_calls() -> None:
    policy = json.loads((DEPLOY / "iam-policy.json").read_text())
    granted = {action for statement in policy["Statement"] for action in statement["Action"]}
    assert granted == {f"cognito-idp:{op}" for op in called_operations()}
    # Least privilege: only actions without resource-level permissions get "*".
    for statement in policy["Statement"]:
        if statement["Resource"] == "*":
            assert set(statement["Action"]) <= {
                "cognito-idp:CreateUserPool",
                "cognito-idp:ListUserPools",
            }
        else:
            assert statement["Resource"].startswith("arn:aws:cognito-idp:")
    assert {"DescribeUserPool", "UpdateUserPool", "SetUserPoolMfaConfig"} <= called_operations()


def test_compose_fleet_is_wired_to_its_own_services(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = compose()
    services = spec["services"]
    assert {"redis", "postgres", "emulator", "gateway-1", "gateway-2", "lb"} <= set(services)
    for name in ("gateway-1", "gateway-2"):
        env = services[name]["environment"]
        assert env["GATEWAY_REDIS_URL"].startswith("redis://redis:")
        assert env["GATEWAY_COGNITO_ENDPOINT_URL"] == "http://emulator:5000"
        assert env["GATEWAY_HISTORY_URL"].startswith("postgresql+asyncpg://gateway:")
        assert "@postgres:5432/" in env["GATEWAY_HISTORY_URL"]
        conditions = {k: v["condition"] for k, v in services[name]["depends_on"].items()}
        # The gateways wait for healthy stores instead of racing PostgreSQL at start.
        assert conditions["postgres"] == conditions["redis"] == "service_healthy"
        assert "healthcheck" in services[name]
        assert services[name]["build"]["target"] == "runtime"
        settings = settings_from(
            {k: v for k, v in env.items() if k.startswith("GATEWAY_")}, monkeypatch
        )

        assert settings.auth.auth_mode == "api-key" and settings.auth.api_keys[0].scopes
    for store in ("redis", "postgres"):
        assert services[store]["healthcheck"]["test"]
    lb = services["lb"]["depends_on"]
    assert {v["condition"] for v in lb.values()} == {"service_healthy"}
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "server gateway-1:8000;" in nginx and "server gateway-2:8000;" in nginx


def test_the_kustomization_applies_cleanly_beside_an_hpa() -> None:
    kustomization = yaml.safe_load(KUSTOMIZATION.read_text())
    for resource in kustomization["resources"]:
        assert (BASE / resource).exists(), resource
    assert not any("example" in resource for resource in kustomization["resources"])
    [generator] = kustomization["configMapGenerator"]
    assert generator["envs"] == ["gateway.env"]  # hashed name: a change rolls the pods
    deployment = k8s("Deployment")
    assert "replicas" not in deployment["spec"]  # the HPA owns the count
    pod = deployment["spec"]["template"]["spec"]
    assert pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"] > 0
    assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} >= {
        "topology.kubernetes.io/zone"
    }
    egress = k8s("NetworkPolicy")["spec"]["egress"]
    redis = next(rule for rule in egress if {"port": 6379, "protocol": "TCP"} in rule["ports"])
    assert any("ipBlock" in peer for peer in redis["to"])  # a Redis outside the namespace
    for trust in ("iam-trust-irsa.example.json", "iam-trust-pod-identity.example.json"):
        assert json.loads((DEPLOY / trust).read_text())["Statement"]


def test_kustomize_builds_manifests_that_validate_and_wire_the_hashed_configmap() -> None:
    import shutil
    import subprocess
    import sys

    kubectl = shutil.which("kubectl") or str(Path(sys.executable).parent / "kubectl")
    built = subprocess.run(
        [kubectl, "kustomize", str(BASE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    documents = [d for d in yaml.safe_load_all(built) if d]
    kinds = {d["kind"] for d in documents}
    assert "Secret" not in kinds  # the example is never applied
    [configmap] = [d for d in documents if d["kind"] == "ConfigMap"]
    assert configmap["metadata"]["name"].startswith("cognito-pool-gateway-")  # hashed
    [deployment] = [d for d in documents if d["kind"] == "Deployment"]
    refs = deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert refs[0]["configMapRef"]["name"] == configmap["metadata"]["name"]
    for document in documents:
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == "cognito-pool-gateway"
        if document["kind"] != "ServiceMonitor":
            kubernetes_validate.validate(
                document, kubernetes_validate.latest_version(), strict=True
            )


def tool(name: str) -> str:
    import shutil
    import sys

    return shutil.which(name) or str(Path(sys.executable).parent / name)


@pytest.mark.parametrize(
    "command",
    [
        ["hadolint", str(DEPLOY / "Dockerfile")],
        [
            "check-jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(DEPLOY / "compose.yaml"),
        ],
    ],
    ids=["hadolint", "compose-spec"],
)
def test_deploy_files_pass_their_linters(command: list[str]) -> None:
    import subprocess

    result = subprocess.run(
        [tool(command[0]), *command[1:]], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_installs_dependencies_before_the_code_and_checks_its_own_port() -> None:
    text = dockerfile()
    builder = text.split("AS builder", 1)[1].split("FROM ", 1)[0]
    assert builder.index("pip install --no-deps -r requirements.txt") < builder.index(
        "COPY gateway"
    )
    assert "--extra tracing" in builder
    runtime = text.split("AS runtime", 1)[1]
    assert "org.opencontainers.image.title" in runtime
    assert "GATEWAY_PORT" in runtime.split("HEALTHCHECK", 1)[1]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests"} <= set(ignored)


def test_the_load_balancer_config_passes_nginx_t(tmp_path: Path) -> None:
    import subprocess

    config = (DEPLOY / "nginx.conf").read_text()
    for replica in ("gateway-1", "gateway-2"):  # compose's service names, not resolvable here
        config = config.replace(f"server {replica}:", "server 127.0.0.1:")
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run(
        [
            tool("nginx"),
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-g",
            f"pid {tmp_path}/nginx.pid; error_log stderr;",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


async def test_promtool_accepts_the_scraped_metrics(http: Any, gateway: Any) -> None:
    import asyncio
    import subprocess

    await http.post(f"{gateway.url}/graphql", json={"query": "{ __typename }"})
    scraped = (await http.get(f"{gateway.url}/metrics")).text
    result = await asyncio.to_thread(
        subprocess.run,
        [tool("promtool"), "check", "metrics"],
        input=scraped,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # promtool parses the exposition and lints names and help texts; it exits 1 for both.
    assert result.returncode == 0, result.stdout + result.stderr


RECOMMENDED = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
)


def kustomized(directory: Path) -> list[dict[str, Any]]:
    import shutil
    import subprocess
    import sys

    kubectl = shutil.which("kubectl") or str(Path(sys.executable).parent / "kubectl")
    built = subprocess.run(
        [kubectl, "kustomize", str(directory)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return [d for d in yaml.safe_load_all(built) if d]


def test_the_base_needs_no_crd_and_the_servicemonitor_is_an_optional_component(
    tmp_path: Path,
) -> None:
    base = kustomized(BASE)
    assert all(d["apiVersion"].split("/")[0] in CORE_GROUPS for d in base), {
        d["apiVersion"] for d in base
    }
    overlay = tmp_path / "with-monitoring"
    overlay.mkdir()
    base_dir = os.path.relpath(BASE, overlay)
    component = os.path.relpath(DEPLOY / "k8s" / "components" / "servicemonitor", overlay)
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [base_dir],
                "components": [component],
            }
        )
    )
    with_monitoring = kustomized(overlay)
    assert [d["kind"] for d in with_monitoring if d["kind"] == "ServiceMonitor"] == [
        "ServiceMonitor"
    ]


CORE_GROUPS = {"v1", "apps", "autoscaling", "policy", "networking.k8s.io"}


def test_every_object_and_the_pod_carry_the_recommended_labels() -> None:
    for document in kustomized(BASE):
        labels = document["metadata"].get("labels", {})
        missing = [label for label in RECOMMENDED if label not in labels]
        assert not missing, (document["kind"], missing)
        if document["kind"] == "Deployment":
            template = document["spec"]["template"]["metadata"]["labels"]
            assert all(label in template for label in RECOMMENDED)
            assert document["spec"]["selector"]["matchLabels"] == {
                "app.kubernetes.io/name": "cognito-pool-gateway"
            }  # selectors never change with a version


def test_secrets_are_optional_and_no_api_token_is_mounted() -> None:
    deployment = k8s("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    refs = [e["valueFrom"]["secretKeyRef"] for e in pod["containers"][0]["env"]
            if "secretKeyRef" in e.get("valueFrom", {})]  # fmt: skip
    assert refs and all(ref["optional"] is True for ref in refs)
    assert pod["automountServiceAccountToken"] is False
    assert k8s("ServiceAccount")["automountServiceAccountToken"] is False


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_every_overlay_builds_validates_strictly_and_labels_everything(overlay: Path) -> None:
    documents = kustomized(overlay)
    for document in documents:
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)
        labels = document["metadata"].get("labels", {})
        missing = [label for label in RECOMMENDED if label not in labels]
        assert not missing, (overlay.name, document["kind"], document["metadata"]["name"], missing)
        assert document["apiVersion"].split("/")[0] in CORE_GROUPS  # no CRD needed
    assert {o.name for o in OVERLAYS} == {"dev", "production"}


def test_dev_is_one_replica_and_production_a_fleet_with_its_stores() -> None:
    dev = {(d["kind"], d["metadata"]["name"]): d for d in kustomized(DEPLOY / "k8s/overlays/dev")}
    assert dev[("Deployment", "cognito-pool-gateway")]["spec"]["replicas"] == 1
    assert not any(kind == "HorizontalPodAutoscaler" for kind, _ in dev)
    production = {
        (d["kind"], d["metadata"]["name"]): d
        for d in kustomized(DEPLOY / "k8s/overlays/production")
    }
    deployment = production[("Deployment", "cognito-pool-gateway")]
    assert "replicas" not in deployment["spec"]  # the HPA owns the count
    hpa = production[("HorizontalPodAutoscaler", "cognito-pool-gateway")]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "cognito-pool-gateway" and hpa["minReplicas"] >= 2
    assert production[("PodDisruptionBudget", "cognito-pool-gateway")]["spec"]["minAvailable"]
    secrets = {
        ref["valueFrom"]["secretKeyRef"]["name"]
        for ref in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    for store, port in (("redis", 6379), ("postgresql", 5432)):
        server = production[("StatefulSet", store)]["spec"]["template"]["spec"]
        [container] = server["containers"]
        used = {e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env", [])
                if "valueFrom" in e}  # fmt: skip
        assert used <= secrets  # the gateway's own Secrets hold the servers' passwords
        assert server["securityContext"]["runAsNonRoot"] is True
        service = production[("Service", store)]["spec"]
        assert service["ports"][0]["port"] == port
        only_the_gateway = production[("NetworkPolicy", store)]["spec"]["ingress"][0]["from"]
        assert only_the_gateway == [
            {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "cognito-pool-gateway"}}}
        ]
