"""FLUX.1 [schnell] (or another Replicate model) behind the ImageGenerator port, with retries and time-outs."""

from __future__ import annotations

import base64
import binascii
import io
import logging
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from core.config import Secret
from core.errors import ConfigError, GenerationError
from core.ports import PILLOW_FORMATS, GeneratedImage, GenerationRequest

if TYPE_CHECKING:
    import httpx
    from replicate.client import Client
    from replicate.prediction import Prediction

log = logging.getLogger(__name__)

TERMINAL_STATUSES = ("succeeded", "failed", "canceled")
MAX_RETRY_AFTER_S = 60.0
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 8.0
MAX_IMAGE_BYTES = 50 * 1024 * 1024
UNAVAILABLE = "Replicate is unavailable right now; try again in a minute."
STATUS_ADVICE = {
    401: "Replicate rejected the API token: check REPLICATE_API_TOKEN.",
    402: "Replicate asks for payment: add credit at replicate.com/account/billing, then try again.",
    403: "This Replicate token may not run {model}: check REPLICATE_API_TOKEN and IMAGE_MODEL.",
    404: "Replicate does not know the model {model}: check IMAGE_MODEL.",
    422: "Replicate refused the request as invalid: {detail}. Change the options and try again.",
}


class ReplicateGenerator:
    """Draws images with a Replicate model (`owner/name` or `owner/name:version`)."""

    def __init__(
        self,
        *,
        api_token: Secret | None,
        model: str = "black-forest-labs/flux-schnell",
        base_url: str | None = None,
        timeout_s: float = 120,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        poll_interval_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        owner_name = model.split(":", 1)[0]
        if owner_name.count("/") != 1 or not all(owner_name.split("/")):
            raise ConfigError(f"IMAGE_MODEL={model!r} is not a Replicate model: use owner/name or owner/name:version.")
        self.model_id = model
        self._token = api_token
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self._sleep = sleep
        self._poll_interval_s = poll_interval_s
        self._clock = clock
        self._client: Client | None = None
        self._client_lock = threading.Lock()
        # Retry-After of the last answer seen by this thread: ReplicateError keeps no headers.
        self._last_answer = threading.local()

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        """Run one prediction and return its images, or raise GenerationError saying what to do."""
        token = self._require_token()
        try:
            client = self._replicate_client(token)
            deadline = self._clock() + self._timeout_s
            prediction = self._create(client, request)
            prediction = self._wait(client, prediction, deadline)
            return [self._image(item, request) for item in _output_items(prediction)]
        except ValueError:  # JSON or pydantic could not read an answer: not Replicate, or a changed API
            log.exception("Unreadable answer from Replicate")
            raise GenerationError(
                "Replicate answered in a way the app cannot read: check REPLICATE_BASE_URL, then try again."
            ) from None
        except GenerationError as exc:
            message = str(exc)
            if token.reveal() in message:  # Replicate's texts are echoed; never let the token through.
                raise GenerationError(message.replace(token.reveal(), "********")) from None
            raise

    def check(self) -> str:
        """Ask Replicate who the token belongs to; raise GenerationError if it is refused or unreachable."""
        token = self._require_token()
        import httpx
        from replicate.exceptions import ReplicateError

        try:
            account = self._replicate_client(token).accounts.current()
        except ReplicateError as exc:
            raise _error_for_status(exc, self.model_id) from None
        except httpx.HTTPError:
            raise GenerationError(UNAVAILABLE) from None
        return f"Replicate account '{account.username}', model {self.model_id}"

    def _require_token(self) -> Secret:
        if self._token is None or not self._token.reveal().strip():
            raise GenerationError(
                "No Replicate API token: set REPLICATE_API_TOKEN (from replicate.com/account/api-tokens)."
            )
        return self._token

    def _replicate_client(self, token: Secret) -> Client:
        with self._client_lock:
            if self._client is None:
                import httpx  # httpx and replicate cost ~0.5 s of imports, paid only when generating
                from replicate.client import Client

                poll_timeout = max(1.0, min(30.0, self._timeout_s))
                self._client = Client(
                    api_token=token.reveal(),
                    base_url=self._base_url,
                    timeout=httpx.Timeout(poll_timeout, connect=min(5.0, poll_timeout)),
                    event_hooks={"response": [self._remember_answer]},
                )
            return self._client

    def _remember_answer(self, response: httpx.Response) -> None:
        self._last_answer.retry_after = response.headers.get("Retry-After")

    def _create(self, client: Client, request: GenerationRequest) -> Prediction:
        import httpx
        from replicate.exceptions import ReplicateError

        # These prove the request never reached Replicate, so creating again cannot pay twice.
        not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
        owner_name, _, version = self.model_id.partition(":")
        # Prefer: wait=N lets Replicate answer with the finished prediction; N is capped at 60 by the API.
        wait = max(1, min(60, int(self._timeout_s)))
        for attempt in range(self._max_retries + 1):
            last_attempt = attempt == self._max_retries
            self._last_answer.retry_after = None
            try:
                if version:
                    return client.predictions.create(version=version, input=request.replicate_input(), wait=wait)
                return client.models.predictions.create(model=owner_name, input=request.replicate_input(), wait=wait)
            except ReplicateError as exc:
                status = exc.status or 0
                if status == 429:
                    retry_after = _seconds(self._last_answer.retry_after)
                    if last_attempt or (retry_after or 0) > MAX_RETRY_AFTER_S:
                        wait_hint = f"about {retry_after:.0f} seconds" if retry_after else "a minute"
                        raise GenerationError(
                            f"Replicate is limiting how often this account can generate images; "
                            f"wait {wait_hint} and try again."
                        ) from None
                    self._back_off(attempt, retry_after, f"HTTP 429 from Replicate (attempt {attempt + 1})")
                elif status >= 500 and not last_attempt:
                    self._back_off(attempt, None, f"HTTP {status} from Replicate (attempt {attempt + 1})")
                elif status >= 500:
                    raise GenerationError(UNAVAILABLE) from None
                else:
                    raise _error_for_status(exc, self.model_id) from None
            except not_sent as exc:
                if last_attempt:
                    raise GenerationError(f"{UNAVAILABLE} (Could not connect to it: check the network.)") from None
                self._back_off(attempt, None, f"{type(exc).__name__} reaching Replicate (attempt {attempt + 1})")
            except httpx.HTTPError:
                # The request may have reached Replicate: creating again could pay for two predictions.
                raise GenerationError(
                    "The connection to Replicate broke while it was starting the prediction. "
                    "Check replicate.com/predictions before trying again, to avoid paying twice."
                ) from None
        raise AssertionError("unreachable: the last attempt always returns or raises")

    def _wait(self, client: Client, prediction: Prediction, deadline: float) -> Prediction:
        import httpx
        from replicate.exceptions import ReplicateError

        failures = 0
        while prediction.status not in TERMINAL_STATUSES:
            remaining = deadline - self._clock()
            if remaining <= 0:
                self._cancel(client, prediction.id)
                raise GenerationError(
                    f"Replicate did not finish the image within {self._timeout_s:g} seconds, so it was canceled. "
                    "Try again, or allow more time with REPLICATE_TIMEOUT."
                )
            self._sleep(min(self._poll_interval_s, remaining))
            try:
                prediction = client.predictions.get(prediction.id)
                failures = 0
            except ReplicateError as exc:
                if (exc.status or 0) < 500 and exc.status != 429:
                    raise _error_for_status(exc, self.model_id) from None
                failures += 1
            except httpx.HTTPError:  # polling is a GET: repeating it is always safe
                failures += 1
            if failures > self._max_retries:
                self._cancel(client, prediction.id)
                raise GenerationError(UNAVAILABLE)
            if failures:
                self._back_off(failures - 1, None, f"polling prediction {prediction.id} failed")
        if prediction.status == "failed":
            raise _error_for_failure(prediction.error)
        if prediction.status == "canceled":
            raise GenerationError("The prediction was canceled on Replicate before it finished. Start it again.")
        return prediction

    def _cancel(self, client: Client, prediction_id: str) -> None:
        """Stop paying for a prediction nobody will wait for; failing to cancel is not worth an error."""
        try:
            client.predictions.cancel(prediction_id)
        except Exception:
            log.warning("Could not cancel Replicate prediction %s", prediction_id)

    def _back_off(self, attempt: int, retry_after: float | None, reason: str) -> None:
        seconds = retry_after if retry_after is not None else min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)
        log.info("%s; retrying in %.1f s", reason, seconds)
        self._sleep(seconds)

    def _image(self, item: object, request: GenerationRequest) -> GeneratedImage:
        url = getattr(item, "url", item)  # a FileOutput if the client ever hands one over
        if not isinstance(url, str):
            raise GenerationError(f"{self.model_id} returned something that is not an image; choose an image model.")
        if url.startswith("data:"):
            data = _decode_data_url(url)
        elif url.startswith(("https://", "http://")):
            data = self._download(url)
        else:
            raise GenerationError(f"{self.model_id} returned text instead of an image; choose an image model.")
        return GeneratedImage(data=data, output_format=_image_format(data, request), source_url=_short(url))

    def _download(self, url: str) -> bytes:
        """Fetch an output URL; no Authorization header, as they are pre-signed and the token stays with the API."""
        import httpx

        try:
            with httpx.stream("GET", url, timeout=30.0, follow_redirects=True) as response:
                response.raise_for_status()
                data = bytearray()
                for chunk in response.iter_bytes():
                    data.extend(chunk)
                    if len(data) > MAX_IMAGE_BYTES:
                        raise GenerationError("Replicate returned an image over 50 MB; try fewer megapixels.")
                return bytes(data)
        except httpx.HTTPError:
            raise GenerationError("The finished image could not be downloaded from Replicate. Try again.") from None


def _output_items(prediction: Prediction) -> list[Any]:
    output = prediction.output
    items = output if isinstance(output, list) else [output] if output else []
    if not items:
        raise GenerationError("Replicate finished without returning an image. Try again.")
    return items


def _decode_data_url(url: str) -> bytes:
    header, _, encoded = url.partition(",")
    try:
        return base64.b64decode(encoded, validate=True) if header.endswith(";base64") else encoded.encode()
    except (binascii.Error, ValueError):
        raise GenerationError("Replicate returned a damaged image. Try again.") from None


def _image_format(data: bytes, request: GenerationRequest) -> str:
    """The output format actually found in the bytes; Pillow proves they are an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            found = PILLOW_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise GenerationError(
            "Replicate returned something that is not an image. Try again, or check IMAGE_MODEL."
        ) from None
    if found is None:
        raise GenerationError("Replicate returned an image in a format the app cannot store; choose webp, jpg or png.")
    if found != request.output_format:
        log.warning("Asked Replicate for %s, got %s", request.output_format, found)
    return found


def _short(url: str) -> str:
    """Data URLs are the image itself: keep only their header as the source."""
    return url.split(",", 1)[0] + ",..." if url.startswith("data:") else url


def _seconds(retry_after: str | None) -> float | None:
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


def _error_for_status(exc: Any, model: str) -> GenerationError:
    """A refusal from the Replicate API (a ReplicateError) as a message saying what to do."""
    detail = (exc.detail or exc.title or "").strip().rstrip(".") or "no details given"
    advice = STATUS_ADVICE.get(exc.status, "Replicate refused the request (HTTP {status}): {detail}. Try again later.")
    return GenerationError(advice.format(model=model, detail=detail, status=exc.status))


def _error_for_failure(error: object) -> GenerationError:
    text = str(error or "").strip()
    if "nsfw" in text.lower():
        return GenerationError(
            "Replicate's safety filter flagged the image as NSFW. Rephrase the prompt and try again."
        )
    return GenerationError(f"The image model failed: {text or 'no reason given'}. Try again, or change the prompt.")
