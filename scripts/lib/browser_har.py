#!/usr/bin/env python3
"""A page's network traffic as headless Chromium makes it, saved as a HAR 1.2 file: loads URL,
waits until the page's title is TITLE (or SECONDS pass), and writes every request it made with
its response (headers, body, timings). Over the DevTools protocol on a pipe, as
browser_snapshot.py does, with Python's standard library only.

  browser_har.py URL --until-title done --har OUT.har [--wait 20]
"""
import argparse
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_snapshot import Chromium  # noqa: E402


class Recorder(Chromium):
    """Chromium whose protocol events are kept (the snapshot's client drops them)."""

    def __init__(self):
        super().__init__(1200, 900)
        self.events = []

    def _messages(self, deadline):
        msgs = super()._messages(deadline)
        self.events.extend(m for m in msgs if "method" in m and "id" not in m)
        return msgs


def pairs(headers):
    return [{"name": k, "value": v} for k, v in (headers or {}).items()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--until-title", required=True, help="the page is done when its title is this")
    ap.add_argument("--har", required=True, help="write the recording here")
    ap.add_argument("--wait", type=float, default=20, help="give up after this many seconds")
    a = ap.parse_args()
    browser = Recorder()
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Network.enable", session=session)
        browser.send("Page.enable", session=session)
        browser.send("Page.navigate", {"url": a.url}, session=session)
        deadline = time.monotonic() + a.wait
        title = ""
        while time.monotonic() < deadline:
            title = browser.send("Runtime.evaluate", {"expression": "document.title", "returnByValue": True},
                                 session=session)["result"].get("value", "")
            if title == a.until_title or title.startswith("failed"):
                break
            time.sleep(0.1)
        if title != a.until_title:
            print(f"browser_har: the page's title is '{title}', not '{a.until_title}'", file=sys.stderr)
            return 1
        time.sleep(0.3)  # the last loadingFinished events
        sent, got, done = {}, {}, {}
        for e in list(browser.events):
            p = e.get("params", {})
            if e["method"] == "Network.requestWillBeSent":
                sent[p["requestId"]] = p
            elif e["method"] == "Network.responseReceived":
                got[p["requestId"]] = p
            elif e["method"] == "Network.loadingFinished":
                done[p["requestId"]] = p
        entries = []
        for rid, s in sent.items():
            if rid not in got:
                continue
            rq, rs = s["request"], got[rid]["response"]
            body = {"size": 0, "mimeType": rs.get("mimeType", "")}
            try:
                b = browser.send("Network.getResponseBody", {"requestId": rid}, session=session)
                body["text"] = b["body"]
                if b.get("base64Encoded"):
                    body["encoding"] = "base64"
                body["size"] = len(b["body"])
            except Exception:
                pass
            end = done.get(rid, {}).get("timestamp", got[rid]["timestamp"])
            ms = max(0.0, (end - s["timestamp"]) * 1000)
            started = datetime.datetime.fromtimestamp(s["wallTime"], datetime.timezone.utc)
            req = {"method": rq["method"], "url": rq["url"], "httpVersion": "HTTP/1.1", "cookies": [],
                   "headers": pairs(rq.get("headers")), "queryString": [], "headersSize": -1,
                   "bodySize": len(rq.get("postData", ""))}
            if "postData" in rq:
                req["postData"] = {"mimeType": rq.get("headers", {}).get("Content-Type", ""), "text": rq["postData"]}
            entries.append((s["timestamp"], {
                "startedDateTime": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "time": ms, "request": req,
                "response": {"status": rs["status"], "statusText": rs.get("statusText", ""),
                             "httpVersion": "HTTP/1.1", "cookies": [], "headers": pairs(rs.get("headers")),
                             "content": body, "redirectURL": "", "headersSize": -1, "bodySize": body["size"]},
                "cache": {}, "timings": {"send": 0, "wait": ms, "receive": 0}}))
        entries = [e for _, e in sorted(entries, key=lambda x: x[0])]  # in the order they were sent
        har = {"log": {"version": "1.2", "creator": {"name": "browser_har.py (headless Chromium)", "version": "1"},
                       "pages": [], "entries": entries}}
        with open(a.har, "w") as f:
            json.dump(har, f, indent=1)
    except Exception as e:  # a clear line, not a traceback
        print(f"browser_har: {e}", file=sys.stderr)
        return 1
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
