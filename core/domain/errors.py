"""Errors a person can act on: every message says what went wrong and what to do.

Each class is raised only for its own meaning, so a page or the command line can tell them apart.
A caller's mistake (a bug, not something a user can fix) is a ValueError or TypeError, never an AppError.
"""


class AppError(Exception):
    """Base for failures whose message is safe and useful to show to a user."""


class ConfigError(AppError):
    """Settings are missing, half-given or invalid."""


class InvalidSetting(ConfigError):
    """A setting holds a value that can never work: bad input (exit 2), unlike a missing or unreachable part."""


class InputError(AppError):
    """Something the user typed or chose cannot be used (prompt, aspect ratio, ...)."""


class AudioError(AppError):
    """An upload or recording cannot be turned into speech audio."""


class ModelLoadError(AppError):
    """A speech or caption model cannot be loaded."""


class GenerationError(AppError):
    """The image generator refused or failed."""


class ImageError(AppError):
    """Image bytes (a generated image, or one read back from storage) are empty, damaged or not an image."""


class StorageError(AppError):
    """The image store refused or could not be reached."""


class DatabaseError(AppError):
    """The database refused or could not be reached."""


class RemoteModelError(AppError):
    """A speech or caption model run on Replicate refused or failed."""


class PromptError(AppError):
    """The prompt model (translation, prompt improvement) refused, failed or answered with nothing usable."""
