"""The drafts row and the domain's Draft map both ways through one function each (core/db/drafts.py)."""

from __future__ import annotations

from dataclasses import replace

from core.db.drafts import draft_to_row, row_to_draft
from core.db.schema import DraftRow
from core.domain.drafts import Draft
from core.domain.ports import GeneratedImage, GenerationRequest
from tests.fakes import png_bytes


def every_fact_set() -> Draft:
    return Draft(
        image=GeneratedImage(png_bytes(), "png", prediction_id="p7x2k"),
        request=GenerationRequest(
            prompt="a kite", aspect_ratio="16:9", seed=9, output_format="png", output_quality=90, megapixels="0.25"
        ),
        image_model="black-forest-labs/flux-schnell",
        transcript="a kite",
        speech_model="whisper-base",
        language="de",
        caption="a red kite",
        caption_model="blip",
        timings_ms={"generate": 812.5},
        parent_id=3,
        edit_instruction="make it night",
        created_by="ada",
    )


def test_a_draft_written_as_a_row_reads_back_as_the_same_draft_prediction_id_included() -> None:
    draft = every_fact_set()
    row = DraftRow(id=11, **draft_to_row(draft, image_key="images/k.png"))

    stored = row_to_draft(row)

    assert stored.prediction_id == "p7x2k" and stored.idempotency_key == draft.idempotency_key
    assert stored.to_draft(draft.image.data) == replace(draft, draft_id=11, image_key="images/k.png")


def test_the_row_mapper_writes_every_column_of_the_drafts_table() -> None:
    written = set(draft_to_row(every_fact_set(), image_key="images/k.png"))

    assert written == set(DraftRow.__table__.columns.keys()) - {"id"}
