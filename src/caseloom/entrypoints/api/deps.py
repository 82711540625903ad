"""What every route needs: the running application."""

from __future__ import annotations

from fastapi import Request

from caseloom.bootstrap import Caseloom


def running(request: Request) -> Caseloom:
    caseloom: Caseloom = request.app.state.caseloom
    return caseloom
