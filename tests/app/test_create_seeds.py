"""On Create each image of a batch shows, reuses and stores its own seed."""

from __future__ import annotations

from tests.app.conftest import finish_runs, page
from tests.app.test_create_page import card_key, saved_records


def test_each_card_of_a_batch_has_its_own_seed_and_reusing_image_2_brings_back_its_seed(create_page_models):
    at = page("pages/create.py", timeout=180).run()
    at.text_area(key="prompt").set_value("two kites").run()
    at.slider(key="num_outputs").set_value(2).run()
    at.number_input(key="seed").set_value(5).run()

    at.button(key="generate").click().run()
    finish_runs(at)

    assert not at.exception and not at.error
    sent = sorted(request.body["input"]["seed"] for request in create_page_models.created)
    assert sent == [5, 6]
    shown = [c.value for c in at.caption if " · seed " in c.value]
    assert [line.rsplit("seed ", 1)[1] for line in shown] == ["5", "6"]

    at.button(key=card_key(at, "save", index=1)).click().run()
    assert saved_records().records[0].seed == 6
    at.checkbox(key=card_key(at, "reuse_seed", index=1)).check().run()
    at.button(key=card_key(at, "reuse", index=1)).click().run()
    assert at.number_input(key="seed").value == 6
