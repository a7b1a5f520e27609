"""The rule that decides whether a prompt still comes from a recording (and so is saved with its transcript)."""

from __future__ import annotations

import pytest

from core.domain.provenance import comes_from_recording, content_words

FOX = "A red fox jumping over a snowy fence at dawn"


def test_content_words_are_case_folded_without_function_words():
    assert content_words("The Red FOX, in the snow!") == ["red", "fox", "snow"]


@pytest.mark.parametrize(
    "prompt",
    [
        FOX,  # as transcribed
        "a red fox jumping over a snowy fence at dusk",  # one word edited
        "A RED FOX jumping over a snowy fence",  # case changed, a phrase removed
        "a red fox jumping over a snowy fence at dawn, oil painting, dramatic light",  # words added, most kept
    ],
)
def test_a_prompt_mostly_made_of_the_transcripts_words_comes_from_the_recording(prompt):
    assert comes_from_recording(prompt, [FOX])


@pytest.mark.parametrize(
    "prompt",
    [
        "a lighthouse in a storm",  # replaced by a typed idea
        "a lighthouse in a storm with a red sky",  # sharing one word is not enough
        "",
        "a the of",  # no content words: nothing says it came from the recording
    ],
)
def test_a_replaced_prompt_does_not_come_from_the_recording(prompt):
    assert not comes_from_recording(prompt, [FOX])


def test_half_of_the_words_is_enough_and_less_is_not():
    assert comes_from_recording("red fox lighthouse storm", [FOX])  # 2 of 4
    assert not comes_from_recording("red lighthouse storm", [FOX])  # 1 of 3


def test_a_translation_or_improvement_of_the_transcript_counts_as_the_recording():
    spoken = "Ein rotes Boot auf dem See"
    translated = "A red boat on the lake"
    improved = "A small red boat drifting on a calm mountain lake, golden hour, photorealistic"

    assert not comes_from_recording(translated, [spoken])
    assert comes_from_recording(translated, [spoken, translated])
    assert comes_from_recording(improved, [spoken, translated, improved])
    assert not comes_from_recording("a castle on a hill", [spoken, translated, improved])
