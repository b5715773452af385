"""Driving Debian's headless chromium over the DevTools protocol: just enough to load pages, run
JavaScript in them, wait for conditions and take screenshots (no Selenium, no downloaded browser)."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars", "--remote-debugging-port=0", "--window-size=1280,1000"]


#: axe-core's script, fetched from the npm registry by `scripts/setup --test` (pinned there).
AXE = Path(os.environ.get("BRANDPULSE_AXE", Path(__file__).resolve().parents[2] / ".cache" / "axe-core-4.14.1"
                          / "axe.min.js"))


class BrowserError(AssertionError):
    pass


def axe_script() -> str:
    """The text of axe.min.js, or a failure that says how to get it."""
    if not AXE.is_file():
        raise BrowserError(f"the browser tests need axe-core at {AXE}: scripts/setup --test installs it "
                           "(or point $BRANDPULSE_AXE at an axe.min.js)")
    return AXE.read_text(encoding="utf-8")


class Chromium:
    def __init__(self, binary: str) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="brandpulse-chromium-"))
        self.process = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise BrowserError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
            targets = json.load(response)
        page = next(t for t in targets if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True, timeout=60)
        self._ids = itertools.count(1)
        self.console: list[str] = []
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method: str, **params: Any) -> dict:
        message_id = next(self._ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("method") == "Runtime.exceptionThrown":
                self.console.append(json.dumps(message["params"]["exceptionDetails"])[:500])
            if message.get("id") == message_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} raised {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except BrowserError as error:
                # A wait often spans a navigation (a click that opens another page): a page going away
                # while the condition is evaluated means "not yet", not a failure.
                if "navigated or closed" not in str(error):
                    raise
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression!r}; page errors: {self.console}")
            time.sleep(0.1)

    def resize(self, width: int, height: int = 900, *, mobile: bool = False) -> None:
        """Lay pages out as a screen of this size would (a phone: `mobile`, 390 px wide)."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)

    def overflows(self) -> int:
        """How many CSS pixels the page is wider than the screen (0: nothing to scroll sideways)."""
        return self.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    def axe(self, source: str, tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list[dict]:
        """axe-core's violations on the current page (injected from `source`, the text of axe.min.js)."""
        if not self.evaluate("typeof window.axe === 'object'"):
            self.evaluate(source + ";true")
        script = ("axe.run(document, {runOnly: {type: 'tag', values: %s}}).then(r => r.violations.map(v => ({"
                  "id: v.id, impact: v.impact, help: v.help, "
                  "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))")
        return self.evaluate(script % json.dumps(list(tags)))

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            if hasattr(self, "socket"):
                self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
