"""Models load when the server starts, and `GET /readyz` says when the app can serve a first click.

Uvicorn serves nothing until the lifespan's start-up returns, so the warm-up runs on a thread of its
own: `/_stcore/health` (liveness) answers at once, and `/readyz` answers 503 naming what is not ready
(database, storage, each configured model) until everything is, then 200. The warm-up builds the same
cached services and model preloader a page would (core.app.process), so a click never loads a second copy.

A stranger (and a probe) learns only ready or not, part by part, and the way out for a model that failed; the
details (hosts, names, counts, folders, schema revision) are for a signed-in visitor (a valid pass or
Streamlit's login cookie), for everyone when the app is open anyway, and on the command line (`python -m core check`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.access.policy import PASS_COOKIE
from core.app.preload import FAILED, ON_FIRST_USE, READY
from core.app.process import migrate_once, model_preloader, services_for
from core.app.services import Services
from core.domain.errors import AppError
from web.gate import READY as READY_PATH
from web.gate import current_mode, current_settings, has_login_cookie, valid_pass

log = logging.getLogger(__name__)
MODEL_PARTS = {"Speech model": "speech_model", "Caption model": "caption_model", "Embedding model": "embedding_model"}
MODEL_SETTINGS = {
    "speech_model": "WHISPER_MODEL",
    "caption_model": "CAPTION_MODEL",
    "embedding_model": "EMBEDDING_MODEL",
}
WITHHELD = "Sign in (or run `python -m core check` on the server) for the details."


def way_out(part: str) -> str:
    """What a newcomer whose model failed to load (often: no model hub from this machine) can do."""
    setting = MODEL_SETTINGS.get(part, "the model's setting")
    return (
        f"Download the model where the model hub is reachable and set {setting} to its folder, "
        "or run the models on Replicate instead: `make run-remote` (needs REPLICATE_API_TOKEN)."
    )


def _part(ready: bool, detail: str) -> dict[str, object]:
    return {"ready": ready, "detail": detail}


def may_see_details(cookies: dict[str, str]) -> bool:
    """Whether this visitor may read hosts, names, counts and folders: signed in, or the app is open to all.

    A broken configuration or an unreachable database (a pass cannot be checked) says no: the gate stays shut.
    """
    try:
        mode = current_mode()
        if mode.name == "open":
            return True  # every page (Status too) shows the same to anyone who opens the app
        if mode.name == "login":
            return has_login_cookie(cookies)
        return valid_pass(mode.settings, cookies.get(PASS_COOKIE)) is not None
    except AppError:
        return False


class WarmUp:
    """Builds the services, migrates the database and starts the model preloader, once, at start-up."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.migrated = False
        self.problem: str | None = None  # why the warm-up could not build or migrate (said by /readyz)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="warm-up", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.services = services_for(current_settings())  # starts the model preloader
            migrate_once(self.services)
            self.migrated = True
        except AppError as exc:
            self.problem = str(exc)
            log.warning("Warm-up: %s", exc)

    def report(self) -> dict[str, dict[str, object]]:
        """Each part, ready or not, and why; probed afresh on each call (the database may have gone)."""
        if self.services is None:
            detail = self.problem or "starting"
            return {name: _part(False, detail) for name in ("database", "storage", *MODEL_PARTS.values())}
        current = self.services
        parts = {"database": self._database(current), "storage": self._probe(current.store.check)}
        for state in model_preloader(current).states():
            name = MODEL_PARTS.get(state.label, state.label)
            if state.state == FAILED:
                parts[name] = {**_part(False, f"failed: {state.error}"), "fix": way_out(name)}
            else:
                # With PRELOAD_MODELS=false a model loads on its first use, deliberately: not a reason to wait.
                parts[name] = _part(state.state in (READY, ON_FIRST_USE), state.state)
        parts["embedding_model"]["model"] = current.settings.embedding_model_id  # named: vectors keep their model
        return parts

    def _database(self, current: Services) -> dict[str, object]:
        if not self.migrated:
            if self.problem is None:
                return _part(False, "migrating")
            try:  # the database may be back: migrate now, as a page would
                migrate_once(current)
                self.migrated, self.problem = True, None
            except AppError as exc:
                return _part(False, str(exc))
        return self._probe(current.database.check)

    @staticmethod
    def _probe(check: Any) -> dict[str, object]:
        try:
            return _part(True, str(check()))
        except AppError as exc:
            return _part(False, str(exc))

    @asynccontextmanager
    async def lifespan(self, _app: object) -> AsyncIterator[None]:
        self.start()
        yield

    async def readyz(self, request: Request) -> JSONResponse:
        parts = await run_in_threadpool(self.report)
        not_ready = [name for name, part in parts.items() if not part["ready"]]
        if not await run_in_threadpool(may_see_details, request.cookies):
            parts = {name: {key: part[key] for key in ("ready", "fix") if key in part} for name, part in parts.items()}
        body: dict[str, object] = {"ready": not not_ready, "not_ready": not_ready, "parts": parts}
        if not all("detail" in part for part in parts.values()):
            body["details"] = WITHHELD
        return JSONResponse(body, status_code=503 if not_ready else 200, headers={"Cache-Control": "no-store"})

    @property
    def routes(self) -> list[Route]:
        return [Route(READY_PATH, self.readyz, methods=["GET", "HEAD"])]
