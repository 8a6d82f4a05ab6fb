from fastapi import Response

from application.customer_portal.service import authenticated_customer
from application.customers.ports import CustomerUnitOfWork
from entrypoints.http.customer_portal import auth
from entrypoints.http.customer_portal.schemas import (
    CustomerPortalCustomer,
    customer_portal_customer_wire,
)
from entrypoints.http.dependencies import ReadUnitOfWork
from entrypoints.http.kit.responses import json_response
from entrypoints.http.kit.routing import ModuleRouter

router = ModuleRouter(prefix="/customer-portal", tags=["customer-portal"])


@router.get(
    "/customers/me",
    summary="Get Customer",
    response_model=CustomerPortalCustomer,
)
async def get_authenticated_customer(
    subject: auth.CustomerPortalRead, uow: ReadUnitOfWork[CustomerUnitOfWork]
) -> Response:
    """The customer the customer session authenticates."""
    customer = await authenticated_customer(uow, subject)
    return json_response(customer_portal_customer_wire(customer))
