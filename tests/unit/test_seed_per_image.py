"""Each image of a batch is its own prediction with its own seed, so that seed alone redraws it."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from core.app.runs import CreateRun, RunInput
from core.domain.errors import GenerationError
from core.domain.ports import GeneratedImage, GenerationRequest
from core.domain.prompts import MAX_SEED, one_request_per_image
from tests.fakes import FakeGenerator
from tests.unit.test_runs import pipeline_with


def test_a_batch_of_four_is_four_single_image_predictions_with_seeds_s_to_s_plus_3():
    generator = FakeGenerator()

    drafts = pipeline_with(generator=generator).generate(GenerationRequest(prompt="kites", num_outputs=4, seed=700))

    assert sorted(request.seed for request in generator.requests) == [700, 701, 702, 703]
    assert {request.num_outputs for request in generator.requests} == {1}
    assert [draft.request.seed for draft in drafts] == [700, 701, 702, 703]  # in seed order, whatever came first
    assert len({draft.image.data for draft in drafts}) == 4


def test_redrawing_image_3_from_its_seed_gives_the_same_image():
    pipeline = pipeline_with(generator=FakeGenerator())
    batch = pipeline.generate(GenerationRequest(prompt="kites", num_outputs=4, seed=41))
    third = batch[2]

    [redrawn] = pipeline.generate(GenerationRequest(prompt="kites", seed=third.request.seed))

    assert third.request.seed == 43
    assert redrawn.image.data == third.image.data


def test_the_predictions_of_a_batch_run_at_the_same_time():
    generator = FakeGenerator(delay_s=0.4)

    started = time.perf_counter()
    pipeline_with(generator=generator).generate(GenerationRequest(prompt="kites", num_outputs=4, seed=1))
    took = time.perf_counter() - started

    assert len(generator.requests) == 4
    assert took < 1.2, f"four 0.4 s predictions took {took:.2f} s: they ran one after another"


def test_seeds_wrap_past_the_largest_seed():
    singles = one_request_per_image(GenerationRequest(prompt="kites", num_outputs=3, seed=MAX_SEED - 1))
    assert [single.seed for single in singles] == [MAX_SEED - 1, MAX_SEED, 0]


@dataclass
class FailsOnOneSeed(FakeGenerator):
    failing_seed: int = 0

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        if request.seed == self.failing_seed:
            raise GenerationError("Replicate's safety filter flagged the image as NSFW.")
        return super().generate(request)


def test_one_failed_prediction_keeps_the_images_of_the_others_and_says_what_failed():
    pipeline = pipeline_with(generator=FailsOnOneSeed(failing_seed=12))
    run = CreateRun(pipeline, RunInput(GenerationRequest(prompt="kites", num_outputs=3, seed=10)))

    run.run()

    assert isinstance(run.error, GenerationError) and "NSFW" in str(run.error)
    assert [draft.request.seed for draft in run.drafts] == [10, 11]


def test_a_request_without_its_seed_cannot_be_split():
    with pytest.raises(ValueError):
        one_request_per_image(GenerationRequest(prompt="kites", num_outputs=2))
