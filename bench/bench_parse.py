#!/usr/bin/python3
"""Parse throughput of `bantin parse` against sfeed and `xmllint --stream` on one corpus.

Usage: bench_parse.py [--rounds N] [--corpus DIR] [--bantin PATH] [--files N]

Every tool reads every corpus file, one process per file, output to /dev/null;
a round runs the tools one after another over all the files, and each tool's
best round counts (rounds: --rounds, else $BENCH_ROUNDS, else 3).  Before the
timed rounds, one checked round: bantin must exit 0 on every file (else this
exits 1 and times nothing), and the items bantin prints, the lines sfeed
prints and the counts in the corpus MANIFEST must agree.  MB = 10^6 bytes.
Standard library only.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen_corpus  # noqa: E402  (MANIFEST reader)

GOAL = "goal: bantin >= sfeed throughput while doing full normalization"


def die(msg):
    print("bench_parse: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_args(argv):
    opts = {"rounds": int(os.environ.get("BENCH_ROUNDS", "3")),
            "corpus": os.path.join(HERE, "corpus"),
            "bantin": os.path.join(ROOT, "bantin"),
            "files": 0}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--rounds", "--corpus", "--bantin", "--files") and i + 1 < len(argv):
            v = argv[i + 1]
            opts[a[2:]] = int(v) if a in ("--rounds", "--files") else v
            i += 2
        else:
            die("usage: bench_parse.py [--rounds N] [--corpus DIR] [--bantin PATH] [--files N]")
    if opts["rounds"] < 1:
        die("--rounds must be at least 1")
    return opts


def tool_commands(bantin):
    """(name, argv builder, reads stdin, no-op argv) for each tool, in table order.
    The no-op (stdin /dev/null) measures what starting the process costs."""
    return [
        ("bantin", lambda f: [bantin, "parse", f], False, [bantin, "--version"]),
        ("sfeed", lambda f: ["sfeed"], True, ["sfeed"]),
        ("xmllint", lambda f: ["xmllint", "--stream", "--noout", f], False, ["xmllint", "--version"]),
    ]


def run_one(argv, path, stdin_file, capture):
    stdin = open(path, "rb") if stdin_file else subprocess.DEVNULL
    try:
        return subprocess.run(argv, stdin=stdin,
                              stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                              stderr=subprocess.PIPE if capture else subprocess.DEVNULL)
    finally:
        if stdin_file:
            stdin.close()


def looks_sanitized(path):
    """The ASan build is several times slower; refuse to time it by mistake."""
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def checked_round(files, bantin, have):
    """Run every tool once with output captured; return per-tool item counts and failures."""
    counts = {"bantin": 0, "sfeed": 0, "manifest": 0}
    failures = []
    mismatches = []
    stderr_lines = {}
    for name, expected in files:
        counts["manifest"] += expected
        r = run_one([bantin, "parse", name], name, False, True)
        if r.returncode != 0:
            failures.append("%s: exit %d: %s" % (name, r.returncode,
                                                 r.stderr.decode("utf-8", "replace").strip()[:300]))
            continue
        for line in r.stderr.decode("utf-8", "replace").splitlines():
            stderr_lines[line] = stderr_lines.get(line, 0) + 1
        try:
            doc = json.loads(r.stdout)
            n_bantin = len(doc["items"])
        except (ValueError, KeyError, TypeError) as e:
            failures.append("%s: output is not the JSON of DESIGN.md: %s" % (name, e))
            continue
        counts["bantin"] += n_bantin
        n_sfeed = None
        if have["sfeed"]:
            r = run_one(["sfeed"], name, True, True)
            n_sfeed = r.stdout.count(b"\n")
            counts["sfeed"] += n_sfeed
        if have["xmllint"]:
            r = run_one(["xmllint", "--stream", "--noout", name], name, False, True)
            if r.returncode != 0:
                mismatches.append("%s: xmllint exit %d (corpus not well-formed?)" % (name, r.returncode))
        if n_bantin != expected or (n_sfeed is not None and n_sfeed != expected):
            mismatches.append("%s: items generated %d, bantin %d, sfeed %s" % (
                name, expected, n_bantin, "-" if n_sfeed is None else n_sfeed))
    return counts, failures, mismatches, stderr_lines


def timed_pass(tool, build, stdin_file, files):
    """Wall and child CPU seconds for one tool over all files."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    for name, _ in files:
        r = run_one(build(name), name, stdin_file, False)
        if r.returncode != 0:
            die("%s failed on %s (exit %d) during a timed round" % (tool, name, r.returncode))
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv):
    opts = parse_args(argv)
    corpus = os.path.abspath(opts["corpus"])
    bantin = os.path.abspath(opts["bantin"])
    m = gen_corpus.read_manifest(corpus)
    if m is None or not m[1]:
        die("no corpus in %s: run bench/gen_corpus.py first" % corpus)
    files = [(os.path.join(corpus, n), items) for n, _, items in m[1]]
    if opts["files"]:
        files = files[:opts["files"]]
    total_bytes = sum(os.path.getsize(f) for f, _ in files)
    if not os.access(bantin, os.X_OK):
        die("%s is missing: run `make bantin` first" % bantin)
    if looks_sanitized(bantin):
        die("%s is a sanitizer build; time the optimized one (`make bantin`)" % bantin)
    have = {"bantin": True,
            "sfeed": shutil.which("sfeed") is not None,
            "xmllint": shutil.which("xmllint") is not None}
    for t in ("sfeed", "xmllint"):
        if not have[t]:
            print("bench_parse: %s not found, skipped (make deps installs it)" % t, file=sys.stderr)

    # Page cache warm, so that the first tool timed pays no disk reads.
    for f, _ in files:
        with open(f, "rb") as fh:
            while fh.read(1 << 20):
                pass

    print("parse: %d files, %.1f MB (%s), %d round(s), best round counts" % (
        len(files), total_bytes / 1e6, os.path.relpath(corpus, ROOT), opts["rounds"]))
    counts, failures, mismatches, stderr_lines = checked_round(files, bantin, have)
    if failures:
        print("FAIL: bantin parse failed on %d of %d corpus files:" % (len(failures), len(files)))
        for line in failures[:20]:
            print("  " + line)
        return 1
    for line, n in sorted(stderr_lines.items(), key=lambda x: -x[1])[:5]:
        print("note: bantin stderr (%d files): %s" % (n, line[:200]))

    tools = [t for t in tool_commands(bantin) if have[t[0]]]
    best = {}
    startup = {}
    for rnd in range(opts["rounds"]):
        # Rotate the order each round so no tool always runs first or last.
        order = tools[rnd % len(tools):] + tools[:rnd % len(tools)]
        for name, build, stdin_file, noop in order:
            wall, cpu = timed_pass(name, build, stdin_file, files)
            if name not in best or wall < best[name][0]:
                best[name] = (wall, cpu)
            wall, _ = timed_pass(name, lambda f, argv=noop: argv, False, files)
            if name not in startup or wall < startup[name]:
                startup[name] = wall

    mb = total_bytes / 1e6
    items = {"bantin": counts["bantin"], "sfeed": counts["sfeed"] if have["sfeed"] else None}
    print()
    print("%-8s %8s %9s %9s %9s %10s %10s %8s" % (
        "tool", "MB", "wall s", "MB/s", "cpu s", "MB/s cpu", "startup s", "items"))
    for name, _, _, _ in tools:
        wall, cpu = best[name]
        it = items.get(name)
        print("%-8s %8.1f %9.3f %9.1f %9.3f %10.1f %10.3f %8s" % (
            name, mb, wall, mb / wall, cpu, mb / cpu if cpu > 0 else float("inf"), startup[name],
            "-" if it is None else it))
    print("%-8s %8s %9s %9s %9s %10s %10s %8d" % ("corpus", "", "", "", "", "", "", counts["manifest"]))
    print("(startup s: the same number of no-op runs of the tool, e.g. `bantin --version`; "
          "included in wall s)")
    print()
    rate = {n: mb / best[n][0] for n in best}
    for peer in ("sfeed", "xmllint"):
        if peer in rate:
            print("bantin/%-7s %.2fx (wall)  %.2fx (cpu)" % (
                peer, rate["bantin"] / rate[peer], best[peer][1] / best["bantin"][1]
                if best["bantin"][1] > 0 else float("inf")))
    if mismatches:
        print()
        print("WARNING: item counts disagree on %d file(s):" % len(mismatches))
        for line in mismatches[:10]:
            print("  " + line)
    print()
    if "sfeed" in rate:
        met = rate["bantin"] >= rate["sfeed"]
        print("%s: %s (bantin %.1f MB/s, sfeed %.1f MB/s)" % (
            GOAL, "met" if met else "NOT met", rate["bantin"], rate["sfeed"]))
    else:
        print("%s: not measured (sfeed missing)" % GOAL)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
