"""A minimal W3C WebDriver client for chromedriver (standard library only)
and the process helpers the browser tests use."""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
WAIT = 10.0  # default seconds for waits

class CheckFailed(Exception):
    pass


class WebDriverError(Exception):
    def __init__(self, status, error, message):
        super().__init__(f"{error} (HTTP {status}): {message}")
        self.error = error


# --------------------------------------------------------------------------
# Minimal W3C WebDriver client
# --------------------------------------------------------------------------

class Element:
    def __init__(self, driver, eid, selector=""):
        self.driver = driver
        self.id = eid
        self.selector = selector

    def _path(self, tail=""):
        return f"/element/{self.id}{tail}"

    def click(self):
        self.driver.cmd("POST", self._path("/click"), {})

    def send_keys(self, text):
        self.driver.cmd("POST", self._path("/value"), {"text": text})

    def clear(self):
        self.driver.cmd("POST", self._path("/clear"), {})

    @property
    def text(self):
        return self.driver.cmd("GET", self._path("/text"))

    def prop(self, name):
        return self.driver.cmd("GET", self._path(f"/property/{name}"))

    def attr(self, name):
        return self.driver.cmd("GET", self._path(f"/attribute/{name}"))

    def displayed(self):
        return self.driver.cmd("GET", self._path("/displayed"))

    def find(self, css):
        v = self.driver.cmd("POST", self._path("/element"), {"using": "css selector", "value": css})
        return Element(self.driver, v[ELEMENT_KEY], css)

    def find_all(self, css):
        vs = self.driver.cmd("POST", self._path("/elements"), {"using": "css selector", "value": css})
        return [Element(self.driver, v[ELEMENT_KEY], css) for v in vs]

    def to_json(self):
        return {ELEMENT_KEY: self.id}


class WebDriver:
    def __init__(self, base_url):
        self.base = base_url.rstrip("/")
        self.session = None

    def _http(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                payload = json.loads(r.read().decode() or "{}")
        except urllib.error.HTTPError as e:
            raw = e.read().decode(errors="replace")
            try:
                v = json.loads(raw).get("value", {})
            except ValueError:
                v = {"error": "unknown error", "message": raw}
            raise WebDriverError(e.code, v.get("error", "?"), v.get("message", raw)[:2000]) from None
        return payload.get("value")

    def cmd(self, method, path, body=None):
        if self.session is None:
            raise RuntimeError("no session")
        return self._http(method, f"/session/{self.session}{path}", body)

    def start(self, capabilities):
        v = self._http("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = v["sessionId"]
        return v["capabilities"]

    def quit(self):
        if self.session is not None:
            try:
                self._http("DELETE", f"/session/{self.session}", timeout=20)
            finally:
                self.session = None

    # navigation / document
    def get(self, url):
        self.cmd("POST", "/url", {"url": url})

    @property
    def url(self):
        return self.cmd("GET", "/url")

    @property
    def title(self):
        return self.cmd("GET", "/title")

    def source(self):
        return self.cmd("GET", "/source")

    def find(self, css):
        v = self.cmd("POST", "/element", {"using": "css selector", "value": css})
        return Element(self, v[ELEMENT_KEY], css)

    def find_all(self, css):
        vs = self.cmd("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, v[ELEMENT_KEY], css) for v in vs]

    def exists(self, css):
        return len(self.find_all(css)) > 0

    def execute(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": [_arg(a) for a in args]})

    def execute_async(self, script, *args):
        return self.cmd("POST", "/execute/async", {"script": script, "args": [_arg(a) for a in args]})

    def set_timeouts(self, **kw):
        self.cmd("POST", "/timeouts", kw)

    def screenshot(self, path):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return path

    def browser_log(self):
        """Console entries since the last call (chromedriver's legacy
        `se/log` extension; needs `goog:loggingPrefs` {"browser": "ALL"})."""
        return self.cmd("POST", "/se/log", {"type": "browser"})

    # waiting
    def wait(self, cond, what, timeout=WAIT, interval=0.1):
        end = time.monotonic() + timeout
        last_err = None
        while True:
            try:
                v = cond()
                if v:
                    return v
            except WebDriverError as e:
                last_err = e
            if time.monotonic() > end:
                extra = f" (last error: {last_err})" if last_err else ""
                raise CheckFailed(f"timed out after {timeout:.0f}s waiting for {what}{extra}; url={self.url}")
            time.sleep(interval)

    def wait_for(self, css, timeout=WAIT):
        return self.wait(lambda: (self.find_all(css) or [None])[0], f"element {css!r}", timeout)

    def mark_page(self):
        self.execute("window.__bt_page_marker = true;")

    def wait_new_page(self, what, timeout=WAIT):
        """Wait until the page marked with mark_page() was replaced by a
        fully loaded new document."""
        self.wait(lambda: self.execute(
            "return window.__bt_page_marker === undefined && document.readyState === 'complete';"),
            f"a new page after {what}", timeout)

    def click_and_wait(self, el, what):
        self.mark_page()
        el.click()
        self.wait_new_page(what)


def _arg(a):
    return a.to_json() if isinstance(a, Element) else a


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, name, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise CheckFailed(f"{name} exited with code {proc.returncode} before listening on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise CheckFailed(f"{name} did not listen on port {port} within {timeout}s")


def stop_process(proc, name, grace=5):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        print(f"note: {name} ignored SIGTERM; killing it", file=sys.stderr)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)
