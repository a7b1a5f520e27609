"""What one server process holds once: its settings, the services built from them, and how it is served.

Shared by app.py's HTTP layer (web/) and the pages (ui/resources.py), so a page and the gate use the same
database engine, access ledger and model preloader. Settings are parsed once per process: the cache is
keyed by a cheap stamp of their sources (the environment, `.env`'s modification time, Streamlit's secrets
as given), so a changed source (a test's monkeypatched variable, an edited `.env`) is read again without
re-parsing on every request; `reload_settings()` forces it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from pathlib import Path

from core.app.preload import ModelPreloader
from core.app.services import Services, build_services
from core.config.redaction import install_log_redaction
from core.config.settings import Settings, load_settings

DOTENV = Path(".env")
# A process serves one configuration; a few more are kept for tests that switch between them.
MAX_CONFIGURATIONS = 4

_lock = threading.RLock()
_settings: tuple[Hashable, Settings] | None = None
_services: OrderedDict[str, Services] = OrderedDict()
_preloaders: dict[str, ModelPreloader] = {}
_migrated: set[str] = set()
_behind_http_gate = False


def _sources_stamp(secrets: Mapping[str, object]) -> Hashable:
    try:
        dotenv = DOTENV.stat().st_mtime_ns
    except OSError:
        dotenv = None
    return hash((frozenset(os.environ.items()), dotenv, repr(sorted(secrets.items(), key=lambda item: item[0]))))


def current_settings(secrets: Mapping[str, object]) -> Settings:
    """This process's settings (raises ConfigError, which is not cached: a fixed source is read again)."""
    global _settings
    stamp = _sources_stamp(secrets)
    with _lock:
        if _settings is None or _settings[0] != stamp:
            resolved = load_settings(secrets=secrets, dotenv_path=DOTENV)
            install_log_redaction(resolved.secret_values)
            _settings = (stamp, resolved)
        return _settings[1]


def reload_settings() -> None:
    """Read the settings again at the next call (an explicit reload; a changed source is noticed anyway)."""
    global _settings
    with _lock:
        _settings = None


def _fingerprint(resolved: Settings) -> str:
    secret_part = "|".join(sorted(hashlib.sha256(s.reveal().encode()).hexdigest() for s in resolved.secret_values))
    return hashlib.sha256(f"{resolved!r}|{secret_part}".encode()).hexdigest()


def services_for(resolved: Settings) -> Services:
    """The services for these settings, built once per process; the first call starts the model preloader."""
    key = _fingerprint(resolved)
    with _lock:
        current = _services.get(key)
        if current is None:
            current = build_services(resolved, run_migrations=False)
            _services[key] = current
            while len(_services) > MAX_CONFIGURATIONS:
                dropped, _ = _services.popitem(last=False)
                _preloaders.pop(dropped, None)
                _migrated.discard(dropped)
        _services.move_to_end(key)
        model_preloader(current)
        return current


def model_preloader(current: Services) -> ModelPreloader:
    """One preloader per services, started once, sharing their lazy loaders."""
    key = _fingerprint(current.settings)
    with _lock:
        if key not in _preloaders:
            models = {
                "Speech model": current.transcriber,
                "Caption model": current.captioner,
                "Embedding model": current.embedder,
            }
            _preloaders[key] = ModelPreloader(models, enabled=current.settings.preload_models).start()
        return _preloaders[key]


def migrate_once(current: Services) -> None:
    """Migrate this process's database once (raises AppError, not remembered: a later call tries again)."""
    key = _fingerprint(current.settings)
    if key in _migrated:
        return
    with _lock:
        if key not in _migrated:
            current.migrate()
            _migrated.add(key)


def serve_pages_behind_http_gate(on: bool = True) -> None:
    """Called by app.py when its server starts: the pages trust the HttpOnly pass and link to /sign-in.

    `streamlit run Home.py` never calls it, so the pages keep their own password form there.
    """
    global _behind_http_gate
    _behind_http_gate = on


def pages_behind_http_gate() -> bool:
    return _behind_http_gate
