"""``xvfb_display``: a private Xvfb server (1280x800) with DISPLAY and XAUTHORITY pointing at it."""

from __future__ import annotations

import os
import secrets
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

XVFB_START_TIMEOUT = 30.0  # seconds to wait for Xvfb to report its display number


def _xauth_add(xauth: str, authfile: Path, display: str, cookie: str) -> None:
    subprocess.run([xauth, "-q", "-f", str(authfile), "add", display, ".", cookie], check=True)


@pytest.fixture(scope="session")
def _xvfb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One Xvfb for the session (pyautogui binds its X connection when first imported), with
    cookie authentication like xvfb-run. Yields (display name, Xauthority file).
    """
    xvfb, xauth = shutil.which("Xvfb"), shutil.which("xauth")
    if xvfb is None or xauth is None:
        pytest.skip("real-mouse tests need Xvfb and xauth (apt-get install xvfb xauth)")
    folder = tmp_path_factory.mktemp("xvfb")
    authfile, log_path = folder / "Xauthority", folder / "xvfb.log"
    cookie = secrets.token_hex(16)
    _xauth_add(xauth, authfile, ":0", cookie)  # the server takes the cookie, whatever the number
    read_fd, write_fd = os.pipe()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [xvfb, "-displayfd", str(write_fd), "-auth", str(authfile),
             "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        )
    os.close(write_fd)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_fd], [], [], XVFB_START_TIMEOUT)
            chunk = os.read(read_fd, 64) if ready else b""
            if not chunk:
                pytest.fail(f"Xvfb did not start: {log_path.read_text(errors='replace')[-2000:]}")
            number += chunk
        display = f":{int(number)}"
        _xauth_add(xauth, authfile, display, cookie)
        yield display, authfile
    finally:
        os.close(read_fd)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def xvfb_display(_xvfb_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    """The Xvfb display name, set as DISPLAY (and its cookie file as XAUTHORITY) for the test."""
    display, authfile = _xvfb_server
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.setenv("XAUTHORITY", str(authfile))
    bound = sys.modules.get("pyautogui")
    if bound is not None and bound.platformModule._display.get_display_name() != display:
        pytest.fail("pyautogui was imported earlier with another DISPLAY; it cannot switch to Xvfb")
    return display
