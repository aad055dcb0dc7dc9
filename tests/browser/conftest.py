"""Fixtures for the browser tests: JupyterLab served on loopback, headless Chromium, screenshots.

The tests fail, never skip, when the browser cannot start: a machine without Debian's
``chromium`` and ``chromium-driver`` has not run the project's install step.
"""
from __future__ import annotations

import re

import pytest

from labui import ARTIFACTS, LabServer, Steps, start_chromium


@pytest.fixture
def serve_lab(tmp_path):
    """``serve_lab(root, cwd=None, env=None)`` starts JupyterLab on ``root``; every server stops at teardown."""
    servers: list[LabServer] = []

    def start(root, cwd=None, env=None) -> LabServer:
        server = LabServer(root, tmp_path / f"lab-home-{len(servers)}", env)
        servers.append(server)
        try:
            return server.start(cwd)
        except RuntimeError as exc:
            pytest.fail(f"JupyterLab did not start: {exc}", pytrace=False)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def browser(request, tmp_path):
    """Headless Chromium and a ``Steps`` recorder whose screenshots go to .browser-artifacts/<test>/."""
    try:
        driver = start_chromium(tmp_path / "chromium-profile")
    except RuntimeError as exc:
        pytest.fail(f"the browser could not start: {exc}", pytrace=False)
    driver.set_page_load_timeout(120)
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    steps = Steps(driver, folder)
    print(f"screenshots of each step: {folder}")
    try:
        yield steps
    finally:
        driver.quit()
