"""What a Replicate call is for, and the words its messages use (the retry rules live with the client)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.domain.errors import AppError

UNAVAILABLE = "Replicate is unavailable right now; try again in a minute."
NO_TOKEN = "No Replicate API token: set REPLICATE_API_TOKEN (from replicate.com/account/api-tokens)."
STATUS_ADVICE = {
    401: "Replicate rejected the API token: check REPLICATE_API_TOKEN.",
    402: "Replicate asks for payment: add credit at replicate.com/account/billing, then try again.",
    403: "This Replicate token may not run {model}: check REPLICATE_API_TOKEN and {setting}.",
    404: "Replicate does not know the model {model}: check {setting}.",
    413: "The file is too large for Replicate: {detail}. Send a shorter recording or a smaller image.",
    422: "Replicate refused the request as invalid: {detail}. Change the options and try again.",
}


@dataclass(frozen=True)
class ModelTask:
    """What a model is for, in the words its messages use."""

    setting: str  # the variable naming the model, e.g. IMAGE_MODEL
    product: str  # what one prediction makes, e.g. "the image"
    action: str  # what the account does, e.g. "generate images"
    error: type[AppError]  # raised for every failure of this task
    explain_failure: Callable[[str], AppError] | None = None  # a failed prediction's error, as advice

    def failed(self, reason: str) -> AppError:
        if self.explain_failure is not None:
            return self.explain_failure(reason)
        return self.error(f"The model on Replicate failed while making {self.product}: {reason}. Try again.")

    def refused(self, *, status: int | None, detail: str | None, model: str) -> AppError:
        """A refusal of the Replicate API (an HTTP status and its detail) as advice naming the model's setting."""
        said = (detail or "").strip().rstrip(".") or "no details given"
        advice = STATUS_ADVICE.get(
            status or 0, "Replicate refused the request (HTTP {status}): {detail}. Try again later."
        )
        return self.error(advice.format(model=model, setting=self.setting, detail=said, status=status))


@dataclass(frozen=True)
class FileInput:
    """A file input: uploaded through POST /v1/files first, then passed to the model as its URL."""

    data: bytes
    filename: str
    content_type: str


@dataclass(frozen=True)
class Finished:
    """A prediction that succeeded: its output, and its id on Replicate (replicate.com/p/<id>)."""

    output: Any
    prediction_id: str
