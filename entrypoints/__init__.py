"""Entrypoints: the HTTP API, the worker, the scheduler, the CLI, and the container wiring them."""
