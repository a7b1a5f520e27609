"""Create's studio layout: the prompt area beside the results on wide screens, the results on top on a phone.

Streamlit stacks columns on narrow screens in their order, which would put the results under the whole
prompt area (about 1,500 px down on a phone). The style below reverses that one row on narrow screens, so
the newest results are the first thing on the page once there are any, lays a run's cards out as one row
to swipe through (four results are as tall as one), and gives buttons and the recorder a touch target of
at least 44 px. No colours: the theme (light or dark) keeps its own.
"""

from __future__ import annotations

import streamlit as st

STUDIO = "studio"  # the container's key; Streamlit gives it the class st-key-studio
RESULT_CARDS = "result_cards_"  # + run id: a run's row of cards (results.py)
RESULT_CARD = "result_card_"  # + run id and index: one card
NARROW_PX = 640  # where Streamlit itself starts stacking columns

_CARDS = f'[class*="st-key-{RESULT_CARDS}"]'
_CARD = f'[class*="st-key-{RESULT_CARD}"]'
_STYLE = f"""<style>
/* Two cards abreast where they fit, one per row where they do not (a card is never squeezed below 280 px). */
{_CARDS} > * {{ flex: 1 1 280px; min-width: 0; }}
@media (max-width: {NARROW_PX}px) {{
  /* A phone: the run's cards side by side in one row the person swipes through, so four results take the
     height of one and Record and Generate stay within the first two screens below them. */
  {_CARDS} {{ flex-wrap: nowrap; overflow-x: auto; scroll-snap-type: x mandatory; }}
  {_CARDS} > * {{ flex: 0 0 88%; scroll-snap-align: start; }}
  .st-key-{STUDIO} > div > [data-testid="stHorizontalBlock"],
  .st-key-{STUDIO} > [data-testid="stHorizontalBlock"] {{ flex-direction: column-reverse; }}
  /* Stacked, a column keeps Streamlit's calc(100% - 1.5rem): the studio stood 24 px short of the right edge. */
  .st-key-{STUDIO} [data-testid="stColumn"] {{ min-width: 100%; }}
  [data-testid="stMain"] button, [data-testid="stAudioInput"] button {{ min-height: 44px; min-width: 44px; }}
}}
</style>"""


def studio_columns() -> tuple[st.delta_generator.DeltaGenerator, st.delta_generator.DeltaGenerator]:
    """The prompt area and the results area, side by side (results first on a phone)."""
    st.html(_STYLE)
    with st.container(key=STUDIO):
        prompt_area, results_area = st.columns([5, 6], gap="large")
    return prompt_area, results_area
