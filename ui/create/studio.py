"""Create's studio layout: the prompt area beside the results on wide screens, the results on top on a phone.

Streamlit stacks columns on narrow screens in their order, which would put the results under the whole
prompt area (about 1,500 px down on a phone). The style below reverses that one row on narrow screens, so
the newest results are the first thing on the page once there are any, and gives buttons and the
recorder a touch target of at least 44 px. No colours: the theme (light or dark) keeps its own.
"""

from __future__ import annotations

import streamlit as st

STUDIO = "studio"  # the container's key; Streamlit gives it the class st-key-studio
NARROW_PX = 640  # where Streamlit itself starts stacking columns

_STYLE = f"""<style>
@media (max-width: {NARROW_PX}px) {{
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
