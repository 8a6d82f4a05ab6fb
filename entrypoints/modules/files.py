"""Files: uploads to the object storage, and the URLs the local storage serves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dependency_injector import providers

from adapters.memory.files import InMemoryFileRepository
from adapters.sqlalchemy.repositories.files import SqlAlchemyFileRepository
from application.files.service import FileUseCases
from domain.scopes import Scope
from entrypoints.http import storage
from entrypoints.http.files import endpoints
from entrypoints.modules.base import Module, Repository
from entrypoints.worker.tasks import files as tasks


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "file_service": providers.Singleton(
            FileUseCases,
            clock=c.clock,
            storage=c.object_storage,
            max_size=c.settings.provided.file_max_size,
            url_ttl=providers.Callable(lambda s: timedelta(seconds=s.file_url_ttl), c.settings),
        )
    }


module = Module(
    name="files",
    scopes=(Scope.files_read, Scope.files_write),
    repositories={"files": Repository(SqlAlchemyFileRepository, InMemoryFileRepository)},
    services=_services,
    routers=(endpoints.router,),
    public_routers=(storage.router,),
    tasks=tasks.register,
)
