#!/usr/bin/env python3
"""Closed-loop load on the example's REST API, for the fault drills.

N client threads, each with its own keep-alive HTTP connection, loop for T
seconds over a mix of
  list    GET  /api/message/
  detail  GET  /api/message/<id>/   (an id seen in a list or a 201)
  post    POST /api/message/        {"content": "<marker>-<client>-<seq>"}
                                    as huey (HTTP Basic)
and log every request as one JSON line:
  {"c": client, "n": seq, "op": ..., "t0": start, "t1": end (epoch s),
   "st": HTTP status or 0, "err": "timeout" | "refused" | "reset" | ...,
   "id": id of a 201, "content": the content a post sent, "body": the start
   of a non-2xx body}
A request that gets no HTTP answer (refused, reset, timed out) has st 0 and
an err; its connection is dropped and the next request opens a new one.
Standard library only.
"""

import argparse
import base64
import http.client
import json
import random
import socket
import sys
import threading
import time
from urllib.parse import urlsplit


def classify(exc):
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected,
                        http.client.IncompleteRead, ConnectionAbortedError)):
        return "reset"
    if isinstance(exc, http.client.HTTPException):
        return "http:" + type(exc).__name__
    return "error:" + type(exc).__name__


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def write(self, rec):
        line = json.dumps(rec, separators=(",", ":"))
        with self.lock:
            self.f.write(line + "\n")


class Shared:
    def __init__(self):
        self.ids = []
        self.lock = threading.Lock()

    def add(self, ids):
        with self.lock:
            self.ids.extend(i for i in ids if isinstance(i, int))
            if len(self.ids) > 5000:
                del self.ids[: len(self.ids) - 5000]

    def pick(self, rng):
        with self.lock:
            return rng.choice(self.ids) if self.ids else 1


def client(k, args, host, port, deadline, log, shared, stop):
    rng = random.Random(args.seed * 1000 + k)
    auth = "Basic " + base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
    conn = None
    seq = 0
    while time.time() < deadline and not stop.is_set():
        seq += 1
        r = rng.random()
        if r < args.write_ratio:
            op = "post"
        elif r < args.write_ratio + (1 - args.write_ratio) / 2:
            op = "list"
        else:
            op = "detail"
        rec = {"c": k, "n": seq, "op": op}
        headers = {"Accept": "application/json"}
        body = None
        if op == "post":
            path = "/api/message/"
            rec["content"] = f"{args.marker}-{k}-{seq}"
            body = json.dumps({"content": rec["content"]})
            headers.update({"Content-Type": "application/json", "Authorization": auth})
            method = "POST"
        elif op == "list":
            path = "/api/message/"
            method = "GET"
        else:
            path = f"/api/message/{shared.pick(rng)}/"
            method = "GET"
        if not args.keepalive:
            headers["Connection"] = "close"
        t0 = time.time()
        rec["t0"] = round(t0, 6)
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=args.timeout)
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            rec["t1"] = round(time.time(), 6)
            rec["st"] = resp.status
            if resp.will_close or not args.keepalive:
                conn.close()
                conn = None
            if 200 <= resp.status < 300:
                try:
                    obj = json.loads(data)
                except ValueError:
                    obj = None
                if op == "post" and isinstance(obj, dict):
                    rec["id"] = obj.get("id")
                    if rec["id"] is not None:
                        shared.add([rec["id"]])
                elif op == "list" and isinstance(obj, dict):
                    shared.add([o.get("id") for o in obj.get("objects", []) if isinstance(o, dict)])
            else:
                rec["body"] = data[:300].decode("utf-8", "replace")
        except Exception as e:  # noqa: BLE001 - every failure is a figure
            rec["t1"] = round(time.time(), 6)
            rec["st"] = 0
            rec["err"] = classify(e)
            rec["detail"] = str(e)[:200]
            if conn is not None:
                conn.close()
            conn = None
        log.write(rec)
        if rec["st"] == 0:
            time.sleep(0.05)  # no spinning on refused connections
        elif args.think:
            time.sleep(args.think)
    if conn is not None:
        conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--duration", type=float, default=20, help="seconds")
    p.add_argument("--write-ratio", type=float, default=0.3)
    p.add_argument("--marker", required=True, help="prefix of every posted content")
    p.add_argument("--out", required=True, help="JSON-lines request log (appended)")
    p.add_argument("--timeout", type=float, default=30, help="client socket timeout, s")
    p.add_argument("--user", default="huey")
    p.add_argument("--password", default="password123")
    p.add_argument("--no-keepalive", dest="keepalive", action="store_false")
    p.add_argument("--think", type=float, default=0, help="pause between requests, s")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    u = urlsplit(args.base)
    log = Log(args.out)
    shared = Shared()
    stop = threading.Event()
    start = time.time()
    deadline = start + args.duration
    threads = [threading.Thread(target=client, args=(k, args, u.hostname, u.port, deadline, log, shared, stop),
                                daemon=True) for k in range(args.clients)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        stop.set()
    n = sum(1 for _ in open(args.out))
    print(f"load.py: {args.clients} clients, {time.time() - start:.1f} s, {n} requests logged in {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
