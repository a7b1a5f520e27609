"""`make screenshots`: remake docs/create.png and docs/history.png from a real browser against the app.

A fresh `streamlit run` on the embedded defaults (a scratch DATA_DIR) with every model on the local
stand-in for Replicate that the tests use, so no account and no model download is needed. The
stand-in paints each image as a simple landscape coloured by its seed, so the pictures are stand-ins
too; everything around them (layout, captions, timings, the gallery) is the app as people see it.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import app_environment, chromium_arguments, running_streamlit  # noqa: E402
from tests.fixtures import replicate_server  # noqa: E402

DOCS = ROOT / "docs"
HISTORY_PROMPTS = (
    "an old lighthouse on a cliff in a storm",
    "a fox sleeping in fresh snow at dawn",
    "a red kite over a calm blue sea",
    "a small boat on a lake at sunset",
    "three yellow flowers in a glass jar",
    "a city street in the rain at night",
)
CREATE_PROMPT = "a lighthouse on a rocky coast at sunset, warm light, wide view"
STEP_MS = 120_000


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


def shoot(url: str) -> None:
    """Create with two results, then the History gallery, each as one PNG in docs/."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=chromium_arguments(None))
        page = browser.new_page(viewport={"width": 1280, "height": 1860}, device_scale_factor=1)
        page.set_default_timeout(STEP_MS)
        page.goto(f"{url}/create")
        page.get_by_role("textbox", name="Prompt").fill(CREATE_PROMPT)
        page.get_by_role("textbox", name="Prompt").press("Control+Enter")
        page.get_by_text("Generation options").click()
        page.get_by_role("slider", name="Number of images").focus()
        page.keyboard.press("ArrowRight")  # two images, side by side
        page.get_by_text("Generation options").click()
        page.get_by_role("button", name="Generate", exact=True).click()
        expect(page.get_by_test_id("stImage").locator("img").nth(1)).to_be_visible()
        expect(page.get_by_text("a painting of a sun over the hills").nth(1)).to_be_visible()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(DOCS / "create.png"))
        page.goto(f"{url}/history?view=gallery")
        expect(page.get_by_role("heading", name="History")).to_be_visible()
        expect(page.get_by_test_id("stImage").locator("img").first).to_be_visible()
        page.wait_for_timeout(2000)
        page.set_viewport_size({"width": 1280, "height": 1100})
        page.screenshot(path=str(DOCS / "history.png"))
        browser.close()


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
                command = [sys.executable, "-m", "core", "create", "--prompt", prompt, "--seed", str(number * 7 + 3)]
                subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
            with running_streamlit(env, Path(scratch) / "run", Path(scratch) / "streamlit.log") as app:
                shoot(app.url)
    finally:
        server.shutdown()
    print(f"wrote {DOCS / 'create.png'} and {DOCS / 'history.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
