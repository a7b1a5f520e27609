"""`make screenshots`: remake docs/screenshots/*.png from a real browser against the app.

Create with four results and History's gallery, each at a desktop (1440x900) and a phone (390x844) size, in
light and in dark (Chromium's prefers-color-scheme, which the app follows): eight pictures, named
`{page}-{screen}-{scheme}.png`. A desktop picture is the one screenful a person sees without scrolling; a
phone picture is the first two screenfuls (390x1688), since one phone screen holds too little to show a page.

A fresh `streamlit run app.py` on the embedded defaults (a scratch DATA_DIR) with every model on the local
stand-in for Replicate that the tests use, so no account and no model download is needed. The stand-in
paints each image as a simple landscape coloured by its seed, so the pictures are stand-ins too; everything
around them (layout, captions, timings, the gallery) is the app as people see it.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (  # noqa: E402
    IDLE,
    app_environment,
    choose_number_of_images,
    chromium_arguments,
    running_streamlit,
)
from tests.fixtures import replicate_server  # noqa: E402

SHOTS = ROOT / "docs" / "screenshots"
SCREENS = {"desktop": (1440, 900), "phone": (390, 844)}
SCHEMES = ("light", "dark")
PHONE_SCREENS = 2  # a phone picture holds this many screenfuls
HISTORY_PROMPTS = (
    "an old lighthouse on a cliff in a storm",
    "a fox sleeping in fresh snow at dawn",
    "a red kite over a calm blue sea",
    "a small boat on a lake at sunset",
    "three yellow flowers in a glass jar",
    "a city street in the rain at night",
)
CREATE_PROMPT = "a lighthouse on a rocky coast at sunset, warm light, wide view"
CREATE_IMAGES = 4
STEP_MS = 120_000
MAX_COLOURS = 256  # a palette PNG: a screenful stays around 100-300 KB instead of 1 MB


def landscape(*, aspect_ratio: str, output_format: str, seed: int, megapixels: str = "1", quality: int = 80) -> bytes:
    """A sky, a sun and two hills, coloured by the seed: a picture that reads as one at thumbnail size."""
    width_part, height_part = (int(p) for p in aspect_ratio.split(":"))
    longest = 512 if megapixels == "1" else 256
    scale = longest / max(width_part, height_part)
    width, height = round(width_part * scale), round(height_part * scale)
    rng = random.Random(seed)
    top = tuple(rng.randrange(40, 160) for _ in range(3))
    bottom = tuple(min(255, c + 90) for c in top)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / height
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    sun_x, radius = rng.randrange(width // 5, width * 4 // 5), height // 9
    draw.ellipse((sun_x - radius, height // 4 - radius, sun_x + radius, height // 4 + radius), fill=(255, 224, 150))
    for shade, level in ((0.55, 0.62), (0.35, 0.75)):
        hill = tuple(round(c * shade) for c in (rng.randrange(60, 200), rng.randrange(90, 200), rng.randrange(60, 160)))
        peak = rng.randrange(width)
        ridge = [(0, round(height * level)), (peak, round(height * (level - 0.2))), (width, round(height * level))]
        draw.polygon([(0, height), *ridge, (width, height)], fill=hill)
    buffer = io.BytesIO()
    pillow_format, _ = replicate_server.OUTPUT_FORMATS[output_format]
    image.save(buffer, format=pillow_format, **({} if output_format == "png" else {"quality": quality}))
    return buffer.getvalue()


def save_small(png: bytes, target: Path) -> None:
    """The screenshot as a palette PNG: UI colours survive exactly, the stand-in landscapes nearly so."""
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    picture.quantize(colors=MAX_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        target, optimize=True
    )


def generate_four(page: Any) -> None:
    """Type the prompt, choose four images, click Generate, wait for every caption."""
    from playwright.sync_api import expect

    page.locator(IDLE).wait_for()
    prompt = page.get_by_role("textbox", name="Prompt")
    prompt.fill(CREATE_PROMPT)
    prompt.press("Control+Enter")
    page.locator(IDLE).wait_for()
    choose_number_of_images(page, CREATE_IMAGES)
    page.get_by_text("Generation options").click()  # folded again
    page.locator(IDLE).wait_for()
    # Back to the top, as after loading the page: the slider's focus scrolled down to the options.
    page.evaluate("document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")
    page.get_by_role("button", name="Generate", exact=True).click()
    results = page.locator(".st-key-studio [data-testid=stImage] img")
    expect(results.nth(CREATE_IMAGES - 1)).to_be_visible(timeout=STEP_MS)
    expect(page.get_by_text("a painting of a sun over the hills").nth(CREATE_IMAGES - 1)).to_be_attached()
    page.locator(IDLE).wait_for()
    images_in_view_loaded(page)
    page.wait_for_timeout(800)  # the last fade-in of Streamlit's elements


def shoot(url: str, env: Mapping[str, str]) -> list[Path]:
    """Create (after Generate) and History, at every screen size and colour scheme."""
    from playwright.sync_api import expect, sync_playwright

    written = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=chromium_arguments(None))
        for screen, (width, height) in SCREENS.items():
            for scheme in SCHEMES:
                context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
                page = context.new_page()
                page.set_default_timeout(STEP_MS)
                page.goto(f"{url}/create")
                generate_four(page)
                written.append(SHOTS / f"create-{screen}-{scheme}.png")
                save_small(screens_full(page, screen), written[-1])
                discard_unsaved(env)  # the next session's Create must not list these under "Made but not saved"
                page.goto(f"{url}/history")
                expect(page.get_by_role("heading", name="History")).to_be_visible()
                expect(page.locator("[class*=st-key-history_card_] img").first).to_be_visible()  # the gallery grid
                page.locator(IDLE).wait_for()
                images_in_view_loaded(page)
                page.wait_for_timeout(800)
                written.append(SHOTS / f"history-{screen}-{scheme}.png")
                save_small(screens_full(page, screen), written[-1])
                context.close()
        browser.close()
    return written


def images_in_view_loaded(page: Any) -> None:
    """Until every image inside the viewport has loaded (those below it load lazily, when scrolled to)."""
    page.wait_for_function(
        "() => [...document.images].filter(img => img.getBoundingClientRect().top < innerHeight)"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )


def screens_full(page: Any, screen: str) -> bytes:
    """What is in view; on a phone the first two screens (Streamlit scrolls inside the page, so a taller
    viewport for the moment of the picture, at the same width, is what shows them)."""
    if screen != "phone":
        return bytes(page.screenshot())
    width, height = SCREENS[screen]
    page.set_viewport_size({"width": width, "height": PHONE_SCREENS * height})
    images_in_view_loaded(page)
    page.wait_for_timeout(500)
    try:
        return bytes(page.screenshot())
    finally:
        page.set_viewport_size({"width": width, "height": height})


def core_command(env: Mapping[str, str], *arguments: str) -> str:
    command = [sys.executable, "-m", "core", *arguments]
    done = subprocess.run(command, cwd=ROOT, env=dict(env), check=True, capture_output=True, text=True, timeout=120)
    return done.stdout


def discard_unsaved(env: Mapping[str, str]) -> None:
    drafts = [json.loads(line)["id"] for line in core_command(env, "drafts").splitlines() if line.strip()]
    if drafts:
        core_command(env, "drafts", "--discard", *map(str, drafts))


def main() -> int:
    replicate_server.make_image = landscape  # the stand-in's painter, for pictures worth looking at
    fake, server = replicate_server.start_fake_replicate()
    fake.community.blip.caption = "Caption: a painting of a sun over the hills"  # what BLIP says of such a picture
    try:
        with tempfile.TemporaryDirectory(prefix="screenshots-") as scratch:
            settings = {
                "REPLICATE_API_TOKEN": replicate_server.TOKEN,
                "REPLICATE_BASE_URL": fake.base_url,
                "SPEECH_ENGINE": "replicate",
                "CAPTION_ENGINE": "replicate",
            }
            env = app_environment(settings, Path(scratch) / "data")
            for number, prompt in enumerate(HISTORY_PROMPTS):  # History's gallery, saved as `create` saves
                core_command(env, "create", "--prompt", prompt, "--seed", str(number * 7 + 3))
            with running_streamlit(env, Path(scratch) / "run", Path(scratch) / "streamlit.log") as app:
                written = shoot(app.url, env)
    finally:
        server.shutdown()
    for path in written:
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
