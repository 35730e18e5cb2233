from pathlib import Path

import pytest

from perfharness.core.errors import UsageError
from perfharness.gaze.mouse import NO_DISPLAY, DryMouse, OffMouse, RealMouse, make_mouse, screen_size


def test_dry_mouse_records_moves():
    mouse = make_mouse("dry")
    assert isinstance(mouse, DryMouse)
    mouse.move(10, 20)
    mouse.move(30.0, 40.0)
    mouse.close()
    assert mouse.count == 2 and mouse.last == (30, 40)
    assert all(isinstance(v, int) for v in mouse.last)


def test_off_mouse_does_nothing():
    mouse = make_mouse("off")
    assert isinstance(mouse, OffMouse)
    mouse.move(1, 2)
    mouse.close()
    assert vars(mouse) == {}


def test_make_mouse_and_screen_size_reject_unknown_kinds():
    with pytest.raises(UsageError, match="unknown mouse backend 'fake'; choose one of real, dry, off"):
        make_mouse("fake")
    with pytest.raises(UsageError, match="unknown mouse backend"):
        screen_size("fake")
    assert screen_size("dry") == screen_size("off") == (1920, 1080)


@pytest.mark.parametrize("display", [None, ""])
def test_real_mouse_without_display_is_a_usage_error(monkeypatch, display):
    if display is None:
        monkeypatch.delenv("DISPLAY", raising=False)
    else:
        monkeypatch.setenv("DISPLAY", display)
    for create in (RealMouse, lambda: make_mouse("real"), lambda: screen_size("real")):
        with pytest.raises(UsageError) as info:
            create()
        assert str(info.value) == NO_DISPLAY


def unused_display() -> str:
    return next(f":{n}" for n in range(59999, 0, -1) if not Path(f"/tmp/.X11-unix/X{n}").exists())


@pytest.mark.parametrize("display", ["not a display name", unused_display()])
def test_real_mouse_with_unusable_display_is_a_usage_error(monkeypatch, display):
    monkeypatch.setenv("DISPLAY", display)
    with pytest.raises(UsageError) as info:
        RealMouse()
    assert str(info.value).startswith(NO_DISPLAY + " (cannot open DISPLAY=")
    assert "\n" not in str(info.value)
