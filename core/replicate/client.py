"""Running one Replicate model the way every paid call in the app runs: token check, retries, polling, time-out.

Image generation, remote speech and remote captions share this code; each says, through a `ModelTask`, which
setting names its model, what the model makes (for messages) and which error class its failures raise.
A create is retried only when the request surely never reached Replicate, so a retry never pays twice.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar

from core.config.settings import Secret
from core.domain.errors import AppError, ConfigError
from core.replicate.task import NO_TOKEN, UNAVAILABLE, FileInput, Finished, ModelTask

if TYPE_CHECKING:
    import httpx
    from replicate.client import Client
    from replicate.prediction import Prediction

log = logging.getLogger(__name__)

TERMINAL_STATUSES = ("succeeded", "failed", "canceled")
# The retry policy: a 429's Retry-After is honoured up to a minute (longer waits fail with advice instead);
# other retryable failures back off exponentially from one second, capped at eight.
MAX_RETRY_AFTER_S = 60.0
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 8.0


Answer = TypeVar("Answer")


class ReplicateModel:
    """One Replicate model (`owner/name` or `owner/name:version`), run with the app's retry and time-out rules.

    `by_version` models (community models such as openai/whisper) run by their latest version, looked up
    once per process; the others (official models such as flux-schnell) through their model endpoint.
    """

    def __init__(
        self,
        *,
        api_token: Secret | None,
        model: str,
        task: ModelTask,
        by_version: bool = False,
        base_url: str | None = None,
        timeout_s: float = 120,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        poll_interval_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        owner_name, _, version = model.partition(":")
        if owner_name.count("/") != 1 or not all(owner_name.split("/")):
            raise ConfigError(
                f"{task.setting}={model!r} is not a Replicate model: use owner/name or owner/name:version."
            )
        self.model_id = model
        self.task = task
        self.timeout_s = timeout_s
        self._owner_name = owner_name
        self._version = version or None
        self._by_version = by_version
        self._token = api_token
        self._base_url = base_url
        self._max_retries = max_retries
        self._sleep = sleep
        self._poll_interval_s = poll_interval_s
        self._clock = clock
        self._client: Client | None = None
        self._lock = threading.Lock()
        # Retry-After of the last answer seen by this thread: ReplicateError keeps no headers.
        self._last_answer = threading.local()

    def run(self, model_input: dict[str, Any]) -> Any:
        """Upload file inputs, run one prediction, wait for it and return its output; raise `task.error`."""
        return self.predict(model_input).output

    def predict(self, model_input: dict[str, Any]) -> Finished:
        """As `run`, with the prediction's id: what a paid image keeps, so support can find what was paid for."""
        token = self.require_token()
        try:
            client = self._replicate_client(token)
            deadline = self._clock() + self.timeout_s
            # The version first: a model Replicate does not know should not cost an upload.
            version = self._version or (self._version_id(client) if self._by_version else None)
            sent = {name: self._upload(client, value, deadline) for name, value in model_input.items()}
            prediction = self._wait(client, self._create(client, sent, version), deadline)
            return Finished(output=prediction.output, prediction_id=str(prediction.id))
        except ValueError:  # JSON or pydantic could not read an answer: not Replicate, or a changed API
            log.exception("Unreadable answer from Replicate")
            raise self.task.error(
                "Replicate answered in a way the app cannot read: check REPLICATE_BASE_URL, then try again."
            ) from None
        except AppError as exc:
            if token.reveal() in str(exc):  # Replicate's texts are echoed; never let the token through.
                raise type(exc)(str(exc).replace(token.reveal(), "********")) from None
            raise

    def check(self) -> str:
        """Ask Replicate who the token belongs to (and the model's version); raise `task.error` if refused."""

        def ask(client: Client) -> str:
            account = client.accounts.current()
            version = f", version {self._version_id(client)[:12]}" if self._by_version else ""
            return f"Replicate account '{account.username}', model {self._owner_name}{version}"

        return self._ask(ask)

    def _ask(self, question: Callable[[Client], str]) -> str:
        """A free request (no prediction) whose refusal or failure becomes `task.error`."""
        token = self.require_token()
        import httpx
        from replicate.exceptions import ReplicateError

        try:
            return question(self._replicate_client(token))
        except ReplicateError as exc:
            raise self._refusal(exc) from None
        except httpx.HTTPError:
            raise self.task.error(UNAVAILABLE) from None

    def check_model(self) -> str:
        """Ask Replicate whether the model exists for this token (a free GET); raise `task.error` if not."""
        return self._ask(lambda client: "model " + str(client.models.get(self._owner_name).name))

    def require_token(self) -> Secret:
        if self._token is None or not self._token.reveal().strip():
            raise self.task.error(NO_TOKEN)
        return self._token

    def _replicate_client(self, token: Secret) -> Client:
        with self._lock:
            if self._client is None:
                import httpx  # httpx and replicate cost ~0.5 s of imports, paid only when a model runs
                from replicate.client import Client

                poll_timeout = max(1.0, min(30.0, self.timeout_s))
                self._client = Client(
                    api_token=token.reveal(),
                    base_url=self._base_url,
                    timeout=httpx.Timeout(poll_timeout, connect=min(5.0, poll_timeout)),
                    event_hooks={"response": [self._remember_answer]},
                )
            return self._client

    def _remember_answer(self, response: httpx.Response) -> None:
        self._last_answer.retry_after = response.headers.get("Retry-After")

    def _upload(self, client: Client, value: Any, deadline: float) -> Any:
        """A FileInput becomes the URL of its upload; an upload runs no model, so repeating one is safe."""
        if not isinstance(value, FileInput):
            return value
        from replicate.file import File, _create_file_params

        def send() -> File:
            # The client's public files.create sends with no time-out at all; a stalled upload would hang
            # the page, so the same request goes out here bounded by what is left of REPLICATE_TIMEOUT.
            params = _create_file_params(
                io.BytesIO(value.data), filename=value.filename, content_type=value.content_type
            )
            timeout = max(1.0, deadline - self._clock())
            return File(**client._request("POST", "/v1/files", timeout=timeout, **params).json())

        return self._call(send, repeatable=True).urls["get"]

    def _create(self, client: Client, model_input: dict[str, Any], version: str | None) -> Prediction:
        # Prefer: wait=N lets Replicate answer with the finished prediction; N is capped at 60 by the API.
        wait = max(1, min(60, int(self.timeout_s)))
        if version:
            return self._call(lambda: client.predictions.create(version=version, input=model_input, wait=wait))
        return self._call(
            lambda: client.models.predictions.create(model=self._owner_name, input=model_input, wait=wait)
        )

    def _version_id(self, client: Client) -> str:
        """The model's latest version, asked once per process (a GET: safe to repeat)."""
        if self._version is None:
            model = self._call(lambda: client.models.get(self._owner_name), repeatable=True)
            if model.latest_version is None:
                raise self.task.error(
                    f"Replicate has no runnable version of {self._owner_name}: set {self.task.setting} "
                    "to owner/name:version, or to another model."
                )
            self._version = model.latest_version.id
        return self._version

    def _call(self, send: Callable[[], Answer], *, repeatable: bool = False) -> Answer:
        """One request with retries: 429 after Retry-After, 5xx and unsent requests with back-off.

        A request that is not `repeatable` (a create, which costs money) is never repeated once it may
        have reached Replicate.
        """
        import httpx
        from replicate.exceptions import ReplicateError

        # These prove the request never reached Replicate, so sending it again cannot pay twice.
        not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
        for attempt in range(self._max_retries + 1):
            last_attempt = attempt == self._max_retries
            self._last_answer.retry_after = None
            try:
                return send()
            except ReplicateError as exc:
                status = exc.status or 0
                if status == 429:
                    retry_after = retry_after_seconds(self._last_answer.retry_after)
                    if last_attempt or (retry_after or 0) > MAX_RETRY_AFTER_S:
                        wait_hint = f"about {retry_after:.0f} seconds" if retry_after else "a minute"
                        raise self.task.error(
                            f"Replicate is limiting how often this account can {self.task.action}; "
                            f"wait {wait_hint} and try again."
                        ) from None
                    self._back_off(attempt, retry_after, f"HTTP 429 from Replicate (attempt {attempt + 1})")
                elif status >= 500 and not last_attempt:
                    self._back_off(attempt, None, f"HTTP {status} from Replicate (attempt {attempt + 1})")
                elif status >= 500:
                    raise self.task.error(UNAVAILABLE) from None
                else:
                    raise self._refusal(exc) from None
            except not_sent as exc:
                if last_attempt:
                    raise self.task.error(f"{UNAVAILABLE} (Could not connect to it: check the network.)") from None
                self._back_off(attempt, None, f"{type(exc).__name__} reaching Replicate (attempt {attempt + 1})")
            except httpx.HTTPError as exc:
                if not repeatable:
                    # The request may have reached Replicate: creating again could pay for two predictions.
                    raise self.task.error(
                        f"The connection to Replicate broke while it was starting work on {self.task.product}. "
                        "Check replicate.com/predictions before trying again, to avoid paying twice."
                    ) from None
                if last_attempt:
                    raise self.task.error(UNAVAILABLE) from None
                self._back_off(attempt, None, f"{type(exc).__name__} talking to Replicate (attempt {attempt + 1})")
        raise AssertionError("unreachable: the last attempt always returns or raises")

    def _wait(self, client: Client, prediction: Prediction, deadline: float) -> Prediction:
        import httpx
        from replicate.exceptions import ReplicateError

        failures = 0
        while prediction.status not in TERMINAL_STATUSES:
            remaining = deadline - self._clock()
            if remaining <= 0:
                self._cancel(client, prediction.id)
                raise self.task.error(
                    f"Replicate did not finish {self.task.product} within {self.timeout_s:g} seconds, so it was "
                    "canceled. Try again, or allow more time with REPLICATE_TIMEOUT."
                )
            self._sleep(min(self._poll_interval_s, remaining))
            try:
                prediction = client.predictions.get(prediction.id)
                failures = 0
            except ReplicateError as exc:
                if (exc.status or 0) < 500 and exc.status != 429:
                    raise self._refusal(exc) from None
                failures += 1
            except httpx.HTTPError:  # polling is a GET: repeating it is always safe
                failures += 1
            if failures > self._max_retries:
                self._cancel(client, prediction.id)
                raise self.task.error(UNAVAILABLE)
            if failures:
                self._back_off(failures - 1, None, f"polling prediction {prediction.id} failed")
        if prediction.status == "failed":
            raise self.task.failed(str(prediction.error or "").strip() or "no reason given")
        if prediction.status == "canceled":
            raise self.task.error("The prediction was canceled on Replicate before it finished. Start it again.")
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

    def _refusal(self, exc: Any) -> AppError:
        """A refusal from the Replicate API (a ReplicateError) as a message saying what to do."""
        return self.task.refused(status=exc.status, detail=exc.detail or exc.title, model=self._owner_name)


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
