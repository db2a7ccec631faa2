"""Refresh the README's screenshots: run the pipeline over the real scraped dev articles, serve the
dashboard and photograph it in Chromium (Debian's, through Playwright).

    .venv/bin/python docs/screenshots.py [--data ../shared/data/giveme-dev.jsonl]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from clustering.config import set_private_offline_environment
from clustering.pipeline import Pipeline
from clustering.publish.dashboard import create_app

DOCS = Path(__file__).resolve().parent
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DOCS.parent.parent / "shared" / "data" / "giveme-dev.jsonl"))
    arguments = parser.parse_args()
    set_private_offline_environment()
    with tempfile.TemporaryDirectory() as folder:
        result = Pipeline(folder).run([arguments.data])
        largest = max(result.stories, key=lambda story: len(story.article_ids))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(folder), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=shutil.which("chromium"), args=BROWSER_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(base + "/?sort=size")
            page.screenshot(path=str(DOCS / "dashboard-list.png"))
            page.goto(f"{base}/story/{largest.story_id}")
            page.wait_for_selector("#story-timeline .main-svg")
            page.screenshot(path=str(DOCS / "dashboard-story.png"))
            page.goto(base + "/map")
            page.wait_for_selector("#map .main-svg")
            page.screenshot(path=str(DOCS / "dashboard-map.png"))
            browser.close()
        server.should_exit = True
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
