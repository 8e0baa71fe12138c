# hookflow image: one image for `hookflow serve` (the default command), `hookflow worker`,
# `hookflow migrate` and `hookflow check`; docker-compose.yml and the Helm chart run them.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LOG_DIR=/data/logs \
    RUN_WORKSPACE_DIR=/data/workspaces

WORKDIR /app

# bubblewrap: the worker runs command agents in its sandbox (RUN_AGENT_SANDBOX=auto).
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends bubblewrap git \
    && rm -rf /var/lib/apt/lists/*

# Dependencies in their own layer (the versions the tests ran with): rebuilt only when
# pyproject.toml or constraints.txt changes.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself (.dockerignore keeps out .git, .venv, tests, secrets), installed as a
# package: the migrations travel inside it, so `hookflow migrate` needs nothing from /app.
COPY . .
RUN pip install --no-deps . && rm -rf build *.egg-info

RUN useradd --create-home --uid 10001 --user-group hookflow \
    && mkdir -p /data/logs /data/workspaces \
    && chown -R hookflow:hookflow /data
USER hookflow

EXPOSE 9000
CMD ["hookflow", "serve"]
