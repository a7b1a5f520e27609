"""What a person may ask for: prompt limits and the FLUX.1 [schnell] options."""

from __future__ import annotations

import pytest

from core.domain.errors import InputError
from core.domain.ports import GenerationRequest
from core.domain.prompts import validate_prompt, validate_request


def test_emoji_and_right_to_left_prompt_passes_unchanged():
    prompt = "قطة 🐈‍⬛ تجلس على القمر 🌙 \u200fשלום"

    assert validate_prompt(prompt, max_chars=100) == prompt


def test_html_in_a_prompt_is_kept_verbatim_as_data():
    prompt = '<script>alert("x")</script> a <b>bold</b> cat & dog'

    assert validate_prompt(prompt, max_chars=100) == prompt


def test_surrounding_whitespace_is_trimmed_and_inner_lines_kept():
    assert validate_prompt("  \n a red kite\n over hills \t ", max_chars=100) == "a red kite\n over hills"


def test_invisible_control_characters_are_dropped():
    assert validate_prompt("a\x00 cat\x07", max_chars=100) == "a cat"


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "\x00"])
def test_empty_prompt_asks_to_type_or_record_a_description(text):
    with pytest.raises(InputError, match="Type or record a description first"):
        validate_prompt(text, max_chars=100)


def test_prompt_at_the_limit_passes():
    assert validate_prompt("x" * 20, max_chars=20) == "x" * 20


def test_prompt_over_the_limit_names_the_limit_and_its_length():
    with pytest.raises(InputError) as caught:
        validate_prompt("x" * 21, max_chars=20)

    assert "21 characters" in str(caught.value)
    assert "limit is 20" in str(caught.value)


def test_limit_counts_what_remains_after_trimming():
    assert validate_prompt("   " + "y" * 20 + "   ", max_chars=20) == "y" * 20


def test_valid_request_comes_back_with_its_prompt_trimmed():
    request = GenerationRequest(prompt="  a fox  ", aspect_ratio="21:9", num_outputs=4, seed=2**32 - 1)

    checked = validate_request(request, max_chars=100)

    assert checked.prompt == "a fox"
    assert checked.aspect_ratio == "21:9"
    assert checked.num_outputs == 4
    assert checked.seed == 2**32 - 1


def test_request_with_an_empty_prompt_is_refused():
    with pytest.raises(InputError, match="Type or record a description first"):
        validate_request(GenerationRequest(prompt=" "), max_chars=100)


@pytest.mark.parametrize(
    ("options", "allowed"),
    [
        ({"aspect_ratio": "7:3"}, "1:1, 16:9, 21:9"),
        ({"num_outputs": 0}, "from 1 to 4"),
        ({"num_outputs": 5}, "from 1 to 4"),
        ({"num_outputs": True}, "from 1 to 4"),
        ({"num_inference_steps": 5}, "from 1 to 4"),
        ({"output_format": "gif"}, "webp, jpg, png"),
        ({"output_quality": 101}, "from 0 to 100"),
        ({"output_quality": -1}, "from 0 to 100"),
        ({"megapixels": "2"}, "1, 0.25"),
        ({"seed": -1}, "from 0 to 4294967295"),
        ({"seed": 2**32}, "from 0 to 4294967295"),
    ],
)
def test_bad_option_is_refused_with_the_allowed_values(options, allowed):
    with pytest.raises(InputError) as caught:
        validate_request(GenerationRequest(prompt="a fox", **options), max_chars=100)

    assert allowed in str(caught.value)


def test_every_aspect_ratio_of_flux_schnell_is_accepted():
    for ratio in ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"):
        assert validate_request(GenerationRequest(prompt="p", aspect_ratio=ratio), max_chars=10).aspect_ratio == ratio


@pytest.mark.parametrize(
    "text",
    [
        "\u200b\u200b\u200b",  # zero-width spaces
        "\u200d\u200c\u2060\ufeff",  # joiners, word joiner, byte-order mark
        "\u200f\u202e\u2066",  # direction marks and overrides
        "\u00a0\u3000\u2028\u2029\u200b",  # no-break and ideographic spaces, line and paragraph separators
        "\u00ad\U000e0001\U000e0020",  # soft hyphen and tag characters
    ],
)
def test_a_prompt_of_only_invisible_characters_is_refused(text):
    with pytest.raises(InputError, match="only invisible characters"):
        validate_prompt(text, max_chars=100)


def test_invisible_characters_inside_a_visible_prompt_are_kept():
    family = "a family \U0001f468\u200d\U0001f469\u200d\U0001f467 at the beach"
    assert validate_prompt(family, max_chars=100) == family
