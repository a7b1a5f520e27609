"""What a Replicate call is for, in the words of its messages, and the rules shared by every call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from core.domain.errors import AppError

MAX_RETRY_AFTER_S = 60.0
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 8.0
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


@dataclass(frozen=True)
class FileInput:
    """A file input: uploaded through POST /v1/files first, then passed to the model as its URL."""

    data: bytes
    filename: str
    content_type: str


def retry_after_seconds(retry_after: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not retry_after:
        return None
    value = retry_after.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
