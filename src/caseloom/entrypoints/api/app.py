"""The FastAPI application. Routes are sync functions: FastAPI runs them in its thread pool."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request

from caseloom import __version__
from caseloom.bootstrap import Caseloom
from caseloom.entrypoints import portal
from caseloom.entrypoints.api import cases, field, mail, problems, routing, sla, triage, workforce
from caseloom.entrypoints.api.deps import running


def create_app(caseloom: Caseloom, max_request_bytes: int = 1_048_576) -> FastAPI:
    app = FastAPI(
        title="Caseloom",
        version=__version__,
        summary="Case orchestration for customer service and field service",
        docs_url="/docs",
    )
    app.state.caseloom = caseloom
    problems.install(app)
    app.include_router(cases.router, prefix="/api/v1")
    app.include_router(workforce.router, prefix="/api/v1")
    app.include_router(triage.router, prefix="/api/v1")
    app.include_router(routing.router, prefix="/api/v1")
    app.include_router(sla.router, prefix="/api/v1")
    app.include_router(field.router, prefix="/api/v1")
    app.include_router(mail.router, prefix="/api/v1")
    app.include_router(portal.router)
    uploads = portal.MAX_FILES * caseloom.policy.intake.max_attachment_bytes + max_request_bytes
    app.add_middleware(
        problems.BodyLimit, limit=max_request_bytes, paths={portal.SUBMIT_PATH: uploads}
    )

    @app.get("/healthz", tags=["health"])
    def healthz(
        request: Request, caseloom: Annotated[Caseloom, Depends(running)]
    ) -> dict[str, Any]:
        """Alive, with the policy that decides and whether the database answers."""
        with caseloom.store.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "policy": caseloom.policy.ref, "database": "ok"}

    return app
