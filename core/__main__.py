"""Entry point for `python -m core`."""

import sys

from core.models.runtime import passive_openmp_waits

passive_openmp_waits()  # as app.py does: a command that loads a model must not spin on a busy machine either

from core.cli.main import main  # noqa: E402  (after the wait policy: libgomp reads it once, when loaded)

sys.exit(main())
