"""Debian's nginx running the shipped deploy/nginx.conf on loopback, in front of test replicas."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.ports import free_port
from tests.fixtures.services import service_missing

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx.conf"
NGINX = Path("/usr/sbin/nginx")
# The wrapper only adds what a Debian install provides around conf.d/ (pid, logs, temp folders); the access
# log also records which replica answered each request, so a test can tell replicas apart.
MAIN = """
{user}
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    log_format replica '$request_method $uri $status cookie=$cookie_speak_replica upstream=$upstream_addr';
    access_log {folder}/access.log replica;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""


@dataclass(frozen=True)
class Proxy:
    url: str
    folder: Path

    def access_log(self) -> list[str]:
        path = self.folder / "access.log"
        return path.read_text().splitlines() if path.exists() else []

    def logged(self, prefix: str, timeout_s: float = 15.0) -> bool:
        """Whether a request starting with `prefix` gets logged (a websocket only is once it closes)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(line.startswith(prefix) for line in self.access_log()):
                return True
            time.sleep(0.2)
        return False


def nginx_executable() -> str:
    if not NGINX.is_file():
        service_missing(f"nginx at {NGINX} (apt-get install nginx, or `make services`)")
    return str(NGINX)


def site_config(replica_ports: Sequence[int], listen_port: int, htpasswd: Path | None) -> str:
    """deploy/nginx.conf with the test's ports, and its optional basic auth switched on when `htpasswd` is given."""
    site = SITE.read_text()
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=2 fail_timeout=10s;" for port in replica_ports)
    site, count = re.subn(r"(?:    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers + "\n", site)
    assert count == 1, "deploy/nginx.conf no longer lists its replicas as `server 127.0.0.1:PORT ...` lines"
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen_port};")
    if htpasswd is not None:
        site = site.replace('# auth_basic "Speak an image";', 'auth_basic "Speak an image";')
        site = site.replace(
            "# auth_basic_user_file /etc/nginx/speak-an-image.htpasswd;", f"auth_basic_user_file {htpasswd};"
        )
        assert f"auth_basic_user_file {htpasswd};" in site
    return site


def write_htpasswd(path: Path, user: str, password: str) -> Path:
    """An htpasswd line made by openssl (Apache MD5), as the README tells people to make it."""
    hashed = subprocess.run(
        ["openssl", "passwd", "-apr1", password], capture_output=True, text=True, check=True
    ).stdout.strip()
    path.write_text(f"{user}:{hashed}\n")
    return path


@contextmanager
def running_nginx(replica_ports: Sequence[int], folder: Path, *, htpasswd: Path | None = None) -> Iterator[Proxy]:
    executable = nginx_executable()
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (folder / "site.conf").write_text(site_config(replica_ports, port, htpasswd))
    # As root, workers would drop to `nobody`, who cannot enter pytest's private temporary folders.
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(MAIN.format(folder=folder, user=user))
    command = [executable, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    tested = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process, folder)
        yield Proxy(f"http://127.0.0.1:{port}", folder)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
            pytest.fail(f"nginx exited with {process.returncode}:\n{log[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail("nginx did not start listening within 20 s")
