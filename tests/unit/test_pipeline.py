import pytest

from core.app.pipeline import Draft, Pipeline, SavedImage
from core.domain.errors import DatabaseError, GenerationError, InputError, StorageError
from core.domain.ports import GenerationRequest
from core.domain.prompts import TranscriptTooLong
from tests.fakes import FakeCaptioner, FakeGenerator, FakeRecords, FakeStore, FakeTranscriber, tone


@pytest.fixture
def parts():
    return {
        "store": FakeStore(),
        "repository": FakeRecords(),
        "generator": FakeGenerator(),
        "transcriber": FakeTranscriber(),
        "captioner": FakeCaptioner(),
    }


def pipeline_of(parts) -> Pipeline:
    return Pipeline(
        store=parts["store"],
        records=parts["repository"],
        generator=parts["generator"],
        transcriber=lambda: parts["transcriber"],
        captioner=lambda: parts["captioner"],
    )


def test_create_from_audio_uses_the_transcript_as_the_prompt_and_saves_a_captioned_record(parts):
    [saved] = pipeline_of(parts).create(GenerationRequest(prompt=""), audio=tone(1.5), filename="idea.wav")
    assert isinstance(saved, SavedImage) and saved.created
    assert parts["generator"].requests[0].prompt == "a red apple on a wooden table"
    record = saved.record
    assert (record.prompt, record.transcript, record.description) == (
        "a red apple on a wooden table",
        "a red apple on a wooden table",
        "a red square",
    )
    assert (record.image_model, record.caption_model, record.speech_model) == ("fake/flux", "fake/blip", "fake/whisper")
    assert set(parts["store"].objects) == {record.image_filename, record.thumbnail_filename}


def test_create_times_each_stage_in_order(parts):
    [saved] = pipeline_of(parts).create(GenerationRequest(prompt=""), audio=tone(1.0))
    assert list(saved.record.timings_ms) == ["transcribe", "generate", "caption", "upload"]
    assert all(ms >= 0 for ms in saved.record.timings_ms.values())


def test_create_from_text_never_touches_the_speech_model(parts):
    pipeline = Pipeline(
        store=parts["store"],
        records=parts["repository"],
        generator=parts["generator"],
        transcriber=lambda: pytest.fail("the speech model was loaded for a typed prompt"),
        captioner=lambda: parts["captioner"],
    )
    [saved] = pipeline.create(GenerationRequest(prompt="  a lighthouse at dusk  "))
    assert saved.record.prompt == "a lighthouse at dusk" and saved.record.transcript is None


def test_several_outputs_give_one_caption_and_one_record_each(parts):
    results = pipeline_of(parts).create(GenerationRequest(prompt="three cats", num_outputs=3))
    assert len({r.record.id for r in results}) == 3
    assert len(parts["captioner"].images) == 3
    assert len(parts["store"].objects) == 6


def test_saving_the_same_draft_twice_leaves_one_record_and_one_pair_of_objects(parts):
    pipeline = pipeline_of(parts)
    [draft] = pipeline.generate(GenerationRequest(prompt="a kite"))
    first, second = pipeline.save(draft), pipeline.save(draft)
    assert first.created and not second.created
    assert first.record.id == second.record.id
    assert len(parts["repository"].rows) == 1 and len(parts["store"].objects) == 2


def test_failed_insert_removes_the_uploaded_image_and_thumbnail(parts):
    parts["repository"].fail_add = True
    pipeline = pipeline_of(parts)
    [draft] = pipeline.generate(GenerationRequest(prompt="a kite"))
    with pytest.raises(DatabaseError):
        pipeline.save(draft)
    assert parts["store"].objects == {} and len(parts["store"].deleted) == 2


def test_failed_thumbnail_upload_removes_the_image_and_inserts_no_row(parts):
    parts["store"].fail_put_on_call = 2
    pipeline = pipeline_of(parts)
    [draft] = pipeline.generate(GenerationRequest(prompt="a kite"))
    with pytest.raises(StorageError):
        pipeline.save(draft)
    assert parts["store"].objects == {} and parts["repository"].rows == {}


def test_a_draft_survives_a_failed_save_and_saves_once_storage_is_back(parts):
    parts["store"].fail_put_on_call = 1
    pipeline = pipeline_of(parts)
    [draft] = pipeline.generate(GenerationRequest(prompt="a kite"))
    with pytest.raises(StorageError):
        pipeline.save(draft)
    parts["store"].fail_put_on_call = None
    assert pipeline.save(draft).created
    assert len(parts["repository"].rows) == 1


def test_a_lost_insert_race_keeps_only_the_winners_objects(parts):
    pipeline = pipeline_of(parts)
    [draft] = pipeline.generate(GenerationRequest(prompt="a kite"))
    winner = pipeline.save(draft)
    # Another process saved the same image between our lookup and our insert:
    parts["repository"].lookups_miss = True
    loser = pipeline.save(draft)
    assert not loser.created and loser.record.id == winner.record.id
    assert set(parts["store"].objects) == {winner.record.image_filename, winner.record.thumbnail_filename}


def test_generation_failure_reaches_the_caller_and_saves_nothing(parts):
    parts["generator"].error = GenerationError("Replicate rejected the token. Check REPLICATE_API_TOKEN.")
    with pytest.raises(GenerationError, match="REPLICATE_API_TOKEN"):
        pipeline_of(parts).create(GenerationRequest(prompt="a kite"))
    assert parts["store"].objects == {} and parts["repository"].rows == {}


def test_whitespace_prompt_is_refused_before_anything_is_paid_for(parts):
    with pytest.raises(InputError):
        pipeline_of(parts).create(GenerationRequest(prompt="   \n "))
    assert parts["generator"].requests == []


def test_draft_key_depends_only_on_the_image_bytes(parts):
    [draft] = pipeline_of(parts).generate(GenerationRequest(prompt="a kite"))
    recaptioned = pipeline_of(parts).caption(draft)
    assert isinstance(recaptioned, Draft) and recaptioned.idempotency_key == draft.idempotency_key


def test_a_transcript_over_the_prompt_limit_is_handed_back_whole_and_nothing_is_generated(parts):
    parts["transcriber"].text = "a long walk along the windy shore " * 40
    pipeline = Pipeline(
        store=parts["store"],
        records=parts["repository"],
        generator=parts["generator"],
        transcriber=lambda: parts["transcriber"],
        captioner=lambda: parts["captioner"],
        max_prompt_chars=1000,
    )
    with pytest.raises(TranscriptTooLong) as refused:
        pipeline.create(GenerationRequest(prompt=""), audio=tone(1.0))
    assert refused.value.transcript == parts["transcriber"].text.strip()
    assert "1000" in str(refused.value) and "Nothing was generated" in str(refused.value)
    assert parts["generator"].requests == []


def test_a_prompt_of_zero_width_characters_is_refused_before_paying(parts):
    with pytest.raises(InputError, match="only invisible characters"):
        pipeline_of(parts).create(GenerationRequest(prompt="\u200b\u200d\u2060"))
    assert parts["generator"].requests == []
