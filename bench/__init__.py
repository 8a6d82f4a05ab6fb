"""Benchmarks: the app against a bare FastAPI + asyncpg baseline (`uv run task bench`)."""
