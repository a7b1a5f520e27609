"""Create in AppTest: each result card downloads its own image and ticks it into compare, beside its other actions."""

from __future__ import annotations

from streamlit.runtime.memory_media_file_storage import _calculate_file_id
from streamlit.testing.v1 import AppTest

from core.domain.comparison import MAX_COMPARED
from tests.app.conftest import finish_runs, page
from ui.create.state import COMPARE_PICK, EDIT_PANEL, NUM_OUTPUTS, PROMPT, RUNS


def generated(at: AppTest, prompt: str, images: int) -> AppTest:
    at.text_area(key=PROMPT).set_value(prompt)
    at.slider(key=NUM_OUTPUTS).set_value(images)
    at.button(key="generate").click().run()
    return finish_runs(at)


def box(at: AppTest, run_index: int, image: int):
    run_id = at.session_state[RUNS][run_index].id[:8]
    return at.checkbox(key=f"compare_{run_id}_{image}")


def test_every_card_downloads_its_own_image_under_a_name_the_app_chose(create_page_models):
    at = generated(page("pages/create.py", timeout=120).run(), "two lanterns on a pier at night", 2)

    assert not at.exception
    buttons = [element.proto for element in at.get("download_button")]
    assert [button.label for button in buttons] == ["Download", "Download"]
    assert all(button.ignore_rerun for button in buttons)  # the bytes are in the page: a click reruns nothing
    run = at.session_state[RUNS][0]
    assert len({draft.image.data for draft in run.drafts}) == 2  # the fake drew each seed differently
    # Streamlit names a served file by a hash of its bytes, media type and file name: each card serves its own
    # image, as a WebP, named by the app (never from the prompt).
    for index, (button, draft) in enumerate(zip(buttons, run.drafts, strict=True)):
        name = f"result-{run.id[:8]}-{index + 1}.webp"
        assert button.url.rsplit("/", 1)[1] == _calculate_file_id(draft.image.data, "image/webp", name) + ".webp"

    at.button(key=f"save_{run.id[:8]}_1").click().run()
    record_id = run.saved_ids[1]  # a saved card's file is named as History names it
    saved = next(element.proto for element in at.get("download_button") if element.proto.id.endswith(f"_{1}"))
    name = f"image-{record_id}.webp"
    assert saved.url.rsplit("/", 1)[1] == _calculate_file_id(run.drafts[1].image.data, "image/webp", name) + ".webp"


def test_ticking_compare_on_two_cards_shows_them_side_by_side_and_unticking_takes_one_out(create_page_models):
    at = generated(page("pages/create.py", timeout=120).run(), "a blue boat on a calm lake", 2)
    run_id = at.session_state[RUNS][0].id

    box(at, 0, 0).check().run()
    assert at.session_state[COMPARE_PICK] == [f"{run_id}:0"]
    assert box(at, 0, 0).value is True and box(at, 0, 1).value is False

    box(at, 0, 1).check().run()
    assert at.multiselect(key=COMPARE_PICK).value == [f"{run_id}:0", f"{run_id}:1"]
    assert not at.exception
    shown = [text.value for text in at.markdown]
    assert "**Result 1**" in shown and "**Result 2**" in shown  # the pair, side by side under Compare

    box(at, 0, 0).uncheck().run()
    assert at.multiselect(key=COMPARE_PICK).value == [f"{run_id}:1"]
    assert box(at, 0, 0).value is False

    # The picker and the boxes are one value: a pick made in the picker ticks the card's box.
    at.multiselect(key=COMPARE_PICK).set_value([f"{run_id}:0", f"{run_id}:1"]).run()
    assert box(at, 0, 0).value is True and box(at, 0, 1).value is True


def test_a_fifth_card_cannot_be_ticked_while_compare_holds_four(create_page_models):
    at = generated(page("pages/create.py", timeout=120).run(), "four kites over a beach", MAX_COMPARED)
    for image in range(MAX_COMPARED):
        box(at, 0, image).check().run()
    generated(at, "one more kite", 1)

    assert len(at.session_state[COMPARE_PICK]) == MAX_COMPARED
    fifth = box(at, 0, 0)  # the newest run is first
    assert fifth.value is False and fifth.disabled
    assert not at.exception


def test_an_edit_downloads_its_own_image_beside_save_the_edit(create_page_models):
    at = generated(page("pages/create.py", timeout=180).run(), "a red kite over a field", 1)
    run_id = at.session_state[RUNS][0].id[:8]
    at.button(key=f"pick_edit_{run_id}_0").click().run()
    at.text_area(key=f"{EDIT_PANEL}_text").set_value("make it night")
    at.button(key=f"{EDIT_PANEL}_go").click().run()
    edit = at.session_state["_edit_runs"][EDIT_PANEL]
    assert edit.wait(120), "the edit did not finish in time"
    at.run()

    assert not at.exception
    button = next(element.proto for element in at.get("download_button") if element.proto.id.endswith("_download"))
    name = f"edit-of-{edit.input.record_id}-{edit.id[:8]}.{edit.draft.image.output_format}"
    served = _calculate_file_id(edit.draft.image.data, edit.draft.image.content_type, name)
    assert button.label == "Download" and button.url.rsplit("/", 1)[1].startswith(served)
