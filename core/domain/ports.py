"""The outside world as small protocols, and the plain values that cross them."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Protocol

import numpy as np
import numpy.typing as npt

from core.domain.records import HistoryPage, HistoryQuery, HistoryStats, ImageRecordView, NewRecord

ASPECT_RATIOS = ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21")
OUTPUT_FORMATS = ("webp", "jpg", "png")
MEGAPIXELS = ("1", "0.25")
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}  # by output format
FORMAT_ALIASES = {"jpeg": "jpg"}  # other spellings of an output format (file extensions, user input)
PILLOW_FORMATS = {"WEBP": "webp", "JPEG": "jpg", "PNG": "png"}  # Pillow's format names -> output formats
SAMPLE_RATE = 16_000  # Whisper hears 16 kHz mono; every AudioClip is at this rate


def content_type_of(output_format: str) -> str:
    """The media type of an output format (or a file extension such as "jpeg"); unknown ones are octet-stream."""
    name = output_format.lower().lstrip(".")
    return CONTENT_TYPES.get(FORMAT_ALIASES.get(name, name), "application/octet-stream")


def content_type_for(key: str) -> str:
    """The media type a storage key's extension stands for."""
    return content_type_of(PurePosixPath(key).suffix)


@dataclass(frozen=True)
class AudioClip:
    """Mono float32 speech at 16 kHz, ready for Whisper."""

    samples: npt.NDArray[np.float32]
    sample_rate: int = SAMPLE_RATE

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str | None
    duration_s: float


@dataclass(frozen=True)
class GenerationRequest:
    """Inputs of one FLUX.1 [schnell] prediction; validated by `core.domain.prompts.validate_request`."""

    prompt: str
    aspect_ratio: str = "1:1"
    num_outputs: int = 1
    seed: int | None = None
    output_format: str = "webp"
    output_quality: int = 80
    num_inference_steps: int = 4
    go_fast: bool = True
    megapixels: str = "1"


@dataclass(frozen=True)
class GeneratedImage:
    data: bytes
    output_format: str  # webp | jpg | png
    source_url: str | None = None
    prediction_id: str | None = None  # the paid prediction on Replicate that made it (None from other generators)

    @property
    def content_type(self) -> str:
        return content_type_of(self.output_format)


EDIT_OUTPUT_FORMATS = ("jpg", "png")  # all an image-editing model such as FLUX.1 Kontext makes


@dataclass(frozen=True)
class EditRequest:
    """One instruction-based edit of an existing image: the image itself goes with it, never a link to it."""

    instruction: str
    image: bytes
    content_type: str  # of `image`: image/webp, image/jpeg or image/png
    seed: int
    output_format: str = "jpg"  # jpg | png
    safety_tolerance: int = 2  # the most Kontext allows when an input image is given


class Transcriber(Protocol):
    model_id: str

    def transcribe(self, clip: AudioClip, *, language: str | None = None) -> Transcript:
        """The clip's words; `language` (a Whisper code such as "de") skips detection, None detects it."""
        ...


class ImageGenerator(Protocol):
    model_id: str

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]: ...

    def check(self) -> str:
        """Raise if the generator cannot be used (no token, a refused token); free, no prediction is made."""
        ...


class ImageEditor(Protocol):
    """Changes an image as an instruction says (one paid prediction per call)."""

    model_id: str

    def edit(self, request: EditRequest) -> GeneratedImage: ...

    def check(self) -> str:
        """Raise if the token or the edit model cannot be used; free, no prediction is made."""
        ...


class Captioner(Protocol):
    model_id: str

    def caption(self, image: bytes) -> str: ...

    def caption_many(self, images: Sequence[bytes]) -> list[str]:
        """One caption per image, in order: the captions of one request, made in one batched model call."""
        ...


class Embedder(Protocol):
    """A sentence-embedding model: texts in, one unit-length vector (cosine = dot product) per text out."""

    model_id: str
    dimension: int
    runtime: str  # what runs it: "numpy", "transformers" (torch) or "replicate"; `check` says which

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class PromptModel(Protocol):
    """A text model that follows an instruction (the system prompt) about a piece of text (the prompt)."""

    model_id: str

    def complete(self, *, prompt: str, system_prompt: str, max_new_tokens: int, temperature: float) -> str: ...

    def check(self) -> str:
        """Raise if the model cannot be used (no token, a refused token); free, no prediction is made."""
        ...


@dataclass(frozen=True)
class StoredObject:
    """One object in an ImageStore, as a listing shows it."""

    key: str
    last_modified: datetime  # timezone-aware
    size: int


class ImageStore(Protocol):
    """Private object storage addressed by keys the app makes."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None:
        """Remove `key`; removing a key that is not there is not an error."""
        ...

    def exists(self, key: str) -> bool: ...

    def url(self, key: str, ttl_s: int) -> str:
        """A URL a browser can fetch for `ttl_s` seconds (presigned for S3)."""
        ...

    def check(self) -> str:
        """Raise StorageError if unusable; return a short description otherwise."""
        ...

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with `prefix` (a folder such as "images/"), in no set order."""
        ...


class ObjectLedger(Protocol):
    """What gc needs to know of the database: which stored objects it wrote and no record uses any more."""

    def key_status(self, *, keys: Collection[str]) -> dict[str, bool]:
        """For those of `keys` this database noted before uploading them: whether a record still uses it."""
        ...

    def recorded_key_count(self) -> int:
        """How many uploaded objects this database knows of."""
        ...

    def forget_keys(self, *, keys: Collection[str]) -> None:
        """Drop keys whose objects were deleted."""
        ...


class Records(Protocol):
    """The `image_records` table, as the use cases change it (saves, deletions, captions, stars and tags)."""

    def add(self, *, record: NewRecord, from_draft: int | None = None) -> tuple[ImageRecordView, bool]:
        """Insert, or return the row that already has this idempotency key (and False).

        `from_draft`: the stored draft whose object the record takes over; its row goes in the insert's own
        transaction, and if it is gone (discarded meanwhile) nothing is inserted: DraftGone (core.domain.drafts).
        """
        ...

    def find_by_idempotency_key(self, *, key: str) -> ImageRecordView | None: ...

    def delete(self, *, record_id: int) -> bool: ...

    def update_description(self, *, record_id: int, description: str) -> ImageRecordView | None: ...

    def get_many(self, *, record_ids: Collection[int]) -> list[ImageRecordView]: ...

    def delete_many(self, *, record_ids: Collection[int]) -> list[int]:
        """Delete these rows; the ids this call deleted (not those a concurrent call deleted first)."""
        ...

    def record_keys(self, *, keys: Collection[str]) -> None:
        """Note object keys before uploading them (the ledger gc reads)."""
        ...

    def forget_keys(self, *, keys: Collection[str]) -> None: ...

    def set_starred(self, *, record_ids: Collection[int], starred: bool) -> int:
        """Star or unstar these records; how many exist."""
        ...

    def add_tags(self, *, record_ids: Collection[int], tags: Sequence[str]) -> int:
        """Put every tag on every existing record; how many exist."""
        ...

    def remove_tags(self, *, record_ids: Collection[int], tags: Sequence[str]) -> int:
        """Take these tags off these records; how many tags were removed."""
        ...


class RecordReader(Protocol):
    """The read side of `image_records`: what History, Home and exports need, and nothing that writes."""

    def search(self, *, query: HistoryQuery) -> HistoryPage: ...

    def get(self, *, record_id: int) -> ImageRecordView | None: ...

    def tag_counts(self) -> list[tuple[str, int]]: ...

    def creators(self) -> list[str]: ...

    def stats(self, *, days: int = 30) -> HistoryStats: ...

    def latest(self, *, limit: int) -> list[ImageRecordView]: ...

    def family(self, *, record_id: int) -> list[ImageRecordView]:
        """The whole edit family of a record, from any member, oldest first; [] for an unknown id."""
        ...

    def with_edits(self, *, record_ids: Collection[int]) -> set[int]:
        """Those of `record_ids` that at least one saved record was edited from."""
        ...


class ImageRecords(Records, RecordReader, ObjectLedger, Protocol):
    """The whole `image_records` table behind its ports: what `Services` hands to the use cases in core.app."""


class Database(Protocol):
    """The database itself, apart from its tables: is it reachable, is its schema current, let go of it."""

    def check(self) -> str:
        """One line naming the reachable database; raise DatabaseError saying what to do otherwise."""
        ...

    def migrate(self) -> None:
        """Bring the schema up to date (safe from several processes at once)."""
        ...

    def dispose(self) -> None:
        """Close the pooled connections (a command's end, a test's teardown)."""
        ...
