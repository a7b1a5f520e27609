"""Models load in the background once per process; a click before they are ready waits for that same load."""

from __future__ import annotations

import threading

from core.app.lazy import Lazy
from core.app.preload import FAILED, LOADING, ON_FIRST_USE, READY, ModelPreloader
from core.domain.errors import ModelLoadError


class SlowLoader:
    """Builds a model only when the test says so, counting how many times it was asked to build."""

    def __init__(self) -> None:
        self.builds = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> object:
        self.builds += 1
        self.started.set()
        assert self.release.wait(timeout=10)
        return object()


def test_a_click_before_the_model_is_ready_waits_for_the_background_load_instead_of_loading_again():
    loader = SlowLoader()
    speech = Lazy(loader)
    preloader = ModelPreloader({"Speech model": speech}).start()
    assert loader.started.wait(timeout=10)
    assert [state.state for state in preloader.states()] == [LOADING]

    clicked: list[object] = []
    click = threading.Thread(target=lambda: clicked.append(speech()))
    click.start()
    click.join(timeout=0.2)
    assert click.is_alive(), "the click waits while the model loads"

    loader.release.set()
    click.join(timeout=10)
    assert preloader.wait(timeout=10)
    assert loader.builds == 1 and clicked == [speech()]
    assert [state.state for state in preloader.states()] == [READY]


def test_models_load_one_after_the_other_and_a_failure_is_kept_for_the_page():
    def broken() -> object:
        raise ModelLoadError("CAPTION_MODEL=/nowhere is not a folder. Set CAPTION_MODEL to a saved model.")

    preloader = ModelPreloader({"Speech model": Lazy(object), "Caption model": Lazy(broken)}).start()

    assert preloader.wait(timeout=10) and preloader.all_settled
    speech, caption = preloader.states()
    assert speech.state == READY
    assert caption.state == FAILED and "CAPTION_MODEL" in str(caption.error)


def test_with_preloading_off_nothing_loads_until_first_use():
    loader = SlowLoader()
    preloader = ModelPreloader({"Speech model": Lazy(loader)}, enabled=False).start()

    assert preloader.wait(timeout=1)
    assert loader.builds == 0 and [state.state for state in preloader.states()] == [ON_FIRST_USE]


def test_models_loaded_by_the_preloader_are_frozen_out_of_the_garbage_collector() -> None:
    import gc

    class Model:  # an object that lives as long as the process, as a loaded model does
        pass

    model = Lazy(Model)
    gc.unfreeze()
    try:
        assert ModelPreloader({"Caption model": model}).start().wait(timeout=10)

        # A full collection never scans it again: that scan, after every script run, slowed captions 7x.
        assert gc.get_freeze_count() > 0
        assert not any(obj is model() for obj in gc.get_objects())
    finally:
        gc.unfreeze()
