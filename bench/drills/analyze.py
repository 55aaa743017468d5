#!/usr/bin/env python3
"""Figures and PASS/FAIL expectations of a fault drill.

Reads load.py's request log, the drill's event file ("name epoch-seconds"
per line) and, optionally, the rows the database holds afterwards (TSV
"id<TAB>user<TAB>content" of the rows whose content starts with the marker).
Prints the load, status counts, latencies, a per-second timeline and the
drill's own figures, then one PASS/FAIL line per expectation; exits 1 when
any expectation fails. Standard library only.

  analyze.py --drill db-restart|shutdown|pool --requests R --events E
             [--rows ROWS.tsv] [--marker M] [--connect-timeout 2]
             [--hang-limit 10] [--recovery-max 2] [--max-connections 2]
             [--grace 2 --mercy 3] [--app-rc N] [--integrity ok] [--json OUT]
"""

import argparse
import collections
import json
import sys

OK_STATUSES = {200, 201, 503}


def load_requests(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    out.sort(key=lambda r: r["t0"])
    return out


def load_events(path):
    ev = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                ev.setdefault(parts[0], float(parts[1]))
    return ev


def outcome(r):
    return str(r["st"]) if r["st"] else r.get("err", "error")


def pct(values, q):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


class Report:
    def __init__(self):
        self.checks = []
        self.figures = {}

    def check(self, ok, text):
        self.checks.append((bool(ok), text))

    def fig(self, key, value):
        self.figures[key] = value


def lat(r):
    return r["t1"] - r["t0"]


def short(r, base):
    s = (f"{r['op']} c{r['c']}#{r['n']} at +{r['t0'] - base:.2f}s took {lat(r):.2f}s -> {outcome(r)}")
    if r.get("body"):
        s += f" body={r['body'][:160]!r}"
    if r.get("detail"):
        s += f" ({r['detail'][:120]})"
    return s


def common(reqs, ev, rep, args):
    base = ev.get("load_start", reqs[0]["t0"] if reqs else 0)
    end = max((r["t1"] for r in reqs), default=base)
    clients = len({r["c"] for r in reqs})
    ops = collections.Counter(r["op"] for r in reqs)
    outcomes = collections.Counter(outcome(r) for r in reqs)
    print(f"load: {clients} clients, {end - base:.1f} s, {len(reqs)} requests "
          f"({', '.join(f'{k} {v}' for k, v in sorted(ops.items()))}), {len(reqs) / max(end - base, 1e-9):.0f} req/s")
    rep.fig("clients", clients)
    rep.fig("duration_s", round(end - base, 2))
    rep.fig("requests", len(reqs))
    rep.fig("ops", dict(ops))
    s200 = outcomes.get("200", 0)
    s201 = outcomes.get("201", 0)
    s503 = outcomes.get("503", 0)
    other5 = {k: v for k, v in outcomes.items() if k.isdigit() and k.startswith("5") and k != "503"}
    other = {k: v for k, v in outcomes.items() if k.isdigit() and not k.startswith("5") and k not in ("200", "201")}
    timeouts = outcomes.get("timeout", 0)
    conn = {k: v for k, v in outcomes.items() if not k.isdigit() and k != "timeout"}
    print(f"status: 200 {s200}, 201 {s201}, 503 {s503}, other 5xx {sum(other5.values())} {other5 or ''}, "
          f"other {sum(other.values())} {other or ''}, timeouts {timeouts}, "
          f"connection errors {sum(conn.values())} {conn or ''}")
    rep.fig("status", dict(outcomes))
    lats = [lat(r) for r in reqs]
    longest = max(reqs, key=lat) if reqs else None
    print(f"latency: p50 {pct(lats, .5) * 1000:.0f} ms, p99 {pct(lats, .99) * 1000:.0f} ms, "
          f"max {max(lats, default=0):.2f} s" + (f" ({short(longest, base)})" if longest else ""))
    rep.fig("latency_p50_ms", round(pct(lats, .5) * 1000, 1))
    rep.fig("latency_p99_ms", round(pct(lats, .99) * 1000, 1))
    rep.fig("latency_max_s", round(max(lats, default=0), 3))
    by = collections.defaultdict(list)
    for r in reqs:
        by[outcome(r)].append(lat(r))
    print("latency by outcome: " + ", ".join(
        f"{k}: n={len(v)} max {max(v):.2f}s" for k, v in sorted(by.items())))
    # samples of what was not 200/201
    seen = collections.Counter()
    for r in reqs:
        o = outcome(r)
        if o in ("200", "201") or seen[o] >= 3:
            continue
        seen[o] += 1
        print(f"  sample {o}: {short(r, base)}")
    timeline(reqs, ev, base)
    return base


def timeline(reqs, ev, base):
    """Requests by the second they ended in, with the events."""
    buckets = collections.defaultdict(collections.Counter)
    for r in reqs:
        buckets[int(r["t1"] - base)][outcome(r)] += 1
    marks = collections.defaultdict(list)
    for name, t in ev.items():
        if name != "load_start":
            marks[int(t - base)].append(f"{name}@+{t - base:.2f}s")
    last = max(list(buckets) + list(marks) + [0])
    print("timeline (second after load start: outcomes of the requests that ended in it | events):")
    for s in range(0, last + 1):
        c = buckets.get(s, {})
        line = " ".join(f"{k}:{v}" for k, v in sorted(c.items()))
        m = marks.get(s)
        print(f"  +{s:3d}s {line}" + (f"   | {', '.join(m)}" if m else ""))


def writes(reqs, rows_path, rep, marker, base, strict=False):
    """Acknowledged writes against the rows in the database."""
    acked = {r["id"]: r["content"] for r in reqs if r["op"] == "post" and r["st"] == 201 and r.get("id") is not None}
    sent = {r["content"]: r for r in reqs if r["op"] == "post"}
    rows = []
    with open(rows_path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            i, user, content = line.split("\t", 2)
            rows.append((int(i), user, content))
    by_id = {i: (u, c) for i, u, c in rows}
    lost = [(i, c) for i, c in acked.items() if i not in by_id]
    mismatched = [(i, c, by_id[i][1]) for i, c in acked.items() if i in by_id and by_id[i][1] != c]
    counts = collections.Counter(c for _, _, c in rows)
    dups = {c: n for c, n in counts.items() if n > 1}
    foreign = [(i, u, c) for i, u, c in rows if c not in sent]
    users = collections.Counter(u for _, u, _ in rows)
    unacked = [c for c, r in sent.items() if r["st"] != 201]
    unacked_present = [c for c in unacked if c in counts]
    # answered with an error (a 503 says "try again") although committed
    err_committed = [sent[c] for c in unacked_present if sent[c]["st"]]
    cut_committed = [sent[c] for c in unacked_present if not sent[c]["st"]]
    attempted = len(sent)
    print(f"writes: {attempted} posted, {len(acked)} acknowledged (201), {len(rows)} rows with the marker in the "
          f"database; lost (acknowledged, missing) {len(lost)}, content mismatch {len(mismatched)}, "
          f"duplicates {len(dups)}, unknown rows {len(foreign)}; not acknowledged {len(unacked)} of which "
          f"{len(unacked_present)} committed anyway; row owners {dict(users)}")
    for i, c in lost[:10]:
        print(f"  LOST: id {i} content {c!r}")
    for i, c, got in mismatched[:10]:
        print(f"  MISMATCH: id {i} sent {c!r} stored {got!r}")
    for r in err_committed[:10]:
        print(f"  COMMITTED BUT ANSWERED {r['st']}: {short(r, base)}")
    for r in cut_committed[:10]:
        print(f"  COMMITTED BUT CUT: {short(r, base)}")
    for c, n in list(dups.items())[:10]:
        print(f"  DUPLICATE: {c!r} x{n}")
    for i, u, c in foreign[:10]:
        print(f"  UNKNOWN ROW: id {i} user {u} content {c!r}")
    rep.fig("writes_posted", attempted)
    rep.fig("writes_acked", len(acked))
    rep.fig("rows_with_marker", len(rows))
    rep.fig("lost_writes", len(lost))
    rep.fig("unacked_committed", len(unacked_present))
    rep.fig("error_answer_committed", len(err_committed))
    rep.fig("cut_committed", len(cut_committed))
    if strict:
        rep.check(not err_committed, f"no write answered with an error was committed (a 503 tells the client to try "
                  f"again: a duplicate; committed: {len(err_committed)})")
        rep.check(not cut_committed, f"no cut write was committed (a cut write is safe to retry; committed: "
                  f"{len(cut_committed)})")
    rep.check(not lost and not mismatched, f"0 lost writes (acknowledged ids missing or changed: {len(lost) + len(mismatched)})")
    rep.check(not dups and not foreign and len(users) <= 1,
              f"no duplicate, unknown or foreign-owned rows (duplicates {len(dups)}, unknown {len(foreign)}, "
              f"owners {len(users)})")
    return acked


def first_ok_after(reqs, t, statuses=(200,)):
    cand = [r for r in reqs if r["t1"] > t and r["st"] in statuses]
    return min(cand, key=lambda r: r["t1"]) if cand else None


def drill_db_restart(reqs, ev, rep, args, base):
    need = ("db_stop", "db_down", "db_start", "db_up")
    missing = [e for e in need if e not in ev]
    if missing:
        rep.check(False, f"events recorded ({', '.join(missing)} missing)")
        return
    stop, down, start, up = (ev[e] for e in need)
    print(f"fault: stop issued +{stop - base:.2f}s, down +{down - base:.2f}s, start issued +{start - base:.2f}s, "
          f"accepting connections +{up - base:.2f}s (outage {up - stop:.2f} s)")
    rep.fig("outage_s", round(up - stop, 3))
    bad = [r for r in reqs if r["t1"] >= stop and r["st"] not in (200, 201)]
    if bad:
        print(f"client-visible errors: from +{bad[0]['t1'] - base:.2f}s to +{max(r['t1'] for r in bad) - base:.2f}s "
              f"({len(bad)} requests)")
    f200 = first_ok_after(reqs, up)
    f2xx = first_ok_after(reqs, up, (200, 201))
    fresh = min((r for r in reqs if r["t0"] >= up and r["st"] == 200), key=lambda r: r["t1"], default=None)
    rec = (f200["t1"] - up) if f200 else None
    if f200:
        print(f"recovery: first 200 {rec:.3f} s after the server was back ({short(f200, base)}); "
              f"first 2xx {f2xx['t1'] - up:.3f} s; first 200 of a request sent after it {fresh['t1'] - up:.3f} s"
              if fresh else f"recovery: first 200 {rec:.3f} s after the server was back")
    else:
        print("recovery: no 200 after the server was back")
    rep.fig("recovery_s", round(rec, 3) if rec is not None else None)
    outcomes = collections.Counter(outcome(r) for r in reqs)
    others = {k: v for k, v in outcomes.items() if not (k.isdigit() and int(k) in OK_STATUSES)}
    rep.check(not others, f"clients see only 200/201/503 (others: {others or 'none'})")
    mx = max((lat(r) for r in reqs), default=0)
    rep.check(mx <= args.hang_limit, f"no request longer than {args.hang_limit:g} s "
              f"(connect_timeout {args.connect_timeout:g} s + margin; longest {mx:.2f} s)")
    rep.check(rec is not None and rec <= args.recovery_max,
              f"200 again within {args.recovery_max:g} s of the server being back "
              f"({'%.3f s' % rec if rec is not None else 'never'})")
    rep.check(outcomes.get("503", 0) > 0, f"the outage was visible to clients (503s: {outcomes.get('503', 0)}); "
              "otherwise the drill tested nothing")


def drill_shutdown(reqs, ev, rep, args, base):
    if "sigterm" not in ev:
        rep.check(False, "sigterm event recorded")
        return
    t = ev["sigterm"]
    exited = ev.get("app_exit")
    print(f"fault: SIGTERM at +{t - base:.2f}s; app exited "
          + (f"{exited - t:.2f} s later with status {args.app_rc}" if exited else "(not seen)"))
    rep.fig("exit_after_s", round(exited - t, 3) if exited else None)
    inflight = [r for r in reqs if r["t0"] < t <= r["t1"]]
    done = [r for r in inflight if r["st"]]
    cut = [r for r in inflight if not r["st"]]
    late = [r for r in reqs if r["t0"] >= t]
    late_served = [r for r in late if r["st"]]
    print(f"in flight at SIGTERM: {len(inflight)}; completed {len(done)} "
          f"{dict(collections.Counter(outcome(r) for r in done))}, cut {len(cut)} "
          f"{dict(collections.Counter(outcome(r) for r in cut))}")
    for r in cut[:10]:
        print(f"  CUT: {short(r, base)} (sent {t - r['t0']:.3f} s before SIGTERM)")
    print(f"sent after SIGTERM: {len(late)}; answered {len(late_served)} "
          f"{dict(collections.Counter(outcome(r) for r in late_served))}, not answered "
          f"{dict(collections.Counter(outcome(r) for r in late if not r['st']))}")
    rep.fig("inflight", len(inflight))
    rep.fig("inflight_completed", len(done))
    rep.fig("inflight_cut", len(cut))
    rep.fig("inflight_errors", sum(1 for r in done if r["st"] not in (200, 201)))
    rep.fig("after_sigterm_answered", len(late_served))
    before = [r for r in reqs if r["t1"] < t]
    bad_before = collections.Counter(outcome(r) for r in before if r["st"] not in (200, 201))
    rep.check(not bad_before, f"only 200/201 before SIGTERM (others: {dict(bad_before) or 'none'})")
    bad_done = collections.Counter(outcome(r) for r in done if r["st"] not in (200, 201))
    rep.check(not bad_done, f"requests in flight at SIGTERM that were answered got 2xx, not an error "
              f"({dict(bad_done) or 'none'})")
    bad_served = collections.Counter(outcome(r) for r in late_served if r["st"] >= 500)
    rep.check(not bad_served, f"no 5xx for requests sent after SIGTERM ({dict(bad_served) or 'none'})")
    limit = args.grace + args.mercy + 2
    rep.check(exited is not None and exited - t <= limit and str(args.app_rc) == "0",
              f"the app exits with status 0 within grace + mercy + 2 s = {limit:g} s "
              f"({'%.2f s' % (exited - t) if exited else 'not seen'}, status {args.app_rc})")
    if args.integrity is not None:
        rep.check(args.integrity == "ok", f"database integrity_check: {args.integrity}")


def drill_pool(reqs, ev, rep, args, base):
    need = ("lock_taken", "lock_release", "lock_released")
    missing = [e for e in need if e not in ev]
    if missing:
        rep.check(False, f"events recorded ({', '.join(missing)} missing)")
        return
    taken, release, released = (ev[e] for e in need)
    print(f"fault: ACCESS EXCLUSIVE lock on message held from +{taken - base:.2f}s, COMMIT sent "
          f"+{release - base:.2f}s, gone from pg_locks +{released - base:.2f}s ({release - taken:.2f} s); pool max_connections {args.max_connections}, "
          f"connect_timeout {args.connect_timeout:g} s")
    rep.fig("lock_s", round(release - taken, 3))
    during = [r for r in reqs if r["t1"] > taken and r["t0"] < release]
    c = collections.Counter(outcome(r) for r in during)
    print(f"requests overlapping the lock: {len(during)} {dict(c)}")
    e503 = [lat(r) for r in reqs if r["st"] == 503]
    if e503:
        print(f"503 latency: min {min(e503):.2f} s, median {pct(e503, .5):.2f} s, max {max(e503):.2f} s")
    rep.fig("503_latency_max_s", round(max(e503, default=0), 3))
    long_ = [r for r in reqs if lat(r) > args.hang_limit]
    waiters = [r for r in reqs if r["t0"] < release and r["t1"] >= taken and r["st"] in (200, 201)
               and lat(r) > args.connect_timeout + 1.5]
    print(f"lock waiters (held a pool connection, answered 2xx only after the release): {len(waiters)}"
          + "".join(f"\n  WAITER: {short(r, base)}, ended {r['t1'] - release:+.2f} s after the COMMIT"
                    for r in waiters[:10]))
    print(f"requests longer than {args.hang_limit:g} s: {len(long_)}")
    # from the COMMIT being sent (conservative: the release itself comes a little later)
    f200 = first_ok_after(reqs, release)
    rec = (f200["t1"] - release) if f200 else None
    print(f"recovery: first 200 {'%.3f s' % rec if rec is not None else 'never'} after the COMMIT"
          + (f" ({short(f200, base)})" if f200 else ""))
    rep.fig("recovery_s", round(rec, 3) if rec is not None else None)
    outcomes = collections.Counter(outcome(r) for r in reqs)
    others = {k: v for k, v in outcomes.items() if not (k.isdigit() and int(k) in OK_STATUSES)}
    rep.check(not others, f"clients see only 200/201/503 (others: {others or 'none'})")
    slow503 = [x for x in e503 if x > args.connect_timeout + 1.5]
    rep.check(e503 and not slow503, f"every 503 within connect_timeout + 1.5 s = {args.connect_timeout + 1.5:g} s "
              f"(503s {len(e503)}, slower {len(slow503)}, max {max(e503, default=0):.2f} s)")
    not_waiters = [r for r in long_ if r not in waiters]
    late_waiters = [r for r in waiters if r["t1"] - release > args.recovery_max]
    rep.check(not not_waiters and len(waiters) <= args.max_connections and not late_waiters,
              f"no hang: only the <= {args.max_connections} requests holding the pool's connections wait for the "
              f"lock, and they finish within {args.recovery_max:g} s of its release (waiters {len(waiters)}, "
              f"late {len(late_waiters)}; other requests over {args.hang_limit:g} s: {len(not_waiters)})")
    rep.check(rec is not None and rec <= args.recovery_max,
              f"200 again within {args.recovery_max:g} s of the release ({'%.3f s' % rec if rec is not None else 'never'})")
    if args.stuck_shutdown:
        stuck_shutdown(ev, rep, args)


def stuck_shutdown(ev, rep, args):
    """SIGTERM while the pool's connections are stuck behind the lock."""
    t = ev.get("stuck_sigterm")
    if t is None:
        rep.check(False, "stuck_sigterm event recorded")
        return
    exited = ev.get("stuck_app_exit")
    release = ev.get("stuck_lock_release")
    outs = [x.split() for x in (args.stuck_requests or "").split(";") if x.strip()]
    print(f"shutdown while stuck: SIGTERM with the lock held (taken {t - ev.get('stuck_lock_taken', t):.2f} s "
          f"before); lock released {'%.2f s' % (release - t) if release else 'never'} after SIGTERM; app exited "
          + (f"{exited - t:.2f} s after SIGTERM" + (" (after the release)" if release and exited > release else
                                                     " (lock still held)") if exited else "not at all (SIGKILL)")
          + f", status {args.app_rc}")
    print("  stuck requests (HTTP status, seconds): " + ", ".join(f"{o[0]} {o[1]}" for o in outs if len(o) == 2))
    rep.fig("stuck_exit_after_s", round(exited - t, 3) if exited else None)
    limit = args.grace + args.mercy + 2
    rep.check(exited is not None and exited - t <= limit and (release is None or exited <= release),
              f"SIGTERM with the pool's connections stuck: the app exits within grace + mercy + 2 s = {limit:g} s "
              f"without waiting for the lock ({'%.2f s' % (exited - t) if exited else 'did not exit'}"
              + (", only after the lock was released" if exited and release and exited > release else "") + ")")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--drill", required=True, choices=["db-restart", "shutdown", "pool"])
    p.add_argument("--title", default="")
    p.add_argument("--requests", required=True)
    p.add_argument("--events", required=True)
    p.add_argument("--rows")
    p.add_argument("--marker", default="")
    p.add_argument("--connect-timeout", type=float, default=2)
    p.add_argument("--hang-limit", type=float, default=10)
    p.add_argument("--recovery-max", type=float, default=2)
    p.add_argument("--max-connections", type=int, default=2)
    p.add_argument("--grace", type=float, default=2)
    p.add_argument("--mercy", type=float, default=3)
    p.add_argument("--app-rc", default="?")
    p.add_argument("--integrity")
    p.add_argument("--stuck-shutdown", action="store_true", help="pool: the shutdown-while-stuck phase ran")
    p.add_argument("--stuck-requests", help="pool: 'status seconds;...' of the requests stuck at SIGTERM")
    p.add_argument("--strict-acks", action="store_true",
                   help="fail when a write answered with an error or cut was committed")
    p.add_argument("--json")
    args = p.parse_args()
    reqs = load_requests(args.requests)
    ev = load_events(args.events)
    rep = Report()
    print(f"==== {args.title or args.drill}")
    if not reqs:
        print("no requests logged")
        rep.check(False, "the load generator logged requests")
    else:
        base = common(reqs, ev, rep, args)
        {"db-restart": drill_db_restart, "shutdown": drill_shutdown, "pool": drill_pool}[args.drill](
            reqs, ev, rep, args, base)
        if args.rows:
            writes(reqs, args.rows, rep, args.marker, base, strict=args.strict_acks)
    print("expectations:")
    for ok, text in rep.checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    failed = sum(1 for ok, _ in rep.checks if not ok)
    print(f"result: {'PASS' if not failed else 'FAIL'} ({len(rep.checks) - failed}/{len(rep.checks)} expectations met)")
    if args.json:
        rep.figures["checks"] = [{"ok": ok, "text": t} for ok, t in rep.checks]
        with open(args.json, "w") as f:
            json.dump(rep.figures, f, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
