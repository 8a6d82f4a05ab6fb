"""The module list (entrypoints/modules/) is the one place modules are registered: what the
use cases' narrow units of work name, the routes' scopes and the repository adapters must all
agree with it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from typing import Any

import application
from application.uow import UnitOfWork
from entrypoints.container import Container, repositories_for
from entrypoints.http.dependencies import Authenticator
from entrypoints.modules import MODULES


def _application_modules() -> list[Any]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(application.__path__, "application.")
    ]


def _unit_of_work_protocols() -> list[type]:
    found = []
    for module in _application_modules():
        for _, value in vars(module).items():
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and UnitOfWork in value.__mro__
                and value is not UnitOfWork
            ):
                found.append(value)
    return found


def _ports() -> dict[str, Any]:
    """Every class of the application layer, by name (to resolve protocol annotations)."""
    return {
        name: value
        for module in _application_modules()
        for name, value in vars(module).items()
        if inspect.isclass(value)
    }


def _members(port: type) -> set[str]:
    return {
        name for name, value in vars(port).items() if callable(value) and not name.startswith("_")
    }


def test_every_repository_a_use_case_names_is_registered_with_both_adapters() -> None:
    protocols = _unit_of_work_protocols()
    assert len(protocols) >= 9  # one per module at least
    ports = _ports()
    registered = {
        adapter: repositories_for(MODULES, adapter) for adapter in ("sqlalchemy", "memory")
    }
    for protocol in protocols:
        hints = typing.get_type_hints(protocol, localns=ports)
        for name, port in hints.items():
            for adapter, classes in registered.items():
                assert name in classes, f"{protocol.__name__}.{name}: no {adapter} repository"
                missing = _members(port) - set(dir(classes[name]))
                assert not missing, f"{classes[name].__name__} lacks {sorted(missing)} of {port}"


def test_routes_ask_only_for_their_modules_scopes() -> None:
    for module in MODULES:
        for router in module.routers:
            for route in router.routes:
                for dependency in route.dependant.dependencies:  # type: ignore[attr-defined]
                    if isinstance(dependency.call, Authenticator):
                        asked = dependency.call.required_scopes
                        assert asked <= set(module.scopes), (module.name, route.path, asked)


def test_every_module_service_is_a_provider_of_the_container() -> None:
    container = Container()
    for module in MODULES:
        if module.services is None:
            continue
        for name in module.services(Container):
            assert name in container.providers, (module.name, name)
