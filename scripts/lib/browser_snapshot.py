#!/usr/bin/env python3
"""A page as headless Chromium shows it at a moment: loads URL, waits, then writes the DOM and a
screenshot. For pages that never finish loading (the live view's event stream keeps going), which
--dump-dom and --screenshot cannot take mid-way: they shoot at the load event. It drives Chromium
over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages ending in NUL on fds
3 and 4), so it needs only Python's standard library.

  browser_snapshot.py URL --wait SECONDS --dom OUT.html [--png OUT.png] [--size 1400x1900]
"""
import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Chromium:
    def __init__(self, width, height):
        self.profile = tempfile.mkdtemp(prefix="lab-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # the child's fd 3 reads our commands; its fd 4 writes the replies
        # (a pipe end already numbered 3 or 4 is first moved out of the way)
        moved = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_child_r, from_child_w)]
        os.close(to_child_r)
        os.close(from_child_w)
        to_child_r, from_child_w = moved

        def setup():
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--window-size={width},{height}", f"--user-data-dir={self.profile}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=setup, pass_fds=(3, 4))
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._messages(deadline):
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})

    def _messages(self, deadline):
        import select
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.from_child], [], [], left)
            if ready:
                chunk = os.read(self.from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium exited")
                self.buf += chunk
        *whole, self.buf = self.buf.split(b"\0")
        return [json.loads(m) for m in whole if m]

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--wait", type=float, default=4, help="seconds after the load before the snapshot")
    ap.add_argument("--dom", required=True, help="write the DOM (outerHTML) here")
    ap.add_argument("--png", help="write a screenshot here")
    ap.add_argument("--size", default="1400x1900", help="window size WIDTHxHEIGHT")
    a = ap.parse_args()
    width, height = (int(v) for v in a.size.split("x"))
    browser = Chromium(width, height)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Page.enable", session=session)
        browser.send("Page.navigate", {"url": a.url}, session=session)
        time.sleep(a.wait)
        dom = browser.send("Runtime.evaluate", {"expression": "document.documentElement.outerHTML",
                                                "returnByValue": True}, session=session)
        with open(a.dom, "w") as f:
            f.write(dom["result"]["value"])
        if a.png:
            shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
            with open(a.png, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
    except Exception as e:  # a clear line, not a traceback
        print(f"browser_snapshot: {e}", file=sys.stderr)
        return 1
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
