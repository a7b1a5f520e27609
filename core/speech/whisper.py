"""Speech to text with Whisper, through transformers or faster-whisper (CTranslate2), behind the Transcriber port.

Each adapter is shaped like a transformers pipeline: pure preprocess and postprocess steps around one model
call, and that call holds the adapter's lock because a shared model (and its fast tokenizer) is not thread-safe.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import numpy as np

from core.domain.errors import ConfigError, ModelLoadError
from core.domain.ports import SAMPLE_RATE, AudioClip, Transcriber, Transcript
from core.models.loading import load_failure, load_pretrained
from core.models.runtime import default_thread_count, hide_progress_bars, inference_mode, resolve_device
from core.speech.decoding import (
    DEFAULT_BEAM_SIZE,
    MAX_NEW_TOKENS,
    START_TOKENS,
    WARMUP_TOKENS,
    WINDOW_S,
    clean_text,
    token_budget,
    warmup_clip,
)
from core.speech.one_window import Heard, Look, decode_window
from core.speech.sources import EXAMPLE, NEEDS_FASTER_WHISPER, SETTING, locate_speech_model


class TransformersWhisperTranscriber:
    """Whisper through transformers' WhisperForConditionalGeneration and WhisperProcessor."""

    def __init__(
        self, *, model_id: str, model: Any, processor: Any, device: str, beam_size: int = DEFAULT_BEAM_SIZE
    ) -> None:
        self.model_id = model_id
        self.beam_size = beam_size
        self._model = model
        self._processor = processor
        self._device = device
        self._lock = threading.Lock()
        # Deprecated, and warned about on every call: generate builds the same start
        # tokens from `language`, `task` and `return_timestamps`, which _forward passes when they matter.
        model.generation_config.forced_decoder_ids = None
        # One warning is left, once per process, and no caller can avoid it: since transformers PR #48108,
        # Whisper's own generate passes suppress_tokens beside its generation_config ("Passing
        # `generation_config` together with generation-related arguments").
        lang_to_id = getattr(model.generation_config, "lang_to_id", None) or {}
        # English-only checkpoints (*.en) have no language tokens to detect.
        self._language_of_token = {token_id: token.strip("<|>") for token, token_id in dict(lang_to_id).items()}
        self._multilingual = bool(getattr(model.generation_config, "is_multilingual", False) and lang_to_id)
        self._max_length = int(getattr(model.generation_config, "max_length", None) or START_TOKENS + MAX_NEW_TOKENS)

    @classmethod
    def load(
        cls,
        model: str,
        *,
        device: str = "auto",
        threads: int | None = None,
        beam_size: int = DEFAULT_BEAM_SIZE,
        warm_up: bool = True,
    ) -> TransformersWhisperTranscriber:
        """Load a hub id or a saved folder, then (unless `warm_up` is False) warm it up."""
        loaded = load_pretrained(
            locate_speech_model("transformers", model),
            processor_class="WhisperProcessor",
            network_class="WhisperForConditionalGeneration",
            device=device,
            threads=threads,
            setting=SETTING,
            model=model,
            example=EXAMPLE,
        )
        transcriber = cls(
            model_id=model,
            model=loaded.network,
            processor=loaded.processor,
            device=loaded.device,
            beam_size=beam_size,
        )
        if warm_up:
            transcriber.warm_up()
        return transcriber

    def transcribe(self, clip: AudioClip, *, language: str | None = None) -> Transcript:
        features = self._preprocess(clip)
        long_form = clip.duration_s > WINDOW_S
        # Long audio is decoded window by window, each within the model's own 448 positions.
        budget = None if long_form else min(self._max_length, START_TOKENS + token_budget(clip.duration_s))
        with self._lock, inference_mode():
            token_ids, heard = self._forward(features, long_form=long_form, max_length=budget, language=language)
        return Transcript(text=self._postprocess(token_ids), language=heard, duration_s=clip.duration_s)

    def warm_up(self) -> None:
        """One short inference, so the first user is not the one paying for lazy initialisation."""
        features = self._preprocess(warmup_clip())
        with self._lock, inference_mode():
            self._forward(features, long_form=False, max_length=WARMUP_TOKENS)

    def _preprocess(self, clip: AudioClip) -> dict[str, Any]:
        long_form = clip.duration_s > WINDOW_S
        features = self._processor.feature_extractor(
            clip.samples,
            sampling_rate=SAMPLE_RATE,
            return_tensors="pt",
            return_attention_mask=True,
            # Long audio keeps every frame; generate then walks through it 30 s window by window.
            truncation=not long_form,
            padding="longest" if long_form else "max_length",
        )
        return {
            "input_features": features.input_features.to(self._device, dtype=self._model.dtype),
            "attention_mask": features.attention_mask.to(self._device),
        }

    def _forward(
        self, features: dict[str, Any], *, long_form: bool, max_length: int | None = None, language: str | None = None
    ) -> tuple[Any, str | None]:
        # num_beams=1 is greedy decoding; the warm-up uses the same width so it warms the same code path.
        options: dict[str, Any] = {"input_features": features["input_features"], "num_beams": self.beam_size}
        if long_form:
            options |= {
                "attention_mask": features["attention_mask"],
                "return_timestamps": True,  # long-form decoding seeks by the timestamps it predicts
                "condition_on_prev_tokens": False,
                "temperature": 0.0,
            }
        if max_length is not None:
            # max_length, not max_new_tokens: the checkpoint sets max_length, and giving both makes transformers warn.
            options["max_length"] = max_length
        if not self._multilingual:  # English-only checkpoints (*.en) know one language, whatever was said
            return self._model.generate(**options), "en"
        if language is None:
            # Detecting once here, then passing it on, costs what generate's own detection would.
            window = features["input_features"][:, :, :3000]
            detected = int(self._model.detect_language(input_features=window)[0])
            language = self._language_of_token.get(detected)
        options |= {"language": language, "task": "transcribe"}
        return self._model.generate(**options), language

    def _postprocess(self, token_ids: Any) -> str:
        texts = self._processor.batch_decode(token_ids, skip_special_tokens=True)
        return clean_text(texts[0] if texts else "")


class FasterWhisperTranscriber:
    """Whisper through faster-whisper (CTranslate2), int8 on CPU."""

    def __init__(self, *, model_id: str, model: Any, beam_size: int = DEFAULT_BEAM_SIZE) -> None:
        self.model_id = model_id
        self.beam_size = beam_size
        self._model = model
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        model: str,
        *,
        device: str = "auto",
        threads: int | None = None,
        beam_size: int = DEFAULT_BEAM_SIZE,
        warm_up: bool = True,
    ) -> FasterWhisperTranscriber:
        """Load a CTranslate2 folder, a size name such as "base", or a hub id, then (unless told not to) warm it up."""
        try:
            import ctranslate2
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ModelLoadError(NEEDS_FASTER_WHISPER) from exc
        source = locate_speech_model("faster-whisper", model)
        hide_progress_bars()  # the hub client's own bars stay off: downloads report through core.models.download
        target = resolve_device(device, has_cuda=ctranslate2.get_cuda_device_count() > 0)
        try:
            if source.downloads:
                from core.models.download import CT2_FILES, fetch

                fetch(source.repo or source.location, CT2_FILES)  # with progress the pages can show
            network = WhisperModel(
                source.location,
                device=target,
                compute_type="float16" if target == "cuda" else "int8",
                cpu_threads=threads if threads and threads > 0 else default_thread_count(),
                local_files_only=True,  # fetched above when it was not in the cache yet
            )
        except Exception as exc:  # CTranslate2 raises RuntimeError; the hub client its own errors
            raise load_failure(SETTING, model, exc, example="base") from exc
        transcriber = cls(model_id=model, model=network, beam_size=beam_size)
        if warm_up:
            transcriber.warm_up()
        return transcriber

    def transcribe(self, clip: AudioClip, *, language: str | None = None) -> Transcript:
        long_form = clip.duration_s > WINDOW_S
        budget = None if long_form else token_budget(clip.duration_s)
        with self._lock:
            texts, heard = self._run(clip.samples, long_form=long_form, max_new_tokens=budget, language=language)
        return Transcript(text=clean_text(" ".join(texts)), language=heard, duration_s=clip.duration_s)

    def decode(self, samples: np.ndarray, *, language: str | None, look: Look = Look.FULL) -> Heard:
        """One window for a streaming session (core.speech.streaming), with one encoder pass."""
        with self._lock:
            return decode_window(self._model, samples, language=language, look=look, beam_size=self.beam_size)

    def warm_up(self) -> None:
        """One short inference, so the first user is not the one paying for lazy initialisation."""
        with self._lock:
            self._run(warmup_clip().samples, long_form=False, max_new_tokens=WARMUP_TOKENS)

    def _run(
        self, samples: np.ndarray, *, long_form: bool, max_new_tokens: int | None = None, language: str | None = None
    ) -> tuple[list[str], str | None]:
        segments, info = self._model.transcribe(
            samples,
            language=language,  # None: detected from the first 30 s
            beam_size=self.beam_size,
            temperature=0.0,  # the default fall-back ladder re-decodes whole windows: ~10x slower, measured
            condition_on_previous_text=False,
            # Without timestamps a long recording is cut blindly at 30 s and greedy decoding may skip a
            # window's first sentences (measured); with them, faster-whisper seeks sentence by sentence.
            without_timestamps=not long_form,
            vad_filter=False,
            max_new_tokens=max_new_tokens,
        )
        # Segments are decoded lazily, so they must be consumed while the lock is held.
        texts = [segment.text for segment in segments]
        return texts, info.language


class TranscriberLoader(Protocol):
    def __call__(
        self, model: str, *, device: str = ..., threads: int | None = ..., beam_size: int = ..., warm_up: bool = ...
    ) -> Transcriber: ...


SPEECH_ENGINES: dict[str, TranscriberLoader] = {
    "transformers": TransformersWhisperTranscriber.load,
    "faster-whisper": FasterWhisperTranscriber.load,
}


def load_transcriber(
    *,
    engine: str,
    model: str,
    device: str = "auto",
    threads: int | None = None,
    beam_size: int = DEFAULT_BEAM_SIZE,
    warm_up: bool = True,
) -> Transcriber:
    """Load a Whisper model with the chosen engine, ready for `transcribe`.

    Parameters
    ----------
    engine : str
        A key of SPEECH_ENGINES: "transformers" or "faster-whisper" (the SPEECH_ENGINE setting).
    model : str
        The WHISPER_MODEL setting: a hub id or a local folder. For faster-whisper, a CTranslate2 folder,
        a size name such as "tiny.en", or a CTranslate2 hub id.
    device : str
        "auto" (a CUDA GPU when there is one), "cpu" or "cuda".
    threads : int or None
        CPU threads for inference; None uses every core this process may run on.
    beam_size : int
        The WHISPER_BEAM_SIZE setting: beams searched while decoding; 1 is greedy (fastest), 5 the default.
    warm_up : bool
        Run one short inference after loading (a server's first user then does not pay for lazy set-up); a
        process that transcribes once and exits skips it, since its one call pays that cost anyway.

    Returns
    -------
    Transcriber
        An adapter (warmed up unless asked not to) whose `transcribe` is safe to call from several threads
        (calls run one at a time).

    Raises
    ------
    ConfigError
        If `engine` is not a known engine.
    ModelLoadError
        If the model cannot be found or loaded; raised at once when offline, naming WHISPER_MODEL.
    """
    loader = SPEECH_ENGINES.get(engine)
    if loader is None:
        raise ConfigError(f"SPEECH_ENGINE={engine!r} is not supported: use one of {', '.join(SPEECH_ENGINES)}.")
    if beam_size < 1:
        raise ConfigError(f"WHISPER_BEAM_SIZE must be 1 (greedy) or more, got {beam_size}.")
    return loader(model, device=device, threads=threads, beam_size=beam_size, warm_up=warm_up)
