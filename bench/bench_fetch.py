#!/usr/bin/python3
"""Fetch wall time of `bantin fetch` against sfeed_update and newsboat on
1 000 feeds behind a 100 ms latency (issue 3).

Usage: bench_fetch.py [--rounds N] [--peer-rounds N] [--feeds N]
                      [--hosts N] [--delay-ms MS] [--bantin PATH]
                      [--tools bantin,sfeed,newsboat]

bench/fetch_server.py serves --feeds small Vietnamese RSS feeds (10 items,
6 KB each, ETag + Last-Modified) from --hosts loopback addresses
(127.0.0.2 and up, 10 feeds per address by default), answering each request
after --delay-ms, 304 when the validators match. Every tool, in the same
run and from an empty state, does a first fetch (1 000 x 200) and then an
unchanged re-fetch; the server counts the requests, statuses, body bytes
and the requests in service at once. Every tool gets the same total
parallelism: bantin's LIMIT_FETCH_PARALLEL (util/limits.h, 64) as
sfeed_update's `maxjobs` and newsboat's `reload-threads`.

The ideal bound is requests x latency / connections (1000 x 0.1 s / 64 =
1.56 s): what the network wait alone costs at that parallelism, with process
start, parsing and storage free. Goal (issue 3): bantin within 1.3x of it on
both phases, ahead of both peers, and its re-fetch transfers no body.

bantin runs --rounds rounds (else $BENCH_ROUNDS, else 3); the peers, which
take 5-15 s a phase, run --peer-rounds (default 1) so that the whole
benchmark stays near a minute. Each figure is the median of the tool's
rounds; bantin's rounds are all printed. A run that exits non-zero or
stores the wrong number of items fails the benchmark (exit 1).
Standard library only.
"""

import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import fetch_server  # noqa: E402  (ITEMS_PER_FEED, feed paths)

GOAL_RATIO = 1.3
RUN_TIMEOUT_S = 300


def die(msg):
    print("bench_fetch: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_args(argv):
    opts = {"rounds": int(os.environ.get("BENCH_ROUNDS", "3")),
            "peer-rounds": 1, "feeds": 1000, "hosts": 100, "delay-ms": 100,
            "bantin": os.path.join(ROOT, "bantin"),
            "tools": "bantin,sfeed,newsboat"}
    ints = ("rounds", "peer-rounds", "feeds", "hosts", "delay-ms")
    i = 0
    while i < len(argv):
        key = argv[i][2:] if argv[i].startswith("--") else None
        if key in opts and i + 1 < len(argv):
            v = argv[i + 1]
            try:
                opts[key] = int(v) if key in ints else v
            except ValueError:
                die("--%s wants a number" % key)
            i += 2
        else:
            die(__doc__.split("\n\n")[1].strip().replace("Usage: ", "usage: "))
    if opts["rounds"] < 1 or opts["peer-rounds"] < 1 or opts["feeds"] < 1:
        die("--rounds, --peer-rounds and --feeds must be at least 1")
    if not 1 <= opts["hosts"] <= 250:
        die("--hosts must be 1 to 250 (127.0.0.2 to 127.0.0.251)")
    opts["tools"] = [t for t in opts["tools"].split(",") if t]
    for t in opts["tools"]:
        if t not in ("bantin", "sfeed", "newsboat"):
            die("unknown tool %r (bantin, sfeed, newsboat)" % t)
    return opts


def limit(name):
    """A #define of util/limits.h, so the peers and the ideal follow the code."""
    with open(os.path.join(ROOT, "util", "limits.h")) as f:
        m = re.search(r"^#define\s+%s\s+(\d+)" % name, f.read(), re.M)
    if not m:
        die("util/limits.h has no %s" % name)
    return int(m.group(1))


def looks_sanitized(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


# ---- the server ------------------------------------------------------------

class Server:
    def __init__(self, feeds, delay_ms, tmp):
        port_file = os.path.join(tmp, "port")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fetch_server.py"),
             "--feeds", str(feeds), "--delay-ms", str(delay_ms),
             "--port-file", port_file],
            stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                die("the feed server did not start")
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())

    def ctl(self, what):
        url = "http://127.0.0.1:%d/_ctl/%s" % (self.port, what)
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read()

    def reset(self):
        self.ctl("reset")

    def stats(self):
        return json.loads(self.ctl("stats"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def feed_urls(port, feeds, hosts):
    return ["http://127.0.0.%d:%d%s" % (2 + i % hosts, port, fetch_server.feed_path(i))
            for i in range(feeds)]


# ---- the tools ---------------------------------------------------------------
# Each: setup(dir, urls, parallel) -> (argv, env); count(dir) -> items stored.

def bantin_setup(bantin):
    def setup(d, urls, parallel):
        conf = os.path.join(d, "bantin.conf")
        with open(conf, "w", encoding="utf-8") as f:
            # A backfill far back: every item of the first fetch is stored,
            # so that the first fetch pays for the inserts.
            f.write("[bantin]\ndatabase = bantin.db\n\n[digest]\nbackfill = 3650d\n\n")
            for i, u in enumerate(urls):
                f.write('[feed "bench%04d"]\nurl = %s\n\n' % (i, u))
        return [bantin, "-c", conf, "fetch"], None
    return setup


def bantin_count(d):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(d, "bantin.db"), uri=True)
    try:
        return db.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        db.close()


def sfeed_setup(d, urls, parallel):
    rc = os.path.join(d, "sfeedrc")
    with open(rc, "w", encoding="utf-8") as f:
        f.write('sfeedpath="%s"\n' % os.path.join(d, "feeds"))
        # Its parallel jobs setting: feeds are started in batches of maxjobs.
        f.write("maxjobs=%d\n\nfeeds() {\n" % parallel)
        for i, u in enumerate(urls):
            f.write('\tfeed "bench%04d" "%s"\n' % (i, u))
        f.write("}\n")
    return ["sfeed_update", rc], None


def sfeed_count(d):
    n = 0
    folder = os.path.join(d, "feeds")
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as f:
            n += f.read().count(b"\n")
    return n


def newsboat_setup(d, urls, parallel):
    with open(os.path.join(d, "urls"), "w") as f:
        f.write("".join(u + "\n" for u in urls))
    with open(os.path.join(d, "config"), "w") as f:
        f.write("reload-threads %d\n" % parallel)
    env = dict(os.environ, HOME=d, LANG="C.UTF-8", LC_ALL="C.UTF-8",
               XDG_CONFIG_HOME=os.path.join(d, ".config"),
               XDG_DATA_HOME=os.path.join(d, ".local"))
    return ["newsboat", "-u", os.path.join(d, "urls"), "-c",
            os.path.join(d, "cache.db"), "-C", os.path.join(d, "config"),
            "-x", "reload"], env


def newsboat_count(d):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(d, "cache.db"), uri=True)
    try:
        return db.execute("SELECT count(*) FROM rss_item").fetchone()[0]
    finally:
        db.close()


# ---- one run -------------------------------------------------------------------

def run_phase(server, argv, env, cwd):
    """Run a tool once against a freshly reset server: wall time and counters."""
    server.reset()
    t0 = time.monotonic()
    r = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=RUN_TIMEOUT_S)
    t1 = time.monotonic()
    st = server.stats()
    st["wall"] = t1 - t0
    # Where the wall time went: before the first request reached the
    # server, between it and the last response, after it.
    if st["first"] is not None:
        st["start"] = st["first"] - t0
        st["span"] = st["last"] - st["first"]
        st["finish"] = t1 - st["last"]
    st["rc"] = r.returncode
    st["stderr"] = r.stderr.decode("utf-8", "replace").strip()
    return st


def one_round(server, tool, setup, count, urls, parallel, tmp, rnd, feeds):
    """First fetch and re-fetch(es) of one tool from an empty state.
    Returns {phase: stats}; raises RuntimeError on a failed run."""
    d = tempfile.mkdtemp(prefix="%s-%d-" % (tool, rnd), dir=tmp)
    argv, env = setup(d, urls, parallel)
    expected = feeds * fetch_server.ITEMS_PER_FEED
    phases = ["first", "re-fetch"]
    if tool == "newsboat":
        # newsboat 2.21 writes a feed's validators before the feed's row
        # exists on its first download, so they are lost and its first
        # re-fetch is unconditional; its second one is the steady state.
        phases = ["first", "re-fetch 1", "re-fetch"]
    out = {}
    for ph in phases:
        st = run_phase(server, argv, env, d)
        if st["rc"] != 0:
            raise RuntimeError("%s %s: exit %d: %s" % (tool, ph, st["rc"], st["stderr"][:500]))
        n = count(d)
        if n != expected:
            raise RuntimeError("%s %s: %d items stored, %d served" % (tool, ph, n, expected))
        if st["requests"] != feeds:
            raise RuntimeError("%s %s: %d requests for %d feeds" % (tool, ph, st["requests"], feeds))
        out[ph] = st
    shutil.rmtree(d, ignore_errors=True)
    return out


def med(runs, phase, key):
    return statistics.median(r[phase][key] for r in runs)


def main(argv):
    opts = parse_args(argv)
    bantin = os.path.abspath(opts["bantin"])
    feeds, hosts = opts["feeds"], opts["hosts"]
    delay = opts["delay-ms"] / 1000.0
    parallel = limit("LIMIT_FETCH_PARALLEL")
    per_host = limit("LIMIT_HOST_CONNECTIONS")
    ideal = feeds * delay / parallel

    tools = []
    for t in opts["tools"]:
        if t == "bantin":
            if not os.access(bantin, os.X_OK):
                die("%s is missing: run `make bantin` first" % bantin)
            if looks_sanitized(bantin):
                die("%s is a sanitizer build; time the optimized one (`make bantin`)" % bantin)
            tools.append(("bantin", bantin_setup(bantin), bantin_count, opts["rounds"]))
        elif shutil.which({"sfeed": "sfeed_update"}.get(t, t)) is None:
            print("bench_fetch: %s not found, skipped (make deps installs it)" % t,
                  file=sys.stderr)
        elif t == "sfeed":
            tools.append(("sfeed", sfeed_setup, sfeed_count, opts["peer-rounds"]))
        else:
            tools.append(("newsboat", newsboat_setup, newsboat_count, opts["peer-rounds"]))
    if not tools:
        die("no tool to time")

    print("fetch: %d feeds (%d items each, %.1f KB) on %d loopback hosts, %d ms per request;"
          % (feeds, fetch_server.ITEMS_PER_FEED,
             len(fetch_server.rss(0, time.time())) / 1000, hosts,
             opts["delay-ms"]))
    print("parallelism %d for every tool (bantin LIMIT_FETCH_PARALLEL, per host %d; "
          "sfeed_update maxjobs=%d; newsboat reload-threads %d)"
          % (parallel, per_host, parallel, parallel))
    print("ideal bound: %d requests x %.3f s / %d connections = %.3f s; goal: bantin <= %.1fx"
          % (feeds, delay, parallel, ideal, GOAL_RATIO))

    tmp = tempfile.mkdtemp(prefix="bantin-bench-fetch-")
    server = None
    runs = {name: [] for name, _, _, _ in tools}
    try:
        server = Server(feeds, opts["delay-ms"], tmp)
        urls = feed_urls(server.port, feeds, hosts)
        nrounds = max(r for _, _, _, r in tools)
        for rnd in range(nrounds):
            active = [t for t in tools if rnd < t[3]]
            order = active[rnd % len(active):] + active[:rnd % len(active)]
            for name, setup, count, _ in order:
                t0 = time.monotonic()
                try:
                    runs[name].append(one_round(server, name, setup, count, urls,
                                                parallel, tmp, rnd, feeds))
                except (RuntimeError, subprocess.TimeoutExpired, sqlite3.Error, OSError) as e:
                    print("FAIL: %s" % e)
                    return 1
                print("  round %d %-8s %5.1f s" % (rnd + 1, name, time.monotonic() - t0),
                      file=sys.stderr)
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    hdr = ("tool", "rounds", "first s", "re-fetch s", "re-fetch 200/304", "re-fetch bytes",
           "first/ideal", "re/ideal", "first/bantin", "re/bantin", "peak")
    fmt = "%-9s %6s %8s %10s %16s %14s %11s %8s %12s %9s %5s"
    print(fmt % hdr)
    figures = {}
    for name, _, _, _ in tools:
        rs = runs[name]
        first, re_ = med(rs, "first", "wall"), med(rs, "re-fetch", "wall")
        last = rs[-1]["re-fetch"]
        figures[name] = (first, re_, last)
    for name, _, _, _ in tools:
        first, re_, last = figures[name]
        st = last["status"]
        if "bantin" in figures:
            b1, b2 = figures["bantin"][0], figures["bantin"][1]
            vs1, vs2 = "%.2fx" % (first / b1), "%.2fx" % (re_ / b2)
        else:
            vs1 = vs2 = "-"
        print(fmt % (name, len(runs[name]), "%.3f" % first, "%.3f" % re_,
                     "%d/%d" % (st.get("200", 0), st.get("304", 0)),
                     "%d" % last["body_bytes"], "%.2fx" % (first / ideal),
                     "%.2fx" % (re_ / ideal), vs1, vs2,
                     "%d" % max(r[p]["peak_active"] for r in runs[name] for p in r)))
    print("%-9s %6s %8.3f %10.3f" % ("ideal", "", ideal, ideal))
    print("(median of the rounds; peak: most requests in service at once, seen by the server;"
          " x/bantin > 1: slower than bantin)")

    print()
    print("where the time went (median s: start = launch to first request, "
          "span = first request to last response, finish = last response to exit):")
    for name, _, _, _ in tools:
        for ph in ("first", "re-fetch"):
            rs = runs[name]
            print("  %-8s %-8s start %6.3f  span %6.3f  finish %6.3f  connections %4d"
                  % (name, ph, med(rs, ph, "start"), med(rs, ph, "span"),
                     med(rs, ph, "finish"), rs[-1][ph]["connections"]))
    if "bantin" in runs and len(runs["bantin"]) > 1:
        print("  bantin rounds: first %s; re-fetch %s" % (
            ", ".join("%.3f" % r["first"]["wall"] for r in runs["bantin"]),
            ", ".join("%.3f" % r["re-fetch"]["wall"] for r in runs["bantin"])))
    if "sfeed" in runs:
        print("note: sfeed_update sends no conditional request (its fetch() is a plain "
              "`curl -L`), so its re-fetch downloads every body again; it starts feeds in "
              "batches of maxjobs and waits for each whole batch")
    if "newsboat" in runs:
        r1 = runs["newsboat"][-1]["re-fetch 1"]
        print("note: newsboat 2.21 loses the validators of a feed's first download; its "
              "first re-fetch took %.3f s (%d x 200, %d body bytes), the re-fetch above is "
              "its second, conditional one" % (med(runs["newsboat"], "re-fetch 1", "wall"),
                                               r1["status"].get("200", 0), r1["body_bytes"]))

    print()
    goal = "goal: bantin within %.1fx of the ideal, ahead of both peers, no body on re-fetch" \
        % GOAL_RATIO
    if "bantin" not in figures:
        print("%s: not measured (bantin not run)" % goal)
        return 0
    b1, b2, blast = figures["bantin"]
    misses = []
    if b1 > GOAL_RATIO * ideal:
        misses.append("first fetch %.2fx the ideal" % (b1 / ideal))
    if b2 > GOAL_RATIO * ideal:
        misses.append("re-fetch %.2fx the ideal" % (b2 / ideal))
    for r in runs["bantin"]:
        if r["re-fetch"]["body_bytes"] or r["re-fetch"]["status"].get("304", 0) != feeds:
            misses.append("a re-fetch transferred bodies (%d bytes, statuses %s)"
                          % (r["re-fetch"]["body_bytes"], r["re-fetch"]["status"]))
            break
    for peer in ("sfeed", "newsboat"):
        if peer not in figures:
            misses.append("%s not measured" % peer)
            continue
        p1, p2, _ = figures[peer]
        if b1 >= p1 or b2 >= p2:
            misses.append("not ahead of %s" % peer)
    print("%s: %s (bantin first %.3f s = %.2fx, re-fetch %.3f s = %.2fx, ideal %.3f s)"
          % (goal, "met" if not misses else "NOT met: " + "; ".join(misses),
             b1, b1 / ideal, b2, b2 / ideal, ideal))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
