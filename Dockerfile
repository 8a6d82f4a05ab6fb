# Meridian: one image for every process (api, worker, scheduler, migrate, bootstrap).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    PATH="/app/.venv/bin:${PATH}"

RUN pip install --no-cache-dir uv \
    && useradd --create-home --uid 10001 meridian \
    && mkdir /app \
    && chown meridian:meridian /app

WORKDIR /app
USER meridian

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY --chown=meridian:meridian pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the project itself. It is installed in editable mode (uv's default), so the code runs
# from /app and `meridian migrate` finds /app/migrations.
COPY --chown=meridian:meridian . .
RUN uv sync --frozen --no-dev

EXPOSE 8000

# The API by default; compose overrides the command for the worker, scheduler and migrate.
CMD ["meridian", "api", "--host", "0.0.0.0"]
