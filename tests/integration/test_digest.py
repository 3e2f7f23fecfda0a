"""`bantin digest`: a day's digest built from the store and printed, with
nothing sent and nothing written. Two feeds of httpserver.py (/dup/a,
/dup/b) carry the same stories: one link with other utm_* parameters (one
items row, two sources) and one story re-posted under a retouched title
(two items rows that dedup makes one story)."""

import datetime
import email
import email.policy
import hashlib
import json
import os
import re
import subprocess
import time

import pytest

DVK_TITLE = "Mô hình “Dân vận khéo” giúp đồng bào Thái thoát nghèo"
DOI_THOAI = ("Đối thoại giữa người đứng đầu cấp ủy với Nhân dân về giải "
             "phóng mặt bằng")
LICH = "Lịch công tác tuần của Thường trực Ban"
HOI_ND = "Hội Nông dân & Đoàn Thanh niên ra quân làm đường"
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy",
            "Chủ Nhật"]
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def today_vn():
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))


def write_conf(path, base, extra="", digest_extra=""):
    path.write_text("""[bantin]
database = state.db
timezone = +07:00

[digest]
title = Bản tin Dân vận
from = Bản tin Dân vận <bantin@example.vn>
unsubscribe_url = https://example.vn/huy?email={email}
%s

[feed "tinh-a"]
url = %s/dup/a
title = Ban Dân vận Tỉnh ủy A

[feed "tinh-b"]
url = %s/dup/b

[subscriber "nguyen.van.a@example.vn"]
name = Nguyễn Văn A
topics = dan-van-kheo

[subscriber "tran.thi.b@example.vn"]
name = Trần Thị B
%s
""" % (digest_extra, base, base, extra))
    return path


def run(bantin, conf, *args):
    env = dict(os.environ)
    env.pop("BANTIN_CONFIG", None)
    return subprocess.run([bantin, "-c", str(conf), *args],
                          capture_output=True, env=env, timeout=60)


def squash(s):
    """Text with every run of white space (line breaks of wrapped titles
    and of HTML lines included) as one space."""
    return re.sub(r"\s+", " ", s)


def db_files(d):
    """Name -> (size, mtime_ns, sha256) of state.db and its -wal/-shm."""
    out = {}
    for name in sorted(os.listdir(d)):
        if name.startswith("state.db"):
            p = os.path.join(d, name)
            st = os.stat(p)
            with open(p, "rb") as f:
                out[name] = (st.st_size, st.st_mtime_ns,
                             hashlib.sha256(f.read()).hexdigest())
    return out


@pytest.fixture(scope="module")
def fetched(bantin, _server_session, tmp_path_factory):
    d = tmp_path_factory.mktemp("digest")
    conf = write_conf(d / "bantin.conf", _server_session.url("").rstrip("/"))
    r = run(bantin, conf, "fetch")
    assert r.returncode == 0, r.stderr.decode()
    return conf


def digest_json(bantin, conf, *args):
    r = run(bantin, conf, "digest", "--format", "json", *args)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.endswith(b"\n") and r.stdout.count(b"\n") == 1
    return json.loads(r.stdout)


def stories(doc):
    return [(t["id"], s) for t in doc["topics"] for s in t["stories"]]


def test_json_structure(bantin, fetched):
    doc = digest_json(bantin, fetched, "--date", today_vn())
    assert list(doc) == ["date", "title", "topics"]
    assert doc["date"] == today_vn()
    assert doc["title"] == "Bản tin Dân vận"
    assert doc["topics"], doc
    for t in doc["topics"]:
        assert list(t) == ["id", "title", "stories"]
        assert t["stories"], "empty topics are omitted"
        for s in t["stories"]:
            assert list(s) == ["title", "link", "published", "summary",
                               "sources"]
            assert RFC3339.match(s["published"]), s["published"]
            assert s["link"].startswith("http://127.0.0.1:")
            assert s["sources"]
            for src in s["sources"]:
                assert list(src) == ["feed", "title", "link"]
                assert src["feed"] in ("tinh-a", "tinh-b")
    # six items on the two feeds: one shared link, one re-post
    assert len(stories(doc)) == 4
    # the default date is today in the configured zone
    assert digest_json(bantin, fetched) == doc


def test_duplicates_are_one_story_with_every_source(bantin, fetched):
    doc = digest_json(bantin, fetched, "--date", today_vn())
    titles = [s["title"] for _, s in stories(doc)]
    assert titles.count(DVK_TITLE) == 1
    assert sum(DOI_THOAI in t for t in titles) == 1, titles

    # one items row: its link is the copy stored first (the feeds are
    # fetched at once, either may win), and that copy is the first source
    dvk = next(s for _, s in stories(doc) if s["title"] == DVK_TITLE)
    assert sorted((x["feed"], x["link"].split("?")[1])
                  for x in dvk["sources"]) == [
        ("tinh-a", "utm_source=a"), ("tinh-b", "utm_source=b&utm_medium=rss")]
    assert dvk["link"] == dvk["sources"][0]["link"]

    # the re-post: the earlier item (a's, 2 h ago) represents the story
    doi = next(s for _, s in stories(doc) if DOI_THOAI in s["title"])
    assert doi["title"] == DOI_THOAI
    assert doi["link"].endswith("/a/doi-thoai.html")
    assert doi["summary"].startswith("Bí thư Huyện ủy trực tiếp")
    assert [(x["feed"], x["title"]) for x in doi["sources"]] == [
        ("tinh-a", DOI_THOAI),
        ("tinh-b", "Huyện Diễn Châu: " + DOI_THOAI)]
    assert doi["sources"][1]["link"].endswith("/b/doi-thoai-gpmb.html")


def test_topics_in_config_order_other_last_newest_first(bantin, fetched):
    doc = digest_json(bantin, fetched, "--date", today_vn())
    ids = [t["id"] for t in doc["topics"]]
    assert ids[0] == "dan-van-kheo"
    assert ids[-1] == "khac"
    assert doc["topics"][-1]["title"] == "Khác"
    # the built-in topic order of the config (no [topic] sections)
    order = ["dan-van-kheo", "guong-dien-hinh", "quy-che-dan-chu",
             "dan-van-chinh-quyen", "ton-giao", "dan-toc",
             "mat-tran-doan-the", "hoi-nghi-tong-ket", "tap-huan-boi-duong",
             "nong-thon-moi-an-sinh", "phong-chong-thien-tai",
             "tinh-hinh-du-luan", "khac"]
    assert ids == sorted(ids, key=order.index)
    topic_of = {s["title"]: tid for tid, s in stories(doc)}
    assert topic_of[DVK_TITLE] == "dan-van-kheo"
    assert topic_of[LICH] == "khac"
    for t in doc["topics"]:
        times = [s["published"] for s in t["stories"]]
        assert times == sorted(times, reverse=True), t["id"]
    khac = [s["title"] for s in doc["topics"][-1]["stories"]]
    if DOI_THOAI in khac:   # 2 h ago, before the one of 5 h ago
        assert khac.index(DOI_THOAI) < khac.index(LICH)


def test_subscriber_topics_filter(bantin, fetched):
    everyone = digest_json(bantin, fetched, "--date", today_vn())
    a = digest_json(bantin, fetched, "--date", today_vn(), "--subscriber",
                    "Nguyen.Van.A@example.vn")
    assert [t["id"] for t in a["topics"]] == ["dan-van-kheo"]
    assert a["topics"][0] == everyone["topics"][0]
    # no topics list: every topic, "Khác" included
    b = digest_json(bantin, fetched, "--date", today_vn(), "--subscriber",
                    "tran.thi.b@example.vn")
    assert b == everyone


def test_text_and_html(bantin, fetched):
    r = run(bantin, fetched, "digest", "--date", today_vn())
    assert r.returncode == 0, r.stderr.decode()
    text = squash(r.stdout.decode())
    for t in (DVK_TITLE, LICH, HOI_ND):
        assert t in text
    assert text.count(DVK_TITLE) == 1
    assert "Kính gửi" in text

    r = run(bantin, fetched, "digest", "--format", "html", "--date",
            today_vn(), "--subscriber", "tran.thi.b@example.vn")
    assert r.returncode == 0, r.stderr.decode()
    html = squash(r.stdout.decode())
    assert html.lstrip().lower().startswith("<!doctype html")
    assert DVK_TITLE in html
    assert "Hội Nông dân &amp; Đoàn Thanh niên" in html
    assert HOI_ND not in html
    assert "Trần Thị B" in html
    assert "https://example.vn/huy?email=tran.thi.b@example.vn" in html


def test_eml_parses_with_vietnamese_subject(bantin, fetched):
    day = today_vn()
    r = run(bantin, fetched, "digest", "--format", "eml", "--date", day,
            "--subscriber", "nguyen.van.a@example.vn")
    assert r.returncode == 0, r.stderr.decode()
    raw = r.stdout
    assert b"\r\n" in raw and not re.search(rb"[^\r]\n", raw)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.defects == []
    for part in msg.walk():
        assert part.defects == [], part.get_content_type()
    dt = datetime.date.fromisoformat(day)
    subject = "Bản tin Dân vận – %s, %s" % (WEEKDAYS[dt.weekday()],
                                            dt.strftime("%d/%m/%Y"))
    assert str(msg["Subject"]) == subject
    assert msg["To"].addresses[0].addr_spec == "nguyen.van.a@example.vn"
    assert msg["To"].addresses[0].display_name == "Nguyễn Văn A"
    assert msg["From"].addresses[0].addr_spec == "bantin@example.vn"
    assert msg["Message-ID"].startswith("<bantin.%s." % day)
    assert "example.vn/huy" in msg["List-Unsubscribe"]
    assert msg.get_content_type() == "multipart/alternative"
    plain = squash(msg.get_body(("plain",)).get_content())
    html = squash(msg.get_body(("html",)).get_content())
    assert DVK_TITLE in plain and DVK_TITLE in html
    assert LICH not in plain        # this subscriber reads dan-van-kheo only
    # the Message-ID is the same on every build (clients fold a repeat)
    again = run(bantin, fetched, "digest", "--format", "eml", "--date", day,
                "--subscriber", "nguyen.van.a@example.vn")
    msg2 = email.message_from_bytes(again.stdout, policy=email.policy.default)
    assert msg2["Message-ID"] == msg["Message-ID"]


def test_day_without_items_is_an_empty_digest(bantin, fetched):
    r = run(bantin, fetched, "digest", "--format", "json", "--date",
            "2001-01-01")
    assert r.returncode == 0, r.stderr.decode()
    assert json.loads(r.stdout) == {"date": "2001-01-01",
                                    "title": "Bản tin Dân vận",
                                    "topics": []}
    # yesterday holds nothing either: items count on the day first stored
    yesterday = (datetime.date.fromisoformat(today_vn())
                 - datetime.timedelta(days=1)).isoformat()
    assert digest_json(bantin, fetched, "--date", yesterday)["topics"] == []
    for fmt in ("text", "html"):
        r = run(bantin, fetched, "digest", "--format", fmt, "--date",
                "2001-01-01")
        assert r.returncode == 0 and r.stdout


def test_max_age_drops_old_items(bantin, fetched, tmp_path):
    # same database, max_age 1h: every item was published at least an hour
    # before the end of today, so none enters the digest
    text = fetched.read_text().replace(
        "database = state.db", "database = %s" % (fetched.parent / "state.db"))
    text = text.replace("[digest]\n", "[digest]\nmax_age = 1h\n")
    conf = tmp_path / "bantin.conf"
    conf.write_text(text)
    assert digest_json(bantin, conf, "--date", today_vn())["topics"] == []


def test_digest_writes_nothing(bantin, fetched, _server_session):
    d = str(fetched.parent)
    before = db_files(d)
    assert "state.db" in before
    requests = dict(_server_session.stats.snapshot()["requests"])
    time.sleep(0.05)
    for args in (("--format", "json"), ("--format", "text"),
                 ("--format", "html"),
                 ("--format", "eml", "--subscriber",
                  "nguyen.van.a@example.vn"),
                 ("--date", "2001-01-01")):
        r = run(bantin, fetched, "digest", *args)
        assert r.returncode == 0, r.stderr.decode()
    assert db_files(d) == before
    assert dict(_server_session.stats.snapshot()["requests"]) == requests
    assert not os.path.exists(os.path.join(d, "outbox"))


def test_missing_database_exits_66(bantin, tmp_path, http_server):
    conf = write_conf(tmp_path / "bantin.conf", http_server.url("").rstrip("/"))
    r = run(bantin, conf, "digest", "--format", "json")
    assert r.returncode == 66
    assert b"no database yet: run 'bantin fetch' first" in r.stderr
    assert r.stdout == b""
    assert not any(n.startswith("state.db") for n in os.listdir(tmp_path))


@pytest.mark.parametrize("args,msg", [
    (("--date", "2026-02-30"), b"invalid date '2026-02-30'"),
    (("--date", "23/11/2026"), b"invalid date"),
    (("--date",), b"--date needs a value"),
    (("--format", "pdf"), b"unknown format 'pdf'"),
    (("--format", "eml"), b"--format eml needs --subscriber"),
    (("--subscriber", "ai.do@example.vn"), b"no subscriber 'ai.do@example.vn'"),
    (("--frob",), b"unknown argument '--frob'"),
])
def test_usage_errors_exit_64(bantin, fetched, args, msg):
    r = run(bantin, fetched, "digest", *args)
    assert r.returncode == 64, r.stderr
    assert msg in r.stderr
    assert r.stdout == b""


def test_config_error_exits_78(bantin, tmp_path):
    conf = tmp_path / "bantin.conf"
    conf.write_text("[bantin]\ntimezone = Asia/Ho_Chi_Minh\n")
    r = run(bantin, conf, "digest")
    assert r.returncode == 78
    assert b"bantin.conf:2:" in r.stderr
