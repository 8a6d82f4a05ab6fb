"""Every write route claims its Idempotency-Key before it opens its unit of work: the claim
happens in its Authenticator, and the write unit of work holds its commits only once the key
is claimed (see entrypoints/http/idempotency.py)."""

from __future__ import annotations

from fastapi.routing import APIRoute

from entrypoints.http.dependencies import Authenticator, _write_uow
from entrypoints.http.idempotency import WRITE_METHODS
from entrypoints.modules import MODULES


def test_every_write_route_authenticates_before_it_opens_its_unit_of_work() -> None:
    checked = 0
    for module in MODULES:
        for router in (*module.routers, *module.public_routers):
            for route in router.routes:
                if not isinstance(route, APIRoute) or not route.methods & WRITE_METHODS:
                    continue
                calls = [dependency.call for dependency in route.dependant.dependencies]
                authenticators = [
                    i for i, call in enumerate(calls) if isinstance(call, Authenticator)
                ]
                assert len(authenticators) == 1, route.path
                if _write_uow in calls:
                    assert authenticators[0] < calls.index(_write_uow), (route.path, route.methods)
                    checked += 1
    assert checked >= 20
