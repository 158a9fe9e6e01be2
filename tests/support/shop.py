#!/usr/bin/env python3
"""A small shop for the tests of users with state (docs/loadgen.md, "Users with state").

  POST /login            sets a session cookie; answers {"status": "ok", "csrf": TOKEN}
  POST /cart             needs the cookie and X-CSRF-Token: TOKEN; {"status": "ok", "items": N}
  POST /order            needs the cookie and the token; {"status": "ok", "order_id": ID, "message": "Order placed"}
  GET  /orders/ID        needs the cookie and an order of this session; {"status": "ok", "id": ID}
  GET  /stats            requests and failures by name, as the server saw them (JSON)
  GET  /app              a page whose script runs the flow in a browser (login, cart, order, view;
                         its title becomes "done"), with a stylesheet: what a HAR recording holds

A wrong or missing token gets an error page with status 200 ("error: ..." in the body), as many
real sites answer; no cookie gets 401; an unknown order 404. Usage: shop.py PORT (loopback only;
0: a free port, printed as "listening PORT").
"""
import http.server
import json
import re
import secrets
import sys
import threading

lock = threading.Lock()
sessions = {}  # session id -> {"csrf": token, "items": n, "orders": set()}
stats = {}  # name -> [requests, errors]
next_order = [1000]


APP = """<!doctype html><html><head><title>shop</title><link rel="stylesheet" href="/app.css"></head>
<body><p id="out">working</p><script>
const pause = ms => new Promise(r => setTimeout(r, ms));
async function flow() {
  const login = await (await fetch('/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                              body: JSON.stringify({user: 'ann'})})).json();
  await pause(300);
  await fetch('/cart', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': login.csrf},
                        body: JSON.stringify({sku: 7})});
  await pause(200);
  const order = await (await fetch('/order', {method: 'POST', headers: {'X-CSRF-Token': login.csrf}})).json();
  await pause(200);
  const view = await (await fetch('/orders/' + order.order_id)).json();
  document.getElementById('out').textContent = view.status;
  document.title = 'done';
}
flow().catch(e => { document.title = 'failed: ' + e; });
</script></body></html>"""


def count(name, error):
    with lock:
        s = stats.setdefault(name, [0, 0])
        s[0] += 1
        s[1] += 1 if error else 0


class Shop(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall between them

    def log_message(self, *args):  # quiet
        pass

    def reply(self, status, body, ctype="application/json", cookie=None):
        data = (json.dumps(body) if ctype == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(data)

    def session(self):
        for part in self.headers.get("Cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == "session" and v in sessions:
                return sessions[v]
        return None

    def read_body(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        self.read_body()
        path = self.path.split("?")[0]
        if path == "/login":
            sid, csrf = secrets.token_hex(8), secrets.token_hex(8)
            with lock:
                sessions[sid] = {"csrf": csrf, "items": 0, "orders": set()}
            count("login", False)
            return self.reply(200, {"status": "ok", "csrf": csrf}, cookie=f"session={sid}; Path=/; HttpOnly")
        if path not in ("/cart", "/order"):
            count("other", True)
            return self.reply(404, {"status": "error", "error": "no such page"})
        name = path[1:]
        s = self.session()
        if s is None:
            count(name, True)
            return self.reply(401, {"status": "error", "error": "not logged in"})
        if self.headers.get("X-CSRF-Token") != s["csrf"]:
            count(name, True)
            return self.reply(200, "<html><body>error: bad or missing CSRF token</body></html>", "text/html")
        with lock:
            if name == "cart":
                s["items"] += 1
                body = {"status": "ok", "items": s["items"]}
            else:
                next_order[0] += 1
                oid = next_order[0]
                s["orders"].add(oid)
                body = {"status": "ok", "order_id": oid, "message": "Order placed"}
        count(name, False)
        return self.reply(200, body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/app":
            return self.reply(200, APP, "text/html")
        if path == "/app.css":
            return self.reply(200, "body { font-family: sans-serif; }", "text/css")
        if path == "/stats":
            with lock:
                body = {k: {"requests": v[0], "errors": v[1]} for k, v in stats.items()}
            return self.reply(200, body)
        m = re.fullmatch(r"/orders/(\d+)", path)
        if not m:
            count("other", True)
            return self.reply(404, {"status": "error", "error": "no such page"})
        s = self.session()
        if s is None:
            count("view", True)
            return self.reply(401, {"status": "error", "error": "not logged in"})
        oid = int(m.group(1))
        if oid not in s["orders"]:
            count("view", True)
            return self.reply(404, {"status": "error", "error": "no such order"})
        count("view", False)
        return self.reply(200, {"status": "ok", "id": oid})


def main():
    port = int(sys.argv[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Shop)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)  # (port 0: the one the kernel chose)
    server.serve_forever()


if __name__ == "__main__":
    main()
