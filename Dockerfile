# syntax=docker/dockerfile:1
# FinTrack: the dashboard (8501) and the HTTP API (8000) in one image.
#   docker build -t fintrack .
#   docker run -p 8501:8501 -p 8000:8000 -v fintrack-data:/data fintrack
# docker-compose.yml runs the same image as two services beside PostgreSQL.

# --- builder: wheels for every pinned runtime dependency ------------------------------------
FROM python:3.11-slim AS builder
WORKDIR /build
COPY requirements.txt .
# requirements.txt ends with `-e .` (the `fintrack` command of a checkout): the image runs the
# source from PYTHONPATH instead, so only the pinned packages are built.
RUN grep -v '^-e ' requirements.txt > pinned-requirements.txt \
    && pip wheel --no-cache-dir --wheel-dir /wheels -r pinned-requirements.txt

# --- runtime: the wheels installed offline, the source, a user without privileges -----------
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    FINTRACK_DATA_DIR=/data \
    FINTRACK_DATABASE_URL=sqlite:////data/fintrack.db \
    FINTRACK_HEALTH_URLS="http://127.0.0.1:8501/_stcore/health http://127.0.0.1:8000/health"

RUN groupadd --system --gid 10001 fintrack \
    && useradd --system --uid 10001 --gid fintrack --create-home --home-dir /home/fintrack \
       --shell /usr/sbin/nologin fintrack \
    && mkdir /data \
    && chown fintrack:fintrack /data

# Only the builder's wheels, no index: the image holds exactly the pinned versions.
COPY requirements.txt /tmp/requirements.txt
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    grep -v '^-e ' /tmp/requirements.txt > /tmp/pinned-requirements.txt \
    && pip install --no-cache-dir --no-index --find-links=/wheels \
       -r /tmp/pinned-requirements.txt \
    && rm /tmp/requirements.txt /tmp/pinned-requirements.txt

WORKDIR /app
COPY app.py pyproject.toml ./
COPY .streamlit/config.toml .streamlit/config.toml
COPY static/ static/
COPY pages/ pages/
COPY fintrack_core/ fintrack_core/
COPY fintrack_ui/ fintrack_ui/
COPY fintrack_cli/ fintrack_cli/
COPY fintrack_api/ fintrack_api/

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8501 8000

# Every server of this container answers (compose narrows FINTRACK_HEALTH_URLS per service).
HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; [r.urlopen(u, timeout=5) for u in os.environ['FINTRACK_HEALTH_URLS'].split()]"]

# `python -m fintrack_cli.main` is the `fintrack` command (the source is on PYTHONPATH).
ENTRYPOINT ["python", "-m", "fintrack_cli.main"]
CMD ["serve", "--host", "0.0.0.0"]
