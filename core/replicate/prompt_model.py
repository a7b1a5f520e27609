"""A text model on Replicate (meta/meta-llama-3-8b-instruct by default) behind core.domain.ports.PromptModel.

An official model, run by name like flux-schnell, through the shared client and its call, retry, error and
token-scrubbing rules. Its output is a list of text pieces (streamed tokens) to join.
"""

from __future__ import annotations

from typing import Any

from core.domain.errors import PromptError
from core.replicate.client import ReplicateModel
from core.replicate.task import ModelTask

DEFAULT_MODEL = "meta/meta-llama-3-8b-instruct"
PROMPT_TASK = ModelTask(
    setting="PROMPT_MODEL",
    product="the prompt",
    action="run the prompt model",
    error=PromptError,
)


class ReplicatePromptModel:
    """Completes an instruction with a chat model on Replicate."""

    def __init__(self, model: ReplicateModel) -> None:
        self._model = model
        self.model_id = model.model_id

    def complete(self, *, prompt: str, system_prompt: str, max_new_tokens: int, temperature: float) -> str:
        output = self._model.run(
            {
                "prompt": prompt,
                "system_prompt": system_prompt,
                "max_new_tokens": max_new_tokens,
                "temperature": temperature,
            }
        )
        return self._read(output)

    def check(self) -> str:
        return self._model.check()

    def _read(self, output: Any) -> str:
        if isinstance(output, str):
            return output
        if isinstance(output, list) and all(isinstance(piece, str) for piece in output):
            return "".join(output)
        raise PromptError(
            f"{self.model_id} did not answer with text: set PROMPT_MODEL to a chat model such as {DEFAULT_MODEL}."
        )
