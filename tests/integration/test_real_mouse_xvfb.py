"""RealMouse moves the X pointer for real, on a private Xvfb screen."""

import pytest

from perfharness.gaze.mouse import RealMouse, make_mouse, screen_size

XVFB_SIZE = (1280, 800)  # the xvfb_display screen (tests/integration/conftest.py)

pytestmark = pytest.mark.display


def move_and_wait(x: int, y: int) -> RealMouse:
    mouse = RealMouse()
    mouse.move(x, y)
    mouse.close()  # joins the worker after its last move
    return mouse


def test_real_mouse_moves_the_pointer(xvfb_display):
    import pyautogui

    assert screen_size("real") == XVFB_SIZE
    for point in [(100, 100), (640, 400), (1200, 37), (3, 790)]:
        mouse = move_and_wait(*point)
        assert mouse.stopped is None
        assert tuple(pyautogui.position()) == point


def test_real_mouse_burst_ends_at_last_move(xvfb_display):
    import pyautogui

    mouse = make_mouse("real")
    points = [(10 + 3 * i, 20 + 2 * i) for i in range(300)]
    for point in points:
        mouse.move(*point)
    mouse.close()
    assert mouse.stopped is None
    assert tuple(pyautogui.position()) == points[-1]
    mouse.move(500, 500)  # ignored after close
    assert tuple(pyautogui.position()) == points[-1]


def test_real_mouse_keeps_its_own_moves_off_the_failsafe_corners(xvfb_display):
    import pyautogui

    w, h = XVFB_SIZE
    for target, expected in [((0, 0), (1, 0)), ((w + 50, -5), (w - 2, 0)), ((5000, 5000), (w - 2, h - 1))]:
        mouse = move_and_wait(*target)
        assert mouse.stopped is None
        assert tuple(pyautogui.position()) == expected


def test_failsafe_corner_stops_the_real_mouse(xvfb_display):
    import pyautogui

    move_and_wait(300, 300)
    pyautogui.moveTo(0, 0)  # what a user does to abort: pointer into a corner
    mouse = RealMouse()
    mouse.move(400, 400)
    mouse.close()
    assert mouse.stopped is not None and "fail-safe" in mouse.stopped
    assert tuple(pyautogui.position()) == (0, 0)
    mouse.move(500, 500)  # ignored once stopped
    assert tuple(pyautogui.position()) == (0, 0)
