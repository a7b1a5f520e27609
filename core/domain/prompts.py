"""Checks on what a person asks for, before anything is paid for: the prompt and the generation options."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from core.domain.errors import InputError
from core.domain.ports import ASPECT_RATIOS, MEGAPIXELS, OUTPUT_FORMATS, GenerationRequest

MAX_OUTPUTS = 4
MAX_INFERENCE_STEPS = 4
MAX_SEED = 2**32 - 1
_KEPT_CONTROLS = frozenset("\n\t")
# Letters, marks, numbers, punctuation and symbols (emoji are symbols): what a person can see. Spaces,
# separators, format characters (zero-width joiners, direction marks) and unassigned code points are not.
_VISIBLE_CATEGORY_STARTS = ("L", "N", "P", "S")


class TranscriptTooLong(InputError):
    """A transcript over the prompt limit: shown whole for editing, never cut."""

    def __init__(self, transcript: str, *, max_chars: int) -> None:
        self.transcript = transcript
        self.max_chars = max_chars
        super().__init__(
            f"The transcript is {len(transcript)} characters long; prompts are limited to {max_chars} "
            "(MAX_PROMPT_CHARS). Nothing was generated or paid for. Shorten the transcript and use it as the "
            "prompt, or record a shorter description."
        )


def check_transcript_length(transcript: str, *, max_chars: int) -> None:
    """Refuse a transcript that could not be used as the prompt as it stands."""
    if len(transcript.strip()) > max_chars:
        raise TranscriptTooLong(transcript.strip(), max_chars=max_chars)


def validate_prompt(text: str, *, max_chars: int) -> str:
    """The prompt, trimmed, if it is usable; emoji, right-to-left text and HTML are kept verbatim."""
    if not isinstance(text, str):
        raise InputError("The description must be text. Type or record a description first.")
    # Control characters (NUL above all) are invisible and PostgreSQL refuses NUL in text columns.
    cleaned = "".join(c for c in text if c in _KEPT_CONTROLS or unicodedata.category(c) != "Cc").strip()
    if not cleaned:
        raise InputError("The description is empty. Type or record a description first.")
    if not any(unicodedata.category(c).startswith(_VISIBLE_CATEGORY_STARTS) for c in cleaned):
        raise InputError(
            "The description holds only invisible characters (spaces, zero-width or formatting marks). "
            "Type or record a description first."
        )
    if len(cleaned) > max_chars:
        raise InputError(
            f"The description is {len(cleaned)} characters long; the limit is {max_chars}. Shorten it and try again."
        )
    return cleaned


def validate_request(request: GenerationRequest, *, max_chars: int) -> GenerationRequest:
    """The request with a checked prompt, or an InputError naming the allowed values of the first bad option."""
    prompt = validate_prompt(request.prompt, max_chars=max_chars)
    validate_options(request)
    return replace(request, prompt=prompt)


def validate_options(request: GenerationRequest) -> None:
    """Every option but the prompt, so a command can check them before transcribing or paying."""
    if request.aspect_ratio not in ASPECT_RATIOS:
        raise InputError(
            f"Aspect ratio {request.aspect_ratio!r} is not available: choose one of {', '.join(ASPECT_RATIOS)}."
        )
    if not _whole_number_between(request.num_outputs, 1, MAX_OUTPUTS):
        raise InputError(
            f"Number of images must be a whole number from 1 to {MAX_OUTPUTS}, got {request.num_outputs!r}."
        )
    if not _whole_number_between(request.num_inference_steps, 1, MAX_INFERENCE_STEPS):
        raise InputError(
            f"Inference steps must be a whole number from 1 to {MAX_INFERENCE_STEPS}, "
            f"got {request.num_inference_steps!r}."
        )
    if request.output_format not in OUTPUT_FORMATS:
        raise InputError(
            f"Output format {request.output_format!r} is not available: choose one of {', '.join(OUTPUT_FORMATS)}."
        )
    if not _whole_number_between(request.output_quality, 0, 100):
        raise InputError(f"Output quality must be a whole number from 0 to 100, got {request.output_quality!r}.")
    if request.megapixels not in MEGAPIXELS:
        raise InputError(f"Megapixels {request.megapixels!r} is not available: choose one of {', '.join(MEGAPIXELS)}.")
    if request.seed is not None and not _whole_number_between(request.seed, 0, MAX_SEED):
        raise InputError(f"Seed must be empty (random) or a whole number from 0 to {MAX_SEED}, got {request.seed!r}.")
    if not isinstance(request.go_fast, bool):
        raise InputError(f"Go fast must be true or false, got {request.go_fast!r}.")


def _whole_number_between(value: object, low: int, high: int) -> bool:
    # bool is an int subclass; True must not pass as "1 image".
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def one_request_per_image(request: GenerationRequest) -> list[GenerationRequest]:
    """A batch of N as N single-image requests with seeds seed, seed+1, ... (wrapping past MAX_SEED).

    In one prediction an image depends on its place in the batch, so its seed alone cannot redraw it;
    drawn alone, image k's seed is all it takes. FLUX schnell is billed per image, so the cost is the same."""
    if request.seed is None:
        raise ValueError("one_request_per_image needs a request with its seed")
    return [
        replace(request, num_outputs=1, seed=(request.seed + k) % (MAX_SEED + 1)) for k in range(request.num_outputs)
    ]
