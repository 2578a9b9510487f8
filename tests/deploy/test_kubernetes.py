"""The multi-machine path, checked offline: deploy/kubernetes manifests against the schemas of a pinned
Kubernetes version (kubernetes-validate ships them), the API's probes, budget and autoscaler agreeing
with each other and with PgBouncer, and the values for Dagster's Helm chart using only keys the chart
declares and the concurrency policy of dagster_home/dagster.yaml.

The chart itself is not fetched (no network in tests). Its keys are the list below, taken from the
chart's values schema in dagster-io/dagster (helm/dagster/schema/schema/charts/dagster/values.py and
subschema/{daemon,run_launcher,postgresql,concurrency,retention,webserver,python_logs,global_}.py,
dagster_user_deployments/subschema/user_deployments.py); a key the chart does not know would be
ignored silently by `helm upgrade`, which is what this catches. `helm lint`/`helm template` against
the real chart 1.13.27 is the check to run where the chart can be pulled."""

from __future__ import annotations

import configparser
import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .conftest import REPO

K8S_VERSION = "1.34.0"  # the cluster version we target; schemas shipped by kubernetes-validate
KUBE = REPO / "deploy" / "kubernetes"
MANIFESTS = ["api.yaml", "pgbouncer.yaml", "migrate-job.yaml"]
VALUES = KUBE / "dagster-values.yaml"

ANY = "any"  # a Kubernetes object or free-form mapping the chart passes through as-is
LEAF = "leaf"
K8S_OBJECT_KEYS = ("resources", "nodeSelector", "affinity", "tolerations", "podSecurityContext", "securityContext")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_COMMON = {k: ANY for k in (*K8S_OBJECT_KEYS, *_PROBES, "annotations", "labels", "deploymentLabels")}
_COMMON |= {"env": ANY, "envConfigMaps": ANY, "envSecrets": ANY, "volumeMounts": ANY, "volumes": ANY}
_COMMON |= {"schedulerName": LEAF, "image": ANY}
CHART_KEYS: dict[str, Any] = {
    "global": {
        k: LEAF for k in ("postgresqlSecretName", "dagsterHome", "serviceAccountName", "celeryConfigSecretName")
    },
    "generatePostgresqlPasswordSecret": LEAF,
    "generateCeleryConfigSecret": LEAF,
    "postgresql": {
        **{k: LEAF for k in ("enabled", "postgresqlHost", "postgresqlUsername", "postgresqlPassword")},
        **{k: LEAF for k in ("postgresqlDatabase", "postgresqlScheme")},
        "postgresqlParams": ANY,
        "image": ANY,
        "service": {"port": LEAF},
    },
    "dagsterWebserver": {
        **_COMMON,
        **{k: LEAF for k in ("replicaCount", "nameOverride", "pathPrefix", "enableReadOnly", "logLevel")},
        **{k: LEAF for k in ("dbStatementTimeout", "dbPoolRecycle")},
        "service": ANY,
        "workspace": ANY,
    },
    "dagster-user-deployments": {
        "enabled": LEAF,
        "enableSubchart": LEAF,
        "imagePullSecrets": ANY,
        "deployments": [
            {
                **_COMMON,
                **{k: LEAF for k in ("name", "port", "replicaCount", "deploymentNamespace")},
                "dagsterApiGrpcArgs": ANY,
                "codeServerArgs": ANY,
                "includeConfigInLaunchedRuns": {"enabled": LEAF},
                "initContainers": ANY,
                "sidecarContainers": ANY,
                "deploymentStrategy": ANY,
            }
        ],
    },
    "runLauncher": {
        "type": LEAF,
        "config": {
            "k8sRunLauncher": {
                **{k: LEAF for k in ("imagePullPolicy", "jobNamespace", "loadInclusterConfig", "kubeconfigFile")},
                **{k: LEAF for k in ("failPodOnRunFailure", "schedulerName")},
                **{k: ANY for k in ("image", "envConfigMaps", "envSecrets", "envVars", "volumeMounts", "volumes")},
                **{k: ANY for k in ("labels", "resources", "securityContext")},
                "runK8sConfig": {
                    k: ANY
                    for k in (
                        "containerConfig",
                        "podSpecConfig",
                        "podTemplateSpecMetadata",
                        "jobSpecConfig",
                        "jobMetadata",
                    )
                },
            },
            "celeryK8sRunLauncher": ANY,
            "customRunLauncher": ANY,
        },
    },
    "concurrency": {
        "enabled": LEAF,
        "pools": {k: LEAF for k in ("defaultLimit", "granularity", "opGranularityRunBuffer")},
        "runs": {"maxConcurrentRuns": LEAF, "tagConcurrencyLimits": [{"key": LEAF, "value": ANY, "limit": LEAF}]},
    },
    "dagsterDaemon": {
        **_COMMON,
        "enabled": LEAF,
        "heartbeatTolerance": LEAF,
        "runCoordinator": {
            "enabled": LEAF,
            "type": LEAF,
            "config": {
                "queuedRunCoordinator": {
                    **{k: LEAF for k in ("maxConcurrentRuns", "dequeueIntervalSeconds", "dequeueNumWorkers")},
                    "dequeueUseThreads": LEAF,
                    "tagConcurrencyLimits": [{"key": LEAF, "value": ANY, "limit": LEAF}],
                },
                "customRunCoordinator": ANY,
            },
        },
        # a free-form mapping in the schema; these are the keys the chart's instance template reads
        "runMonitoring": {
            k: LEAF for k in ("enabled", "startTimeoutSeconds", "pollIntervalSeconds", "maxResumeRunAttempts")
        },
        "runRetries": {"enabled": LEAF, "maxRetries": LEAF, "retryOnAssetOrOpFailure": LEAF},
        "sensors": {k: LEAF for k in ("useThreads", "numWorkers", "numSubmitWorkers")},
        "schedules": {k: LEAF for k in ("useThreads", "numWorkers", "numSubmitWorkers")},
    },
    "pythonLogs": {"pythonLogLevel": LEAF, "managedPythonLoggers": ANY, "dagsterHandlerConfig": ANY},
    "retention": {
        "enabled": LEAF,
        **{
            # an int, or one per tick status
            kind: {"purgeAfterDays": (LEAF, {k: LEAF for k in ("skipped", "success", "failure", "started")})}
            for kind in ("sensor", "schedule", "autoMaterialize")
        },
    },
    "telemetry": {"enabled": LEAF},
    **{k: ANY for k in ("imagePullSecrets", "computeLogManager", "scheduler", "ingress", "busybox", "migrate")},
    **{k: ANY for k in ("serviceAccount", "additionalInstanceConfig", "rabbitmq", "redis", "flower")},
}


def documents(name: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((KUBE / name).read_text()) if doc]


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for name in MANIFESTS for doc in documents(name) if doc["kind"] == kind]


def one(kind: str, name: str) -> dict[str, Any]:
    return next(doc for doc in by_kind(kind) if doc["metadata"]["name"] == name)


def validate(resource: dict[str, Any]) -> None:
    """Raises kubernetes_validate.ValidationError (strict: unknown fields are errors too)."""
    kubernetes_validate.validate(resource, K8S_VERSION, strict=True)


@pytest.mark.parametrize("name", MANIFESTS)
def test_manifests_validate_against_the_pinned_kubernetes(name: str) -> None:
    docs = documents(name)
    assert docs
    for doc in docs:
        validate(doc)


def test_the_validator_rejects_what_a_cluster_would() -> None:
    deployment = one("Deployment", "aptichat-api")
    misspelt = copy.deepcopy(deployment)
    misspelt["spec"]["template"]["spec"]["containers"][0]["readynessProbe"] = {"httpGet": {"path": "/readyz"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(misspelt)
    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(wrong_type)


def test_api_probes_service_autoscaler_and_budget_agree() -> None:
    deployment = one("Deployment", "aptichat-api")
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"  # never the database: no restart storms
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    args = container["args"]
    assert args[:3] == ["aptichat", "api", "serve"] and int(args[args.index("--port") + 1]) == ports["http"]
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0

    labels = pod["metadata"]["labels"]
    service = one("Service", "aptichat-api")
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] in ports
    budget = one("PodDisruptionBudget", "aptichat-api")
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = one("HorizontalPodAutoscaler", "aptichat-api")
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    # a drain must be possible at the minimum size, or nodes never drain
    assert hpa["spec"]["minReplicas"] > budget["spec"]["minAvailable"]
    assert deployment["spec"]["replicas"] >= hpa["spec"]["minReplicas"]

    # every *_FILE points into the mounted Secret, and docker/entrypoint.py reads exactly those names
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    secret_dir = mounts["secrets"]
    entrypoint = (REPO / "docker" / "entrypoint.py").read_text()
    for env in container["env"]:
        if env["name"].endswith("_FILE"):
            assert env["value"].startswith(secret_dir + "/"), env
            assert f'"{env["name"].removesuffix("_FILE")}"' in entrypoint, env


def test_the_api_reaches_postgres_through_pgbouncer_sized_for_the_autoscaler_maximum() -> None:
    env = {
        e["name"]: e.get("value")
        for e in one("Deployment", "aptichat-api")["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    bouncer = one("Service", "aptichat-pgbouncer")
    assert env["POSTGRES_HOST"] == bouncer["metadata"]["name"]
    assert int(env["POSTGRES_PORT"]) == bouncer["spec"]["ports"][0]["port"]
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read_string(one("ConfigMap", "aptichat-pgbouncer")["data"]["pgbouncer.ini"])
    conf = ini["pgbouncer"]
    assert conf["pool_mode"] == "transaction"
    assert int(conf["max_prepared_statements"]) > 0  # psycopg prepares statements at the protocol level
    assert int(conf["listen_port"]) == bouncer["spec"]["ports"][0]["port"]
    # worst case, every API connection lands on one PgBouncer replica
    args = one("Deployment", "aptichat-api")["spec"]["template"]["spec"]["containers"][0]["args"]
    workers = int(args[args.index("--workers") + 1])
    per_pod = workers * 2 * int(env["APTICHAT_DB_POOL_SIZE"])  # pool + max_overflow (aptichat/db/engine.py)
    assert one("HorizontalPodAutoscaler", "aptichat-api")["spec"]["maxReplicas"] * per_pod <= int(
        conf["max_client_conn"]
    )
    assert "pool_size=pool_size, max_overflow=pool_size" in (REPO / "aptichat" / "db" / "engine.py").read_text()


def unknown_keys(value: Any, allowed: Any, path: str = "") -> list[str]:
    if isinstance(allowed, tuple):  # alternatives: fine if any one fits
        problems = [unknown_keys(value, option, path) for option in allowed]
        return [] if any(not p for p in problems) else problems[-1]
    if allowed in (ANY, LEAF):
        return [] if allowed == ANY or not isinstance(value, dict) else [f"{path}: a value, not a mapping"]
    if isinstance(allowed, list):
        return [p for i, item in enumerate(value or []) for p in unknown_keys(item, allowed[0], f"{path}[{i}]")]
    if not isinstance(value, dict):
        return [f"{path}: expected a mapping"]
    found = []
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        found += unknown_keys(item, allowed[key], where) if key in allowed else [where]
    return found


def test_the_helm_values_use_only_keys_the_chart_declares() -> None:
    values = yaml.safe_load(VALUES.read_text())
    assert unknown_keys(values, CHART_KEYS) == []
    # and the checker does catch a misplaced key
    assert unknown_keys({"dagsterDaemon": {"runCoordinator": {"maxConcurrentRuns": 4}}}, CHART_KEYS) == [
        "dagsterDaemon.runCoordinator.maxConcurrentRuns"
    ]


def test_the_helm_values_keep_our_instance_policy() -> None:
    values = yaml.safe_load(VALUES.read_text())
    instance = yaml.safe_load((REPO / "dagster_home" / "dagster.yaml").read_text())
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"

    # concurrency: the same limits exist (tag keys and pools); the numbers scale with the cluster
    ours, theirs = instance["concurrency"], values["concurrency"]
    assert theirs["enabled"]
    max_runs = theirs["runs"]["maxConcurrentRuns"]
    assert max_runs > ours["runs"]["max_concurrent_runs"]
    local_tags = {t["key"] for t in ours["runs"]["tag_concurrency_limits"]}
    cluster_tags = {t["key"]: t["limit"] for t in theirs["runs"]["tagConcurrencyLimits"]}
    assert set(cluster_tags) == local_tags == {"dagster/backfill"}
    assert 0 < cluster_tags["dagster/backfill"] < max_runs  # backfills never take every slot
    assert "default_limit" in ours["pools"] and theirs["pools"]["defaultLimit"] == max_runs  # one pod, own CPUs

    daemon = values["dagsterDaemon"]
    assert daemon["runRetries"]["maxRetries"] == instance["run_retries"]["max_retries"]
    assert daemon["runMonitoring"]["enabled"] == instance["run_monitoring"]["enabled"]
    assert daemon["runMonitoring"]["maxResumeRunAttempts"] == instance["run_monitoring"]["max_resume_run_attempts"]
    assert values["pythonLogs"]["managedPythonLoggers"] == instance["python_logs"]["managed_python_loggers"]

    # our image as the user-code deployment, serving the module compose serves
    (code,) = values["dagster-user-deployments"]["deployments"]
    assert code["image"]["repository"].endswith("/aptichat-dagster-code")
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    served = compose["services"]["dagster-code"]["command"]
    assert code["codeServerArgs"] == served[served.index("-m") : served.index("-m") + 2]
    assert code["includeConfigInLaunchedRuns"]["enabled"]


def test_run_pods_are_sized_for_embedding_and_render_to_a_valid_job() -> None:
    run = yaml.safe_load(VALUES.read_text())["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]
    container = run["containerConfig"]
    cpu = float(container["resources"]["requests"]["cpu"])
    assert cpu >= 2  # local MiniLM embedding is CPU-bound (docs/scaling.md)
    threads = {e["name"]: e["value"] for e in container["env"]}["OMP_NUM_THREADS"]
    assert int(threads) == cpu  # torch uses what the pod was given, not the node's core count
    # what the K8sRunLauncher builds from this config, checked like any manifest
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "dagster-run-example"},
        "spec": {
            **run["jobSpecConfig"],
            "template": {
                "spec": {
                    **run["podSpecConfig"],
                    "restartPolicy": "Never",
                    "containers": [
                        {"name": "dagster", "image": "ghcr.io/owner/aptichat-dagster-code:0.1.0", **container}
                    ],
                }
            },
        },
    }
    validate(job)


def test_docs_name_the_pinned_versions() -> None:
    scaling = (REPO / "docs" / "scaling.md").read_text()
    assert K8S_VERSION.rsplit(".", 1)[0] in scaling and "1.13.27" in scaling
    assert "kubernetes-validate==" in (REPO / "setup.py").read_text()
    assert Path(KUBE / "dagster-values.yaml").exists()
