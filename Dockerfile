# The roadmap bot: polling mode by default, data in the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY services ./services
COPY scheduler ./scheduler
COPY locales ./locales
RUN pip install . \
    && useradd --create-home --uid 10001 roadmap \
    && mkdir -p /data \
    && chown roadmap:roadmap /data

USER roadmap
VOLUME ["/data"]

# The database answers and its schema is current (the bot migrates it itself on start).
HEALTHCHECK --interval=60s --timeout=15s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot", "check"]

CMD ["python", "-m", "bot"]
