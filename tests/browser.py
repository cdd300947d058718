"""A real headless Chromium (Debian's chromium + chromium-driver) for what a person sees:
rendered HTML mail opened as a page, its text and layout read back, a screenshot saved.

Selenium is given the driver explicitly so Selenium Manager never tries a download.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# where screenshots go when set; else a folder in the test's tmp_path
SCREENSHOTS_ENV = "INTAKEBOT_SCREENSHOTS"


class BrowserUnavailable(Exception):
    """Chromium, its driver or Selenium is not installed here (the caller: skip or fail)."""


def start_chromium(profile: Path, width: int = 1000, height: int = 1400):
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(os.path.basename(path))):
            raise BrowserUnavailable(f"{path} is not installed (apt-get install chromium "
                                     "chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        raise BrowserUnavailable(f"selenium is not installed ({exc}): pip install "
                                 "-e '.[test]'") from None
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-dev-shm-usage",
                "--disable-extensions", "--no-first-run", "--hide-scrollbars",
                f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    try:
        return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException as exc:
        raise BrowserUnavailable(f"Chromium did not start: {exc.msg}") from None


def screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
