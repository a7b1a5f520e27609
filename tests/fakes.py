"""Hand-written fakes of the ports: they remember what they were asked and fail when told to."""

from __future__ import annotations

import io
import itertools
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from PIL import Image

from core.domain.errors import DatabaseError, GenerationError, StorageError
from core.domain.ports import AudioClip, GeneratedImage, GenerationRequest, StoredObject, Transcript
from core.domain.records import ImageRecordView, NewRecord


def png_bytes(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class FakeClock:
    """Time that moves only when the code under test asks to sleep, so waits are recorded, not spent."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class FakeStore:
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    fail_put_on_call: int | None = None  # 1-based: which put() raises
    puts: int = 0
    deleted: list[str] = field(default_factory=list)
    refuse_delete: set[str] = field(default_factory=set)  # keys whose delete() raises
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))  # what listings report

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.puts += 1
        if self.fail_put_on_call == self.puts:
            raise StorageError("Access denied by the image store. Check SPACES_KEY and SPACES_SECRET.")
        self.objects[key] = (data, content_type)

    def get(self, key: str) -> bytes:
        return self.objects[key][0]

    def delete(self, key: str) -> None:
        if key in self.refuse_delete:
            raise StorageError("Access denied by the image store. Check SPACES_KEY and SPACES_SECRET.")
        self.deleted.append(key)
        self.objects.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.objects

    def url(self, key: str, ttl_s: int) -> str:
        return f"https://fake.example/{key}?ttl={ttl_s}"

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        for key, (data, _) in list(self.objects.items()):
            if key.startswith(prefix):
                yield StoredObject(key, self.created_at, len(data))

    def check(self) -> str:
        return "fake store"


@dataclass
class FakeRecords:
    rows: dict[int, ImageRecordView] = field(default_factory=dict)
    fail_add: bool = False
    lookups_miss: bool = False  # simulates another process inserting between lookup and insert
    recorded_keys: set[str] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add(self, *, record: NewRecord, from_draft: int | None = None) -> tuple[ImageRecordView, bool]:
        assert from_draft is None, "FakeRecords has no drafts table: give such a pipeline no DraftStore"
        if self.fail_add:
            raise DatabaseError("Cannot reach the database. Check DB_HOST and DB_PORT.")
        if existing := self._existing(record.idempotency_key):
            return existing, False
        view = ImageRecordView(id=next(self._ids), created_at=datetime.now(UTC), **record.__dict__)
        self.rows[view.id] = view
        return view, True

    def find_by_idempotency_key(self, *, key: str) -> ImageRecordView | None:
        return None if self.lookups_miss else self._existing(key)

    def _existing(self, key: str) -> ImageRecordView | None:
        return next((row for row in self.rows.values() if row.idempotency_key == key), None)

    def delete(self, *, record_id: int) -> bool:
        return self.rows.pop(record_id, None) is not None

    def get_many(self, *, record_ids: Collection[int]) -> list[ImageRecordView]:
        return [self.rows[record_id] for record_id in sorted(set(record_ids), reverse=True) if record_id in self.rows]

    def delete_many(self, *, record_ids: Collection[int]) -> list[int]:
        return sorted(record_id for record_id in set(record_ids) if self.rows.pop(record_id, None) is not None)

    def record_keys(self, *, keys: Collection[str]) -> None:
        self.recorded_keys.update(keys)

    def forget_keys(self, *, keys: Collection[str]) -> None:
        self.recorded_keys.difference_update(keys)

    def update_description(self, *, record_id: int, description: str) -> ImageRecordView | None:
        if record_id not in self.rows:
            return None
        self.rows[record_id] = replace(self.rows[record_id], description=description)
        return self.rows[record_id]


@dataclass
class FakeGenerator:
    model_id: str = "fake/flux"
    requests: list[GenerationRequest] = field(default_factory=list)
    error: GenerationError | None = None
    gate: threading.Event | None = None  # when given, each prediction waits until the test opens it
    delay_s: float = 0.0  # how long each prediction takes, as a model on the other end of a network would

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        self.requests.append(request)
        if self.gate is not None and not self.gate.wait(timeout=30):
            raise TimeoutError("the test never opened the generation gate")
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.error:
            raise self.error
        # Like FLUX, the image depends on the seed (and its place in the batch): the same seed redraws it.
        seed = request.seed or 0
        return [
            GeneratedImage(
                data=png_bytes(64 + i, 48, ((seed + i) % 256, (seed + i) // 256 % 256, 200)), output_format="png"
            )
            for i in range(request.num_outputs)
        ]

    def check(self) -> str:
        return "fake generator"


@dataclass
class FakeTranscriber:
    text: str = "a red apple on a wooden table"
    model_id: str = "fake/whisper"
    clips: list[AudioClip] = field(default_factory=list)
    language: str | None = "en"

    languages_given: list[str | None] = field(default_factory=list)

    def transcribe(self, clip: AudioClip, *, language: str | None = None) -> Transcript:
        self.clips.append(clip)
        self.languages_given.append(language)
        return Transcript(text=self.text, language=language or self.language, duration_s=clip.duration_s)


@dataclass
class FakePromptModel:
    """Answers `reply` (or an upper-cased echo) and records every call; `error` makes each call fail."""

    reply: str | None = None
    model_id: str = "fake/llama"
    calls: list[dict[str, object]] = field(default_factory=list)
    error: Exception | None = None

    def complete(self, *, prompt: str, system_prompt: str, max_new_tokens: int, temperature: float) -> str:
        self.calls.append(
            {"prompt": prompt, "system_prompt": system_prompt, "max_new_tokens": max_new_tokens,
             "temperature": temperature}
        )  # fmt: skip
        if self.error is not None:
            raise self.error
        return self.reply if self.reply is not None else prompt.upper()

    def check(self) -> str:
        return "fake prompt model"


@dataclass
class FakeCaptioner:
    text: str = "a red square"
    model_id: str = "fake/blip"
    images: list[bytes] = field(default_factory=list)

    def caption(self, image: bytes) -> str:
        self.images.append(image)
        return self.text

    def caption_many(self, images: Sequence[bytes]) -> list[str]:
        return [self.caption(image) for image in images]


def tone(
    seconds: float = 1.0, *, rate: int = 16_000, channels: int = 1, fmt: str = "WAV", amplitude: float = 0.3
) -> bytes:
    """A 440 Hz tone encoded as `fmt` (WAV, FLAC, OGG, MP3): real audio bytes for decoding tests."""
    import numpy as np
    import soundfile

    t = np.arange(int(seconds * rate)) / rate
    wave = (amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    data = np.stack([wave] * channels, axis=1) if channels > 1 else wave
    buffer = io.BytesIO()
    soundfile.write(buffer, data, rate, format=fmt)
    return buffer.getvalue()


@dataclass
class GatedCaptioner:
    """A deliberately slow captioner: each caption waits until the test opens the gate."""

    text: str = "a slow caption"
    model_id: str = "fake/slow-blip"
    gate: threading.Event = field(default_factory=threading.Event)
    waiting: threading.Event = field(default_factory=threading.Event)  # set once a caption is waiting at the gate

    def caption(self, image: bytes) -> str:
        self.waiting.set()
        if not self.gate.wait(timeout=30):
            raise TimeoutError("the test never opened the caption gate")
        return self.text

    def caption_many(self, images: Sequence[bytes]) -> list[str]:
        return [self.caption(image) for image in images]
