from typing import Annotated

from fastapi import Request
from pydantic import UUID4, Field

from application.files.commands import FileCreate, FilePatch, FileUploadCompleted
from application.files.ports import FileUnitOfWork
from application.files.service import FileUseCases
from domain.file import File
from entrypoints.http.dependencies import (
    ORGANIZATION_HEADER,
    FromContainer,
    ReadUnitOfWork,
    WriteUnitOfWork,
    with_header_organization,
)
from entrypoints.http.files import auth
from entrypoints.http.files.schemas import FileRead, FileUpload, file_read
from entrypoints.http.kit.query import (
    ListQuery,
    OrganizationIds,
    list_query,
    openapi_parameters,
)
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource

router = ModuleRouter(prefix="/files", tags=["files"])

Service = FromContainer[FileUseCases](lambda c: c.file_service)


def _read(service: FileUseCases, file: File) -> FileRead:
    return file_read(file, service.public_url(file))


class FileListQuery(ListQuery):
    organization_id: OrganizationIds = None
    ids: Annotated[list[UUID4] | None, Field(description="Filter by file ID.", max_length=100)] = (
        None
    )


@router.get("/", summary="List files", openapi_extra=openapi_parameters(FileListQuery))
async def list_files(
    request: Request,
    subject: auth.FilesRead,
    uow: ReadUnitOfWork[FileUnitOfWork],
    q: Annotated[FileListQuery, list_query(FileListQuery)],
) -> ListResource[FileRead]:
    service = Service(request)
    page = await service.list(
        uow, subject, organization_ids=q.organization_id, ids=q.ids, pagination=q.pagination
    )
    return ListResource.of(page, [_read(service, f) for f in page.items])


@router.post("/", status_code=201, summary="Create a file", openapi_extra=ORGANIZATION_HEADER)
async def create_file(
    request: Request,
    body: FileCreate,
    subject: auth.FilesWrite,
    uow: WriteUnitOfWork[FileUnitOfWork],
) -> FileUpload:
    service = Service(request)
    body = with_header_organization(body, request)
    file, upload = await service.create(uow, subject, body)
    await uow.commit()
    return FileUpload.of(file, upload)


@router.post("/{id}/uploaded", summary="Complete a file upload")
async def complete_upload(
    request: Request,
    id: UUID4,
    body: FileUploadCompleted,
    subject: auth.FilesWrite,
    uow: WriteUnitOfWork[FileUnitOfWork],
) -> FileRead:
    service = Service(request)
    completion = await service.complete(uow, subject, id, body)
    await uow.commit()  # a failed verification is recorded too: the file stays unusable
    if completion.error is not None:
        raise completion.error
    return _read(service, completion.file)


@router.patch("/{id}", summary="Update a file")
async def update_file(
    request: Request,
    id: UUID4,
    body: FilePatch,
    subject: auth.FilesWrite,
    uow: WriteUnitOfWork[FileUnitOfWork],
) -> FileRead:
    service = Service(request)
    file = await service.update(uow, subject, id, body)
    await uow.commit()
    return _read(service, file)


@router.delete("/{id}", status_code=204, summary="Delete a file")
async def delete_file(
    request: Request, id: UUID4, subject: auth.FilesWrite, uow: WriteUnitOfWork[FileUnitOfWork]
) -> None:
    service = Service(request)
    await service.delete(uow, subject, id)
    await uow.commit()
