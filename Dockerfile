# ChatTriage HTTP service: slim Python, pinned dependencies, non-root, jieba cache built at image build time.
#   docker build -t chattriage .
#   docker run -p 8000:8000 -e CHATTRIAGE_WORKERS=2 chattriage
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CHATTRIAGE_HOST=0.0.0.0 \
    CHATTRIAGE_PORT=8000 \
    CHATTRIAGE_WORKERS=2 \
    CHATTRIAGE_CACHE_DIR=/app/.cache \
    CHATTRIAGE_MODEL_PATH=/app/models/chattriage.joblib

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin chattriage

COPY requirements.lock pyproject.toml README.md ./
COPY service ./service
COPY training/*.py ./training/
COPY models ./models

# Runtime dependencies at the exact versions of requirements.lock (the dev tools are not installed),
# then the jieba prefix-dictionary cache, built now into the app-owned cache directory.
RUN pip install -c requirements.lock . \
    && python -c "from pathlib import Path; from service.text.segment import Segmenter; \
Segmenter(engine='jieba', cache_dir=Path('/app/.cache')).warm_up()" \
    && chown -R chattriage:chattriage /app/.cache

USER chattriage
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"

# The same start command as the README's `make run`; host, port, workers and model come from CHATTRIAGE_*.
CMD ["python", "-m", "service", "serve"]
