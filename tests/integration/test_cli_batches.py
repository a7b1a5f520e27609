"""`create --num-outputs N`: N predictions of one image each, seeds seed..seed+N-1, each printed with its seed."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.replicate_server import FakeReplicate, make_image
from tests.integration.test_cli import json_lines, run_cli


def test_create_num_outputs_draws_each_image_alone_with_its_own_seed(
    fake_replicate: FakeReplicate, tiny_blip_dir: Path, tmp_path: Path
):
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "CAPTION_MODEL": str(tiny_blip_dir),
        "HF_HUB_OFFLINE": "1",
    }
    out = tmp_path / "out"

    result = run_cli(
        "create", "--prompt", "kites", "--num-outputs", "3", "--seed", "20", "--no-save", "--output-dir", str(out),
        "--output-format", "png", env=env,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [line["seed"] for line in lines] == [20, 21, 22]
    sent = [request.body["input"] for request in fake_replicate.created]
    assert sorted(body["seed"] for body in sent) == [20, 21, 22]
    assert {body["num_outputs"] for body in sent} == {1}
    third = Path(lines[2]["image_path"]).read_bytes()
    assert third == make_image(aspect_ratio="1:1", output_format="png", seed=22)  # its seed alone redraws it
