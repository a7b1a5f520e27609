"""The History gallery's grid in AppTest: the cards it was given, and a click on one, as the browser sends it.

The grid is one components-v2 element (ui.history.cards), whose JavaScript AppTest does not run. A click
arrives at the server as a trigger value on the component's event widget; `click_card` sends exactly that,
with the widgets' other values, the way AppTest's own `Widget.run()` does (through `AppTest._run`).
"""

from __future__ import annotations

import json
from typing import Any

from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from ui.history.state import GRID_KEY


def _grid(at: AppTest) -> Any:
    found = [element for element in at.get("bidi_component") if element.key == GRID_KEY]
    assert found, "the gallery's grid is not on the page"
    return found[0]


def grid_cards(at: AppTest) -> list[dict[str, Any]]:
    """The cards the grid draws, in order: id, thumbnail, title, badges, tags, starred, selected."""
    if not any(element.key == GRID_KEY for element in at.get("bidi_component")):
        return []
    return list(json.loads(_grid(at).proto.json)["cards"])


def click_card(at: AppTest, event: str, value: object) -> AppTest:
    """What the grid sends on a click: `pick` {id, on} or {id, range}, `star` {id, starred}, `open` id, `like` id."""
    states = WidgetStates()
    states.CopyFrom(at._tree.get_widget_states())
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(_grid(at).proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": event, "value": value}])
    return at._run(states)
