"""Two models loading at once in one process (the preloader's speech model, a click's caption model)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.captioning.blip import load_captioner
from core.speech.whisper import load_transcriber

ROUNDS = 4


def test_speech_and_caption_models_loading_at_the_same_time_both_get_their_weights(
    real_whisper_transformers_dir: Path, tiny_blip_dir: Path
) -> None:
    def speech() -> str:
        model = load_transcriber(
            engine="transformers", model=str(real_whisper_transformers_dir), device="cpu", threads=1, warm_up=False
        )
        return model.model_id

    def caption() -> str:
        return load_captioner(model=str(tiny_blip_dir), device="cpu", threads=1).model_id

    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(ROUNDS):
            # transformers builds models on the "meta" device through process-wide state: without
            # core.models.loading taking turns, one of two loads at once could end with no weights.
            both = [pool.submit(speech), pool.submit(caption)]
            assert all(future.result() for future in both)
