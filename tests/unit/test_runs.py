"""A run on a worker thread: images visible before captions, one time per stage, seeds kept, failures kept."""

from __future__ import annotations

import time

import pytest

from core.app.lazy import Lazy
from core.app.pipeline import Pipeline
from core.app.runs import CreateRun, RunInput
from core.domain.errors import GenerationError
from core.domain.ports import GenerationRequest
from core.domain.progress import StageLog
from core.domain.prompts import MAX_SEED
from tests.fakes import FakeCaptioner, FakeGenerator, FakeRecords, FakeStore, FakeTranscriber, GatedCaptioner, tone


def pipeline_with(captioner=None, generator=None, transcriber=None) -> Pipeline:
    return Pipeline(
        store=FakeStore(),
        records=FakeRecords(),
        generator=generator or FakeGenerator(),
        transcriber=transcriber or (lambda: FakeTranscriber()),
        captioner=captioner or (lambda: FakeCaptioner()),
    )


def test_images_are_visible_before_a_slow_captioner_has_written_any_caption():
    captioner = GatedCaptioner()
    run = CreateRun(pipeline_with(lambda: captioner), RunInput(GenerationRequest(prompt="two kites", num_outputs=2)))

    run.start()
    assert captioner.waiting.wait(timeout=10)

    assert len(run.drafts) == 2 and all(draft.image.data for draft in run.drafts)
    assert [draft.caption for draft in run.drafts] == [None, None]
    assert not run.done and not run.captions_done
    captioner.gate.set()
    assert run.wait(timeout=10)
    assert [draft.caption for draft in run.drafts] == ["a slow caption", "a slow caption"]
    assert run.error is None


def test_each_stage_is_timed_once_and_the_same_figure_is_stored_with_the_image():
    log = StageLog()
    [saved] = pipeline_with().create(GenerationRequest(prompt=""), audio=tone(1.0), progress=log)

    assert [(stage.name, stage.image) for stage in log.stages] == [
        ("transcribe", None),
        ("generate", None),
        ("caption", 1),
        ("upload", 1),
    ]
    assert {stage.name: stage.ms for stage in log.stages} == saved.record.timings_ms


def test_loading_a_model_is_reported_as_its_own_stage_only_the_first_time():
    def load_slowly() -> FakeTranscriber:
        time.sleep(0.05)
        return FakeTranscriber()

    pipeline = pipeline_with(transcriber=Lazy(load_slowly))
    first, second = StageLog(), StageLog()
    pipeline.transcribe(tone(1.0), progress=first)
    pipeline.transcribe(tone(1.0), progress=second)

    assert [stage.name for stage in first.stages] == ["load_speech_model", "transcribe"]
    assert first.stages[0].ms >= 50
    assert [stage.name for stage in second.stages] == ["transcribe"]


def test_no_seed_given_means_a_random_32_bit_base_seed_and_each_image_keeps_its_own():
    generator = FakeGenerator()
    pipeline = pipeline_with(generator=generator)

    drafts = pipeline.generate(GenerationRequest(prompt="a fox", num_outputs=2))
    again = pipeline.generate(GenerationRequest(prompt="a fox"))

    sent = sorted(request.seed for request in generator.requests[:2] if request.seed is not None)
    assert len(sent) == 2 and 0 <= sent[0] <= MAX_SEED
    assert [draft.request.seed for draft in drafts] in (sent, [MAX_SEED, 0])  # seed, seed+1 (wrapping past the top)
    saved = pipeline.save(drafts[1])
    assert saved.record.seed == drafts[1].request.seed
    sent = drafts[0].request.seed
    assert again[0].request.seed != sent  # two draws in a row picking the same of 2**32 seeds: practically never


def test_a_given_seed_is_sent_unchanged():
    generator = FakeGenerator()
    pipeline_with(generator=generator).generate(GenerationRequest(prompt="a fox", seed=1234))
    assert generator.requests[0].seed == 1234


def test_failed_generation_is_kept_with_its_stage_and_nothing_is_raised():
    generator = FakeGenerator(error=GenerationError("Replicate refused the token."))
    run = CreateRun(pipeline_with(generator=generator), RunInput(GenerationRequest(prompt="a fox")))

    run.run()

    assert run.done and run.drafts == []
    assert isinstance(run.error, GenerationError) and run.failed_stage == ("generate", None)


def test_do_it_all_run_transcribes_the_audio_and_saves_every_image():
    run = CreateRun(
        pipeline_with(),
        RunInput(GenerationRequest(prompt="older typed text", num_outputs=2), audio=tone(1.0), save=True),
    )

    run.run()

    assert run.error is None and run.transcript is not None
    assert run.prompt == "a red apple on a wooden table"
    assert sorted(run.saved_ids) == [0, 1]


def test_the_captions_of_one_run_are_made_in_one_batched_call_after_its_images_are_visible():
    batches: list[int] = []
    seen_images: list[int] = []

    class BatchCounting(FakeCaptioner):
        def caption_many(self, images):
            batches.append(len(images))
            seen_images.append(len(run.drafts))  # the images were handed to the page first
            return super().caption_many(images)

    run = CreateRun(pipeline_with(lambda: BatchCounting()), RunInput(GenerationRequest(prompt="kites", num_outputs=3)))
    run.run()

    assert run.error is None
    assert batches == [3] and seen_images == [3]
    assert [(stage.name, stage.image) for stage in run.stages] == [("generate", None), ("caption", None)]
    caption_ms = run.stages[1].ms
    # Each image records its share of the batch, so a run's records still add up to what it took.
    assert sum(draft.timings_ms["caption"] for draft in run.drafts) == pytest.approx(caption_ms, abs=0.2)
    assert all(draft.caption == "a red square" for draft in run.drafts)
