#!/usr/bin/python3
"""Parse throughput of `bantin parse` against sfeed and `xmllint --stream` on one corpus,
and the floor the libraries bantin must use put under it.

Usage: bench_parse.py [--rounds N] [--corpus DIR] [--bantin PATH] [--files N]

Every tool reads every corpus file, one process per file, output to /dev/null;
a round runs the tools one after another over all the files, and each tool's
best round counts (rounds: --rounds, else $BENCH_ROUNDS, else 3).  Before the
timed rounds, one checked round: bantin must exit 0 on every file (else this
exits 1 and times nothing), and the items bantin prints, the lines sfeed
prints and the counts in the corpus MANIFEST must agree.  MB = 10^6 bytes.

The floor: bench/floor.c, compiled here (cc -O2, pkg-config libxml-2.0 jansson
expat; `make` never builds it), times in one process, on the same files in
memory, what libxml2's SAX parse with no-op callbacks, expat's, and jansson's
dump of bantin's output (kept from the checked round) cost.  The lines after the
table say whether libxml2 + jansson + bantin's start-up alone already take
longer than sfeed's whole run, i.e. whether the goal can be met with them.
Standard library only.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen_corpus  # noqa: E402  (MANIFEST reader)

GOAL = "goal: bantin >= sfeed throughput while doing full normalization"
FLOOR_SRC = os.path.join(HERE, "floor.c")
FLOOR_BIN = os.path.join(ROOT, "build", "bench", "floor")
FLOOR_PKGS = ["libxml-2.0", "jansson", "expat", "libcjson"]


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


def build_floor():
    """Compile bench/floor.c into build/bench/floor, every run (a second), so that it
    is never older than its source or the libraries; dies with the compiler's message."""
    try:
        flags = subprocess.run(["pkg-config", "--cflags", "--libs"] + FLOOR_PKGS,
                               capture_output=True, text=True)
    except OSError as e:
        die("cannot run pkg-config for bench/floor.c: %s" % e)
    if flags.returncode != 0:
        die("bench/floor.c needs %s (pkg-config: %s); `make deps` installs them" % (
            " ".join(FLOOR_PKGS), flags.stderr.strip()))
    os.makedirs(os.path.dirname(FLOOR_BIN), exist_ok=True)
    cmd = ([os.environ.get("CC", "cc"), "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-Wshadow",
            "-Wvla", "-Wformat=2", "-D_GNU_SOURCE", "-o", FLOOR_BIN, FLOOR_SRC] + flags.stdout.split())
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        die("cannot build bench/floor.c:\n%s" % (r.stderr.strip() or r.stdout.strip()))


def run_floor(files, json_dir, rounds):
    """Run build/bench/floor on every (XML, bantin's JSON) pair; its "key value" lines
    as a dict (seconds as floats, the rest as text)."""
    argv = [FLOOR_BIN, str(rounds)]
    for name, _ in files:
        argv += [name, json_path(json_dir, name)]
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        die("bench/floor.c failed (exit %d): %s" % (r.returncode, r.stderr.strip()[:500]))
    out = {}
    for line in r.stdout.splitlines():
        key, _, value = line.partition(" ")
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value      # the versions
    for key in ("libxml2_sax", "expat", "jansson_dump", "jansson_build_dump", "cjson_print",
                "items"):
        if key not in out:
            die("bench/floor.c printed no %s" % key)
    return out


def json_path(json_dir, name):
    return os.path.join(json_dir, os.path.basename(name) + ".json")


def checked_round(files, bantin, have, json_dir):
    """Run every tool once with output captured; return per-tool item counts and failures.
    bantin's output for each file is kept in json_dir, for the floor's jansson dump."""
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
        with open(json_path(json_dir, name), "wb") as fh:
            fh.write(r.stdout)
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
    build_floor()
    json_dir = tempfile.TemporaryDirectory(prefix="bench_parse.")
    try:
        return measure(opts, corpus, bantin, files, total_bytes, have, json_dir.name)
    finally:
        json_dir.cleanup()


def measure(opts, corpus, bantin, files, total_bytes, have, json_dir):
    """The checked round, the timed rounds, the floor, and the report; the exit status."""

    # Page cache warm, so that the first tool timed pays no disk reads.
    for f, _ in files:
        with open(f, "rb") as fh:
            while fh.read(1 << 20):
                pass

    print("parse: %d files, %.1f MB (%s), %d round(s), best round counts" % (
        len(files), total_bytes / 1e6, os.path.relpath(corpus, ROOT), opts["rounds"]))
    counts, failures, mismatches, stderr_lines = checked_round(files, bantin, have, json_dir)
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
    floor = run_floor(files, json_dir, opts["rounds"])
    if int(floor["items"]) != counts["bantin"]:
        mismatches.append("floor: %d items in bantin's output, %d dumped" % (
            counts["bantin"], int(floor["items"])))
    for key, what in (("libxml2_not_well_formed", "libxml2 found %d file(s) not well-formed"),
                      ("expat_errors", "expat failed on %d file(s)")):
        if floor.get(key, 0):
            mismatches.append("floor: " + what % int(floor[key]))

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
    print_floor(floor, mb, opts["rounds"], best, startup)
    if mismatches:
        print()
        print("WARNING: %d check(s) failed (item counts, well-formedness):" % len(mismatches))
        for line in mismatches[:10]:
            print("  " + line)
    print()
    if "sfeed" in rate:
        met = rate["bantin"] >= rate["sfeed"]
        print("%s: %s (bantin %.1f MB/s, sfeed %.1f MB/s)" % (
            GOAL, "met" if met else "NOT met", rate["bantin"], rate["sfeed"]))
    else:
        print("%s: not measured (sfeed missing)" % GOAL)
    print_verdict(floor, best, startup)
    return 1 if mismatches else 0


def json_floor(floor):
    """(name, seconds) of the faster of the two JSON libraries the project allows
    (jansson or cJSON) at printing bantin's output, objects already built."""
    if floor["cjson_print"] < floor["jansson_dump"]:
        return "cJSON", floor["cjson_print"]
    return "jansson", floor["jansson_dump"]


def floor_libs(floor):
    """The least libxml2 and a JSON library take over the corpus in one process: the
    SAX parse with no-op callbacks and the plain printing of bantin's output (not even
    building the objects), with the faster of jansson and cJSON."""
    return floor["libxml2_sax"] + json_floor(floor)[1]


def print_floor(floor, mb, rounds, best, startup):
    """The floor's lines, under the table."""
    print()
    print("floor, in one process, files in memory, best of %d (libxml2 %s, expat %s, jansson %s, "
          "cJSON %s):" % (
              rounds, floor.get("version_libxml2", "?"), floor.get("version_expat", "?"),
              floor.get("version_jansson", "?"), floor.get("version_cjson", "?")))
    print("  libxml2 SAX no-op %.3f s (%.0f MB/s), expat no-op %.3f s (%.0f MB/s)" % (
        floor["libxml2_sax"], mb / floor["libxml2_sax"], floor["expat"], mb / floor["expat"]))
    print("  bantin's output printed by jansson %.3f s (%.3f s building the objects too, as "
          "feed_json.c), by cJSON %.3f s" % (
              floor["jansson_dump"], floor["jansson_build_dump"], floor["cjson_print"]))
    libs = floor_libs(floor)
    jname, jsecs = json_floor(floor)
    total = libs + startup["bantin"]
    if "sfeed" in best:
        sfeed = best["sfeed"][0]
        print("sfeed whole run (wall) %.3f s: libxml2 + %s alone %.3f + %.3f = %.3f s = %.2fx sfeed; "
              "+ bantin startup %.3f = %.3f s = %.2fx sfeed" % (
                  sfeed, jname, floor["libxml2_sax"], jsecs, libs, libs / sfeed,
                  startup["bantin"], total, total / sfeed))
    wall = best["bantin"][0]
    print("bantin whole run (wall) %.3f s: %.3f s of it this floor with its startup (%.0f%%), %.3f s the "
          "rest (bantin's own work, its JSON objects included)" % (
              wall, total, 100 * total / wall, wall - total))


def print_verdict(floor, best, startup):
    """Whether the goal can be met at all with libxml2 and jansson, computed: is
    libxml2 + jansson + bantin's process start below sfeed's whole run?"""
    if "sfeed" not in best:
        print("verdict: not computed (sfeed missing)")
        return
    sfeed = best["sfeed"][0]
    libs = floor_libs(floor)
    jname = json_floor(floor)[0]
    total = libs + startup["bantin"]
    if libs >= sfeed:
        print("verdict: the goal is NOT reachable with libxml2 + " + jname + ": parsing with no-op callbacks "
              "and dumping the output, nothing normalized, take %.2fx sfeed's whole run even with no "
              "process start (%.3f s >= %.3f s), %.2fx with bantin's (%.3f s)" % (
                  libs / sfeed, libs, sfeed, total / sfeed, total))
    elif total >= sfeed:
        print("verdict: the goal is NOT reachable as bantin starts now: libxml2 + " + jname + " alone take "
              "%.2fx sfeed's whole run (%.3f s < %.3f s), but with bantin's startup (%.3f s) %.2fx "
              "(%.3f s)" % (libs / sfeed, libs, sfeed, startup["bantin"], total / sfeed, total))
    else:
        print("verdict: the goal is reachable in principle with libxml2 + " + jname + ": with bantin's startup "
              "they take %.2fx sfeed's whole run, leaving %.3f s for all of bantin's own work "
              "(%.3f s < %.3f s)" % (total / sfeed, sfeed - total, total, sfeed))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
