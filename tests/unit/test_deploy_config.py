"""deploy/nginx.conf stays in step with the app: its body limit follows Streamlit's upload limit."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_nginx_body_limit_is_the_upload_limit_plus_one_megabyte_for_multipart_framing():
    upload_mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    match = re.search(r"^\s*client_max_body_size (\d+)m;", (ROOT / "deploy" / "nginx.conf").read_text(), re.M)

    assert match is not None
    assert int(match.group(1)) == upload_mb + 1


def test_nginx_upgrades_the_streamlit_websocket_and_keeps_sessions_sticky():
    site = (ROOT / "deploy" / "nginx.conf").read_text()

    assert "location /_stcore/stream" in site
    assert "proxy_set_header Upgrade $http_upgrade;" in site
    assert re.search(r"^\s*hash \$speak_replica_key consistent;", site, re.M)


def test_streamlit_config_keeps_xsrf_and_cors_protection_on_and_the_agent_api_off():
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]

    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert "*" not in server.get("corsAllowedOrigins", [])
    assert server["enableAgentApi"] is False
    assert "*" not in server.get("allowedHosts", [])


def test_security_docs_name_every_hardening_setting():
    security = (ROOT / "docs" / "security.md").read_text()

    for setting in ("enableXsrfProtection", "enableCORS", "enableAgentApi", "allowedHosts"):
        assert f"server.{setting}" in security, setting


def test_replicas_serve_app_py_and_nginx_leaves_readiness_and_liveness_open_to_probes():
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    makefile = (ROOT / "Makefile").read_text()

    assert "streamlit run app.py" in site and "streamlit run Home.py" not in site
    for probe in ("/readyz", "/_stcore/health"):
        block = re.search(rf"location = {re.escape(probe)} \{{(.*?)\}}", site, re.S)
        assert block is not None and "auth_basic off;" in block.group(1), probe
    runs = re.findall(r"^\t.*streamlit run (\S+)", makefile, re.M)  # the recipes, not the comments
    assert runs and set(runs) == {"app.py"}, runs


def test_streamlit_does_not_force_a_full_garbage_collection_after_every_script_run():
    runner = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["runner"]

    assert runner["postScriptGC"] is False


def test_nginx_upgrades_the_live_words_websocket_without_buffering():
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    block = re.search(r"location = /listen \{(.*?)\n    \}", site, re.S)

    assert block is not None, "deploy/nginx.conf proxies /listen"
    assert "proxy_set_header Upgrade $http_upgrade;" in block.group(1)
    assert "proxy_set_header Connection $speak_connection_upgrade;" in block.group(1)
    assert "proxy_buffering off;" in block.group(1)
