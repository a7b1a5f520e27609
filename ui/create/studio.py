"""Create's studio layout: the prompt area beside the results on wide screens, the results on top on a phone.

Streamlit stacks columns on narrow screens in their order, which would put the results under the whole
prompt area (about 1,500 px down on a phone). The style below reverses that one row on narrow screens, so
the newest results are the first thing on the page once there are any, lays a run's cards out as one row
to swipe through (four results are as tall as one), and gives buttons and the recorder a touch target of
at least 44 px. No colours: the theme (light or dark) keeps its own.

A new run's results appear at the top of the results area; on a phone that is the top of the page, far above
Generate for whoever scrolled down to it. `bring_into_view` scrolls the new run's block into view, once per
run (the reruns that draw it while it is new send it again; the browser scrolls once), and only when its top
is not already in the upper half of the screen.
"""

from __future__ import annotations

import streamlit as st

STUDIO = "studio"  # the container's key; Streamlit gives it the class st-key-studio
RESULT_CARDS = "result_cards_"  # + run id: a run's row of cards (results.py)
RESULT_CARD = "result_card_"  # + run id and index: one card
RESULT_RUN = "result_run_"  # + run id: the newest run's status line, prompt and cards (results.py)
SCROLLER = "create_bring_into_view"
NARROW_PX = 640  # where Streamlit itself starts stacking columns

_CARDS = f'[class*="st-key-{RESULT_CARDS}"]'
_CARD = f'[class*="st-key-{RESULT_CARD}"]'
_STYLE = f"""<style>
/* Two cards abreast where they fit, one per row where they do not (a card is never squeezed below 280 px). */
{_CARDS} > * {{ flex: 1 1 280px; min-width: 0; }}
/* Scrolled to, a run's block stops below Streamlit's fixed header (3.75rem), not under it. */
[class*="st-key-{RESULT_RUN}"] {{ scroll-margin-top: 4.5rem; }}
.st-key-{SCROLLER} {{ display: none; }}
@media (max-width: {NARROW_PX}px) {{
  /* A phone: the run's cards side by side in one row the person swipes through, so four results take the
     height of one and Record and Generate stay within the first two screens below them. */
  {_CARDS} {{ flex-wrap: nowrap; overflow-x: auto; scroll-snap-type: x mandatory; }}
  {_CARDS} > * {{ flex: 0 0 88%; scroll-snap-align: start; }}
  /* Stacked, the columns' large gap is no longer between them but above Record: before any result it left 64 px
     of nothing under the model status line. */
  .st-key-{STUDIO} > div > [data-testid="stHorizontalBlock"],
  .st-key-{STUDIO} > [data-testid="stHorizontalBlock"] {{ flex-direction: column-reverse; row-gap: 1rem; }}
  /* Stacked, a column keeps Streamlit's calc(100% - 1.5rem): the studio stood 24 px short of the right edge. */
  .st-key-{STUDIO} [data-testid="stColumn"] {{ min-width: 100%; }}
  [data-testid="stMain"] button, [data-testid="stAudioInput"] button {{ min-height: 44px; min-width: 44px; }}
}}
</style>"""


# The block is looked for until it is drawn (it comes in the same rerun as this element, maybe a moment later).
# A smooth scroll unless the person asked their system for less motion. While a run starts Streamlit swaps the
# elements around the block and its first image arrives, so the page's height changes under it and the browser
# moves the scroll position to keep other content still (which can also cut a smooth scroll short). So until
# a second after the block's first image has loaded, each change of size, and a look every WATCH_MS, brings the
# block back if it left the view; the person's touch, wheel or key ends that at once (their scroll wins), and
# so does FOLLOW_MS. Each run is scrolled to once, however often this element is drawn with it.
_SCROLL_JS = """
const done = new Set();
const FOLLOW_MS = 10000;
const AFTER_IMAGE_MS = 1000;
const WATCH_MS = 200;
const FIND_MS = 10000;
const PERSON = ["wheel", "touchstart", "keydown", "pointerdown"];

function outOfView(block) {
  const header = document.querySelector('[data-testid="stHeader"]');
  const top = block.getBoundingClientRect().top;
  return top < (header ? header.getBoundingClientRect().bottom : 0) || top > window.innerHeight / 2;
}

function imageShown(block) {
  const image = block.querySelector("img");
  return Boolean(image && image.complete && image.naturalWidth > 0);
}

function follow(block, behavior) {
  let following = true;
  const bring = () => {
    if (following && block.isConnected && outOfView(block)) block.scrollIntoView({ behavior, block: "start" });
  };
  const resized = new ResizeObserver(bring); // also called once at the start, for each element observed
  const stop = () => {
    following = false;
    resized.disconnect();
    PERSON.forEach((name) => window.removeEventListener(name, stop, { capture: true }));
  };
  PERSON.forEach((name) => window.addEventListener(name, stop, { capture: true, passive: true }));
  setTimeout(stop, FOLLOW_MS);
  resized.observe(block);
  resized.observe(document.querySelector('[data-testid="stMainBlockContainer"]') || document.body);
  let ending = false;
  const watch = () => { // the scroll position also moves without a change of size (the browser's own anchoring)
    if (!following) return;
    bring();
    if (!ending && imageShown(block)) {
      ending = true;
      setTimeout(stop, AFTER_IMAGE_MS);
    }
    setTimeout(watch, WATCH_MS);
  };
  watch();
}

export default function ({ data }) {
  const target = data && data.target;
  if (!target || done.has(target)) return;
  done.add(target);
  const started = performance.now();
  const behavior = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
  const find = () => {
    const block = document.querySelector(`.st-key-${target}`);
    if (block) follow(block, behavior);
    else if (performance.now() - started < FIND_MS) requestAnimationFrame(find);
  };
  requestAnimationFrame(find);
}
"""
_scroller = st.components.v2.component("create_bring_into_view", js=_SCROLL_JS)


def bring_into_view(block_key: str | None) -> None:
    """Scroll to the block with this key (a new run's results) in the browser; None: stay where the person is."""
    _scroller(key=SCROLLER, data={"target": block_key})


def studio_columns() -> tuple[st.delta_generator.DeltaGenerator, st.delta_generator.DeltaGenerator]:
    """The prompt area and the results area, side by side (results first on a phone)."""
    st.html(_STYLE)
    with st.container(key=STUDIO):
        prompt_area, results_area = st.columns([5, 6], gap="large")
    return prompt_area, results_area
