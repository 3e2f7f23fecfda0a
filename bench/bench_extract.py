#!/usr/bin/python3
"""Extraction rate of HTML list pages and article pages (issue 4).

Usage: bench_extract.py [--rounds N] [--bantin PATH] [--pages N]

Generates, deterministically (fixed seed, no clock), a set of list pages and
article pages of realistic size (50-200 KB) from the structures of the
fixtures in tests/data/html/: the NukeViet, SharePoint/ASP.NET and HTML5
list pages with their item block repeated (each with its own link), and the
five seed article pages with their paragraphs repeated, a "Tin cùng
chuyên mục" list and counters beside them and the markup that makes real
pages heavy (menus, inline scripts, view states). Then times `bantin
test-feed --file P1 --file P2 ...` (list pages, with the rules of
tests/integration/test_html_sources.py) and `bantin test-feed --article
RULE --article-file A1 ...` (article pages, with each
site's XPath rule, then with `auto`), one process per set, output to
/dev/null, best of N rounds (--rounds, else $BENCH_ROUNDS, else 3), and
prints pages per second and MB/s (10^6 bytes). A checked round comes first:
every set must exit 0 with the expected number of items, and every article
summary must start with its seed's first words (else exit 1, nothing timed).
Standard library only.
"""

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "tests", "data", "html")
SEED = 2026
KB = 1024

# (name, fixture, item start marker, the page's URL, rules)
LISTS = [
    ("nukeviet", "nukeviet_list.html", '<div class="news_column">',
     "https://bdvtu.nghean.dcs.vn/vi/news/dan-van-kheo/",
     ["--item", "//div[@class='news_column']", "--item-title", ".//h3/a",
      "--item-link", ".//h3/a/@href",
      "--item-date", ".//ul[contains(@class,'list-inline')]/li[1]",
      "--item-summary", ".//div[contains(@class,'text-justify')]"]),
    ("sharepoint", "sharepoint_list.html", '<tr class="news-row">',
     "https://vpcp.chinhphu.vn/Pages/TinHoatDong.aspx",
     ["--item", "//tr[@class='news-row']",
      "--item-title", ".//a[contains(@id,'_hplTitle')]",
      "--item-link", ".//a[contains(@id,'_hplTitle')]/@href",
      "--item-date", ".//span[contains(@id,'_lblDate')]",
      "--item-summary", ".//div[contains(@id,'_divSummary')]"]),
    ("html5", "modern_list.html", '<article class="story',
     "https://www.danvanonline.vn/thoi-su/",
     ["--item", "//article[contains(@class,'story')]",
      "--item-title", ".//h2/a", "--item-link", ".//h2/a/@href",
      "--item-date", ".//*[contains(@class,'story__time')]",
      "--item-summary", ".//p[@class='story__sapo']"]),
]

# (fixture, the site's article rule, the first words of its summary)
ARTICLES = [
    ("article_000.html", "//div[contains(@class,'news-content')]",
     "Sáng 17/9/2020, Ban Dân vận Tỉnh ủy"),
    ("article_001.html", "//div[@id='news-bodyhtml']",
     "Chiều ngày 14/9, Ban Dân vận Tỉnh ủy"),
    ("article_002.html", "//div[@class='news_sapo'] | //div[@id='divNoiDung']",
     "LSO-Chiều nay (25/12), Ban Dân vận"),
    ("article_003.html", "//td[@class='cot-giua']",
     "Nằm trong khuôn khổ Hội nghị tổng kết"),
    ("article_004.html", "//div[contains(@id,'RichHtmlField')]",
     "Ngày 15/10/2020, Ban Dân vận Huyện ủy"),
]

WORDS = ("dân vận khéo quy chế dân chủ cơ sở Mặt trận Tổ quốc hội nghị tổng "
         "kết công tác Ban Dân vận Tỉnh ủy huyện xã đồng bào phong trào thi "
         "đua nông thôn mới đối thoại Nhân dân cán bộ đảng viên giải phóng mặt "
         "bằng an sinh xã hội tuyên truyền vận động").split()


def die(msg):
    print("bench_extract: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_args(argv):
    opts = {"rounds": int(os.environ.get("BENCH_ROUNDS", "3")),
            "bantin": os.path.join(ROOT, "bantin"), "pages": 30}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--rounds", "--bantin", "--pages") and i + 1 < len(argv):
            opts[a[2:]] = argv[i + 1] if a == "--bantin" else int(argv[i + 1])
            i += 2
        else:
            die("usage: bench_extract.py [--rounds N] [--bantin PATH] [--pages N]")
    if opts["rounds"] < 1 or opts["pages"] < 1:
        die("--rounds and --pages must be at least 1")
    return opts


def phrase(rng, lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def read(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return f.read()


def unique_links(block, n):
    """Make every link of an item block its own: real lists never repeat."""
    block = re.sub(r'\.(html|aspx)(["?#])', r"-g%d.\1\2" % n, block)
    return block


def list_page(rng, text, marker, target):
    """The fixture with its item blocks (all but the last, which stays with
    the page's tail) repeated until the page reaches target bytes. Returns
    (page, number of item blocks)."""
    starts = [m.start() for m in re.finditer(re.escape(marker), text)]
    head, tail = text[:starts[0]], text[starts[-1]:]
    blocks = [text[a:b] for a, b in zip(starts, starts[1:])]
    out, size, n = [], len(head.encode()) + len(tail.encode()), 0
    while size < target:
        b = unique_links(blocks[n % len(blocks)], n)
        # a title of its own, so the pages are not one block over and over
        b = re.sub(r">([^<>]{20,200})</a>",
                   lambda m: ">%s %s</a>" % (m.group(1)[:40], phrase(rng, 3, 9)),
                   b, count=1)
        out.append(b)
        size += len(b.encode())
        n += 1
    return head + "".join(out) + tail, n


def sidebar(rng, n):
    """The related list and counters these sites put beside an article."""
    items = "".join(
        '<li><a href="/tin/%d.html" title="%s"><img src="/anh/%d.jpg" alt="%s">'
        '</a><h4><a href="/tin/%d.html">%s</a></h4><span class="date">'
        "%02d/%02d/2020</span></li>\n"
        % (i, t, i, t, i, t, rng.randint(1, 28), rng.randint(1, 12))
        for i, t in ((i, phrase(rng, 6, 14)) for i in range(n)))
    return ('<div class="tin-lien-quan"><h3>Tin cùng chuyên mục</h3><ul>\n%s'
            '</ul></div><div class="thong-ke"><h3>Thống kê truy cập</h3>'
            "<p>Hôm nay: %d</p><p>Trực tuyến: %d</p><p>Tổng: %d</p></div>\n"
            % (items, rng.randint(10, 999), rng.randint(1, 99),
               rng.randint(10000, 999999)))


def filler(rng, nbytes):
    """What makes real pages 50-200 KB: a menu of every category, inline
    scripts and styles, an ASP.NET view state; little of it text."""
    out, size, k = [], 0, 0
    while size < nbytes:
        kind = k % 3
        if kind == 0:
            part = ('<ul class="mega-menu">%s</ul>\n' % "".join(
                '<li class="menu-item"><a href="/chuyen-muc/%d/">%s</a></li>'
                % (rng.randint(1, 9999), phrase(rng, 1, 4)) for _ in range(60)))
        elif kind == 1:
            part = ("<script>var cfg_%d = {%s};</script>\n" % (k, ",".join(
                '"k%d": "%08x"' % (i, rng.getrandbits(32)) for i in range(150))))
        else:
            part = ('<input type="hidden" name="__VIEWSTATE%d" value="%s" />\n'
                    % (k, "".join(rng.choice("ABCDEFGHabcdefgh0123456789+/")
                                  for _ in range(3000))))
        out.append(part)
        size += len(part.encode())
        k += 1
    return "".join(out)


def article_page(rng, text, target):
    """The seed page with its body paragraphs repeated once or twice more
    (a longer report), a related list of 8-20 entries and markup filler up
    to target bytes."""
    paras = re.findall(r'<p style="text-align: justify;">.*?</p>\n?', text, re.S)
    if paras:
        last = text.rfind(paras[-1]) + len(paras[-1])
        text = text[:last] + "".join(paras[1:]) * rng.randint(1, 2) + text[last:]
    i = text.rfind("</body>")
    text = text[:i] + sidebar(rng, rng.randint(8, 20)) + text[i:]
    # the filler goes in front of the article, as menus and view states do
    j = text.find(">", text.find("<body")) + 1
    return text[:j] + filler(rng, target - len(text.encode())) + text[j:]


def generate(tmp, pages):
    rng = random.Random(SEED)
    sets = []
    for name, fixture, marker, url, rules in LISTS:
        text = read(fixture)
        files, blocks = [], 0
        for k in range(pages):
            page, n = list_page(rng, text, marker, rng.randint(50, 200) * KB)
            path = os.path.join(tmp, "list-%s-%03d.html" % (name, k))
            with open(path, "w", encoding="utf-8") as f:
                f.write(page)
            files.append(path)
            blocks += n
        sets.append(("list " + name, files,
                     ["--url", url, "--type", "html"] + rules, blocks, None))
    per = max(1, pages * len(LISTS) // len(ARTICLES))
    every, starts = [], []
    for fixture, rule, start in ARTICLES:
        text = read(fixture)
        files = []
        for k in range(per):
            path = os.path.join(tmp, "%s-%03d.html" % (fixture[:-5], k))
            with open(path, "w", encoding="utf-8") as f:
                f.write(article_page(rng, text, rng.randint(50, 200) * KB))
            files.append(path)
        every += files
        starts += [start] * per
        sets.append(("article " + fixture[:-5], files, ["--article", rule],
                     None, [start] * per))
    sets.append(("article auto (all)", every, ["--article", "auto"], None,
                 starts))
    return sets


def argv_of(bantin, s):
    flag = "--file" if s[3] is not None else "--article-file"
    argv = [bantin, "test-feed"] + s[2]
    for f in s[1]:
        argv += [flag, f]
    return argv


def env():
    e = dict(os.environ)
    e.pop("BANTIN_CONFIG", None)
    return e


def check(bantin, s, tmp):
    r = subprocess.run(argv_of(bantin, s), capture_output=True, text=True,
                       cwd=tmp, env=env())
    if r.returncode != 0:
        die("%s: exit %d: %s" % (s[0], r.returncode, r.stderr.strip()))
    if s[3] is not None:
        m = re.search(r"^(\d+) items.*", r.stdout, re.M)
        last = m.group(0) if m else r.stdout[-200:]
        # every repeated block gives one item, but for the fixtures' own
        # dropped ones (a block with no title and no link); the tail kept
        # on each page may hold one more
        if not m or not (0.75 * s[3] <= int(m.group(1)) <= s[3] + len(s[1])):
            die("%s: %s, from %d item blocks" % (s[0], last, s[3]))
        return int(m.group(1))
    sums = re.findall(r"^   summary: (.*)$", r.stdout, re.M)
    if len(sums) != len(s[1]):
        die("%s: %d summaries for %d pages" % (s[0], len(sums), len(s[1])))
    for got, want in zip(sums, s[4]):
        if not got.startswith(want):
            die("%s: a summary starts '%s', want '%s'" % (s[0], got[:60], want))
        for bad in ("Tin cùng chuyên mục", "Thống kê truy cập", "Trực tuyến"):
            if bad in got:
                die("%s: boilerplate '%s' in a summary" % (s[0], bad))
    return len(sums)


def timed(bantin, s, tmp):
    t0 = time.perf_counter()
    r = subprocess.run(argv_of(bantin, s), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=tmp, env=env())
    took = time.perf_counter() - t0
    if r.returncode != 0:
        die("%s: exit %d in a timed round" % (s[0], r.returncode))
    return took


def startup(bantin):
    """What starting the process costs (a no-op run)."""
    t0 = time.perf_counter()
    subprocess.run([bantin, "--version"], stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    opts = parse_args(sys.argv[1:])
    bantin = os.path.abspath(opts["bantin"])
    if not os.access(bantin, os.X_OK):
        die("no bantin at %s (make bantin)" % bantin)
    with open(bantin, "rb") as f:
        if b"__asan_init" in f.read():
            die("%s is the sanitizer build; time the optimized one" % bantin)
    tmp = tempfile.mkdtemp(prefix="bantin-bench-extract-")
    try:
        sets = generate(tmp, opts["pages"])
        counts = [check(bantin, s, tmp) for s in sets]
        start = min(startup(bantin) for _ in range(3))
        best = [min(timed(bantin, s, tmp) for _ in range(opts["rounds"]))
                for s in sets]
        print("bantin test-feed extraction, best of %d rounds; one process "
              "per set (start-up %.3f s)" % (opts["rounds"], start))
        print("%-26s %6s %7s %8s %8s %8s %7s" % ("set", "pages", "MB",
                                               "items", "best s", "pages/s",
                                               "MB/s"))
        for s, n, b in zip(sets, counts, best):
            mb = sum(os.path.getsize(f) for f in s[1]) / 1e6
            items = str(n) if s[3] is not None else "-"
            print("%-26s %6d %7.1f %8s %8.3f %8.1f %7.1f"
                  % (s[0], len(s[1]), mb, items, b, len(s[1]) / b, mb / b))
        sizes = [os.path.getsize(f) for s in sets[:-1] for f in s[1]]
        print("page sizes: %d to %d KB, mean %d KB"
              % (min(sizes) // KB, max(sizes) // KB,
                 sum(sizes) // len(sizes) // KB))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
