from fastapi import Request, Response

from application.customer_sessions.commands import CustomerSessionCreate
from application.customer_sessions.ports import CustomerSessionUnitOfWork
from application.customer_sessions.service import CustomerSessionService
from entrypoints.http.customer_sessions import auth
from entrypoints.http.customer_sessions.schemas import (
    CustomerSessionSchema,
    customer_session_wire,
)
from entrypoints.http.dependencies import FromContainer, WriteUnitOfWork
from entrypoints.http.kit.responses import json_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.settings import Settings

router = ModuleRouter(prefix="/customer-sessions", tags=["customer-sessions"])

Service = FromContainer[CustomerSessionService](lambda c: c.customer_session_service)
AppSettings = FromContainer[Settings](lambda c: c.settings)


@router.post(
    "/",
    status_code=201,
    summary="Create Customer Session",
    response_model=CustomerSessionSchema,
)
async def create_customer_session(
    request: Request,
    body: CustomerSessionCreate,
    subject: auth.CustomerSessionsWrite,
    uow: WriteUnitOfWork[CustomerSessionUnitOfWork],
) -> Response:
    """A `polar_cst_` token with which the customer authenticates for an hour (shown once),
    and the URL of its customer portal."""
    service = Service(request)
    settings = AppSettings(request)
    issued = await service.create(uow, subject, body)
    await uow.commit()
    wire = customer_session_wire(
        issued.session,
        issued.token,
        issued.customer,
        issued.organization.slug,
        settings.api_base_url,
    )
    return json_response(wire, status_code=201)
