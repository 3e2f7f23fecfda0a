"""bantin parse: real Vietnamese feeds, legacy encodings, feed formats and
hostile documents, run through the real binary ($BANTIN, default
build/san/bantin). Each run is measured: exit status, stderr, peak memory
(the child's own max RSS, from wait4) and time."""
import json
import os
import re
import subprocess
import tempfile
import time
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FEEDS = DATA / "feeds"
ENC = DATA / "encodings"
FORMATS = DATA / "formats"
HOSTILE = DATA / "hostile"
BANTIN = os.environ.get("BANTIN", str(ROOT / "build" / "san" / "bantin"))

# The sanitizer build carries ~20 MB of shadow memory and runs slower; these
# bounds still catch an entity expansion (250 MB) or a quadratic walk.
MAX_RSS_KB = 150 * 1024
MAX_SECONDS = 10.0


class Run:
    def __init__(self, rc, out, err, maxrss_kb, seconds):
        self.rc, self.out, self.err = rc, out, err
        self.maxrss_kb, self.seconds = maxrss_kb, seconds

    def json(self):
        assert self.out.endswith("\n") and self.out.count("\n") == 1, \
            "one compact JSON object on one line"
        return json.loads(self.out)


def run(*args, cwd=None, stdin=None, timeout=MAX_SECONDS * 3):
    """Run bantin with args; stdout and stderr go through files so that a
    big output cannot block, and wait4 gives this child's own rusage."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        p = subprocess.Popen([BANTIN, *args], cwd=cwd, stdout=out, stderr=err,
                             stdin=stdin if stdin is not None
                             else subprocess.DEVNULL)
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                pytest.fail("bantin %s: killed after %.0f s" % (args, timeout))
            time.sleep(0.005)
        seconds = time.monotonic() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(p.returncode, out.read().decode(), err.read().decode(),
                   usage.ru_maxrss, seconds)


def parse(path, *opts, cwd=None):
    return run("parse", *opts, str(path), cwd=cwd)


def check_bounded(r):
    assert r.maxrss_kb < MAX_RSS_KB, "peak RSS %d KB" % r.maxrss_kb
    assert r.seconds < MAX_SECONDS, "took %.1f s" % r.seconds


def check_stderr_clean(r):
    """Only bantin's own one-line messages: nothing of libxml2's, no
    sanitizer report."""
    for line in r.err.splitlines():
        assert line.startswith("bantin: "), "stray stderr line: %r" % line


TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")


def check_clean_text(s, what, tags=True):
    if s is None:
        return
    assert unicodedata.is_normalized("NFC", s), "%s not NFC: %r" % (what, s)
    assert not tags or not TAG.search(s), "%s has a tag: %r" % (what, s)
    assert not ENTITY.search(s), "%s has an entity: %r" % (what, s)
    assert s == s.strip() and "  " not in s and "\n" not in s, \
        "%s whitespace not collapsed: %r" % (what, s)
    assert not any(unicodedata.category(c) == "Cc" for c in s), \
        "%s has a control character: %r" % (what, s)


def check_link(link):
    if link is None:
        return
    assert re.match(r"https?://[^/\s]", link), "not absolute: %r" % link
    assert not re.search(r"\s", link), "whitespace in link: %r" % link


ITEM_KEYS = ["id", "title", "link", "published", "updated", "author",
             "summary", "content", "categories"]
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def check_shape(d, tags=True):
    """The JSON contract of DESIGN.md, keys in order. tags=False for Atom
    type="text", where "<x>" is text, not markup."""
    assert list(d) == ["feed", "items"]
    keys = list(d["feed"])
    assert keys[:3] == ["title", "link", "kind"]
    assert keys[3:] in ([], ["degraded"])
    if "degraded" in d["feed"]:
        assert d["feed"]["degraded"] is True
    assert d["feed"]["kind"] in ("rss", "rdf", "atom")
    check_clean_text(d["feed"]["title"], "feed title")
    check_link(d["feed"]["link"])
    for it in d["items"]:
        assert list(it) == ITEM_KEYS
        assert isinstance(it["id"], str) and it["id"]
        assert it["title"] or it["link"]
        for k in ("published", "updated"):
            assert it[k] is None or TIME.match(it[k]), it[k]
        assert isinstance(it["categories"], list)
        for k in ("title", "summary", "author"):
            check_clean_text(it[k], k, tags)
        for c in it["categories"]:
            check_clean_text(c, "category")
        check_link(it["link"])
        if it["title"] is not None:
            assert len(it["title"].encode()) <= 1024
        if it["summary"] is not None:
            assert len(it["summary"].encode()) <= 4096


# ---- the real feeds of ../shared/feeds --------------------------------------

# file: (items, first title, first link, first published, degraded)
REAL = {
    "cafef_2026-10-09.xml": (
        2,
        "Hưởng lợi từ loại cây chảy ra “vàng trắng”, một cổ phiếu âm thầm vượt "
        "đỉnh lịch sử, tăng gần 60% sau một năm",
        "https://cafef.vn/huong-loi-tu-loai-cay-chay-ra-vang-trang-mot-co-phieu"
        "-am-tham-vuot-dinh-lich-su-tang-gan-60-sau-mot-nam-18826100822283828.chn",
        # "Fri, 09 Oct 26 00:06:00 +0700": a 2-digit year
        "2026-10-08T17:06:00Z", False),
    "tuoitre_home_fixture.xml": (
        1, "Sample Vietnam infrastructure decision",
        "https://news.tuoitre.vn/sample-article.htm",
        "2025-07-16T02:30:00Z", False),   # "GMT+7"
    "vietnambiz_2026-10-09.xml": (
        3, "Tự doanh tiếp tục mua ròng hơn trăm tỷ đồng VPB",   # r&#242;ng
        "https://vietnambiz.vn/tu-doanh-tiep-tuc-mua-rong-hon-tram-ty-dong-vpb"
        "-2026108171321822.htm",
        "2026-10-08T10:44:06Z", False),   # CDATA "... GMT+7"
    "vietstock_2026-10-09.xml": (
        2, "09/10: Đọc gì trước giờ giao dịch chứng khoán?",
        "http://vietstock.vn/2026/10/0910-doc-gi-truoc-gio-giao-dich-chung-khoan"
        "-830-1500618.htm",
        "2026-10-08T23:00:00Z", False),
    "vneconomy_2026-10-09.xml": (
        2, "VPS dẫn đầu thị phần môi giới trên HNX quý 3/2026",
        "https://vneconomy.vn/vps-dan-dau-thi-phan-moi-gioi-tren-hnx-quy-32026.htm",
        "2026-10-08T15:51:18Z", False),   # GMT
    "vnexpress_the-gioi_2025.xml": (
        1, "Israel nối gót Mỹ rời Hội đồng Nhân quyền LHQ",
        "https://vnexpress.net/israel-noi-got-my-roi-hoi-dong-nhan-quyen-lhq"
        "-4846612.html",
        "2025-02-06T13:30:48Z", True),    # raw & in an attribute
    "vnexpress_tin-moi-nhat_ChiGheDocBao_2019.xml": (
        2, "Ngộ độc rượu, bệnh nhân thấy ảo giác 'bị ma quỷ truy đuổi'",
        "https://vnexpress.net/suc-khoe/ngo-doc-ruou-benh-nhan-thay-ao-giac-bi"
        "-ma-quy-truy-duoi-3882905.html",
        "2019-02-18T13:35:51Z", False),
    "vnexpress_tin-moi-nhat_javascript0704b6.xml": (
        25, "Ủy ban Tài chính: Chi 65 tỷ đồng mua quà tặng thành lập tỉnh là "
        "quá lãng phí",
        "http://vnexpress.net/tin-tuc/thoi-su/uy-ban-tai-chinh-chi-65-ty-dong"
        "-mua-qua-tang-thanh-lap-tinh-la-qua-lang-phi-3572838.html",
        "2017-04-19T12:45:55Z", False),
    "vnexpress_tin-moi-nhat_javascript1102b3.xml": (
        25, "Giang Kim Đạt bị đề nghị tử hình",
        "http://vnexpress.net/tin-tuc/phap-luat/giang-kim-dat-bi-de-nghi-tu"
        "-hinh-3543450.html",
        "2017-02-18T08:16:55Z", False),
    "vnexpress_tin-moi-nhat_javascript1305b2.xml": (
        25, "Mỹ điều chiến đấu cơ hộ tống máy bay chở khách nghi bị không tặc",
        "http://vnexpress.net/tin-tuc/the-gioi/my-dieu-chien-dau-co-ho-tong-may"
        "-bay-cho-khach-nghi-bi-khong-tac-3587691.html",
        "2017-05-20T08:00:00Z", False),
    "vnexpress_tin-moi-nhat_string1407.xml": (
        25, "Một tuần Hà Nội có 1.400 người bệnh sốt xuất huyết vào viện",
        "http://suckhoe.vnexpress.net/tin-tuc/suc-khoe/mot-tuan-ha-noi-co-1-400"
        "-nguoi-benh-sot-xuat-huyet-vao-vien-3618863.html",
        "2017-07-26T12:41:14Z", False),
    "vnexpress_tin-moi-nhat_string1808.xml": (
        25, "Bể bơi dát vàng trong biệt thự nơi tổng thống Putin nghỉ dưỡng",
        "http://dulich.vnexpress.net/tin-tuc/anh-video/be-boi-dat-vang-trong"
        "-biet-thu-noi-tong-thong-putin-nghi-duong-3634646.html",
        "2017-08-30T13:03:00Z", False),
    "vnexpress_tin-moi-nhat_vnexpress2810.xml": (
        24, "Con hẻm trăm tuổi ở Sài Gòn nhiều lần lên phim TVB 4",
        "https://dulich.vnexpress.net/tin-tuc/test-folder/con-hem-tram-tuoi-o"
        "-sai-gon-nhieu-lan-len-phim-tvb-4-3670446.html",
        "2017-11-14T10:42:01Z", False),   # + 1 empty item dropped
}


def test_every_shared_feed_is_tested():
    files = sorted(p.name for p in FEEDS.glob("*.xml"))
    assert files == sorted(REAL)
    sources = (FEEDS / "SOURCES.txt").read_text()
    for name in files:
        assert name in sources


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_feed(name):
    count, title, link, published, degraded = REAL[name]
    r = parse(FEEDS / name)
    assert r.rc == 0, r.err
    check_stderr_clean(r)
    check_bounded(r)
    d = r.json()
    check_shape(d)
    assert d["feed"]["kind"] == "rss"
    assert len(d["items"]) == count
    first = d["items"][0]
    assert first["title"] == title
    assert first["link"] == link
    assert first["published"] == published
    assert d["feed"].get("degraded", False) is degraded
    assert ("broken XML" in r.err) is degraded
    for it in d["items"]:
        assert it["published"] is not None, "every real item has a date"
        assert it["link"] is not None
    # ids are unique within a feed
    assert len({it["id"] for it in d["items"]}) == count


def test_cafef_channel_link_is_not_the_atom_self_link():
    d = parse(FEEDS / "cafef_2026-10-09.xml").json()
    assert d["feed"] == {"title": "Thị trường chứng khoán | cafef",
                         "link": "https://cafef.vn/thi-truong-chung-khoan.chn",
                         "kind": "rss"}
    # <guid > with a space still gives the id
    assert d["items"][1]["id"] == d["items"][1]["link"]
    assert d["items"][1]["published"] == "2026-10-08T17:05:00Z"


def test_vietnambiz_utf16_label_and_entities_in_cdata():
    r = parse(FEEDS / "vietnambiz_2026-10-09.xml")
    assert r.rc == 0 and r.err == ""
    d = r.json()
    titles = [it["title"] for it in d["items"]]
    assert titles == [
        "Tự doanh tiếp tục mua ròng hơn trăm tỷ đồng VPB",
        "Vợ Tổng Giám đốc DIC Group đăng ký mua 1 triệu cổ phiếu DIG",
        "Khối ngoại bán ròng 12 phiên liên tiếp, xả mạnh nhóm ngân hàng",
    ]
    # guid isPermaLink="false" is an id, never a link
    assert d["items"][0]["id"] == "4f6529b0-9a1f-44ef-a2ae-afce6dcc2e99"
    assert d["items"][0]["summary"].startswith("Trong phiên 8/10, tự doanh")


def test_vietstock_escaped_html_description():
    d = parse(FEEDS / "vietstock_2026-10-09.xml").json()
    s = d["items"][0]["summary"]
    assert s.startswith("Cùng điểm lại những tin tức tài chính")
    assert "img" not in s and "&lt;" not in s


def test_vneconomy_author_category_and_ampersand():
    d = parse(FEEDS / "vneconomy_2026-10-09.xml").json()
    assert d["feed"]["title"] == \
        "Chứng khoán - Nhịp sống kinh tế Việt Nam & Thế giới"
    it = d["items"][0]
    assert it["author"] == "Hà Anh"            # "Hà Anh " trimmed
    assert it["categories"] == ["Chứng khoán"]
    assert it["content"] is None               # media:* ignored


def test_vnexpress_titles_links_and_empty_item():
    r = parse(FEEDS / "vnexpress_tin-moi-nhat_vnexpress2810.xml")
    assert r.rc == 0
    assert "1 item(s) with neither title nor link dropped" in r.err
    d = r.json()
    for it in d["items"]:
        assert not it["title"].startswith((" ", "\n"))
        assert it["id"] == it["link"]          # guid = permalink
    assert "No Description" not in [it["summary"] for it in d["items"]]
    # "Ủy" spelled old style stays as published (keys fold it, not text)
    d0 = parse(FEEDS / "vnexpress_tin-moi-nhat_javascript0704b6.xml").json()
    assert d0["items"][0]["title"].startswith("Ủy ban")
    assert d0["items"][0]["summary"].startswith(
        "Quốc hội đánh giá việc các địa phương")


def test_vnexpress_the_gioi_degraded_keeps_its_item():
    r = parse(FEEDS / "vnexpress_the-gioi_2025.xml")
    assert r.rc == 0
    assert re.search(r"^bantin: warning: .*vnexpress_the-gioi_2025.xml: broken "
                     r"XML, read in recovery mode \(line \d+: .+\)$", r.err, re.M)
    d = r.json()
    assert d["feed"]["degraded"] is True
    assert d["items"][0]["summary"].startswith("Ngoại trưởng Israel cho biết")


def test_tuoitre_without_guid_uses_link_as_id():
    d = parse(FEEDS / "tuoitre_home_fixture.xml").json()
    it = d["items"][0]
    assert it["id"] == it["link"] == "https://news.tuoitre.vn/sample-article.htm"
    assert it["author"] == "Tuoi Tre News"


def test_stdin():
    with open(FEEDS / "cafef_2026-10-09.xml", "rb") as f:
        r = run("parse", "-", stdin=f)
    assert r.rc == 0
    assert len(r.json()["items"]) == 2


# ---- legacy encodings ------------------------------------------------------

def reference():
    r = parse(ENC / "utf-8.xml")
    assert r.rc == 0 and r.err == ""
    d = r.json()
    assert d["feed"]["title"] == "Ban Dân vận Tỉnh ủy Nghệ An"
    assert [it["title"] for it in d["items"]] == [
        "Đẩy mạnh phong trào thi đua Dân vận khéo ở cơ sở",
        "Hội nghị sơ kết quy chế dân chủ ở cơ sở"]
    assert d["items"][0]["summary"] == ("Ủy ban Mặt trận Tổ quốc tỉnh tổ chức "
                                        "hội nghị về công tác dân vận năm 2026.")
    return d


@pytest.mark.parametrize("name", [
    "windows-1258.xml", "tcvn3.xml", "tcvn3-label.xml", "viscii.xml",
    "utf-16le-bom.xml", "utf-16be-bom.xml", "utf-16le-nobom.xml",
])
def test_declared_encoding_decodes_to_the_same_feed(name):
    raw = (ENC / name).read_bytes()
    assert "Dân vận".encode() not in raw       # the bytes really are legacy
    r = parse(ENC / name)
    assert r.rc == 0 and r.err == ""
    assert r.json() == reference()


def test_declaration_beats_http_charset():
    r = parse(ENC / "windows-1258.xml", "--charset", "VISCII")
    assert r.rc == 0 and r.json() == reference()


@pytest.mark.parametrize("name,charset", [
    ("nodecl-windows-1258.xml", "windows-1258"),
    ("nodecl-tcvn3.xml", "TCVN3"),
])
def test_http_charset_used_without_declaration(name, charset):
    r = parse(ENC / name, "--charset", charset)
    assert r.rc == 0 and r.err == ""
    assert r.json() == reference()
    # without it, the bytes are not UTF-8: replaced, and said so, not fatal
    r = parse(ENC / name)
    assert r.rc == 0
    assert re.search(r"\d+ byte\(s\) not valid UTF-8, replaced by U\+FFFD",
                     r.err)
    assert "\ufffd" in r.json()["feed"]["title"]


def test_bom_beats_http_charset():
    r = parse(ENC / "bom-utf-8.xml", "--charset", "windows-1252")
    assert r.rc == 0 and r.json() == reference()


def test_unknown_encoding_read_as_utf8_with_warning():
    r = parse(ENC / "unknown-label.xml")
    assert r.rc == 0
    assert "unknown encoding 'x-no-such-charset', read as UTF-8" in r.err
    assert r.json() == reference()


def test_latin1_label_reads_cp1252_quotes():
    d = parse(ENC / "latin1-cp1252.xml").json()
    assert d["feed"]["title"] == "Café"
    assert d["items"][0]["title"] == "“Café” ngày"


def test_invalid_utf8_replaced_and_controls_stripped():
    r = parse(ENC / "invalid-utf-8.xml")
    assert r.rc == 0
    assert "5 byte(s) not valid UTF-8, replaced by U+FFFD" in r.err
    d = r.json()
    assert "degraded" not in d["feed"]
    # maximal subparts: \x80 -> 1, truncated E1 BB -> 1, overlong C0 AF -> 2
    assert [it["title"] for it in d["items"]] == [
        "A\ufffdB \ufffdC \ufffd\ufffdD", "CtrlABC", "Last one"]


# ---- formats -----------------------------------------------------------------

def test_atom10():
    r = parse(FORMATS / "atom10.xml")
    assert r.rc == 0 and r.err == ""
    d = r.json()
    check_shape(d, tags=False)
    assert d["feed"] == {"title": "Ban Dân vận Trung ương",
                         "link": "https://danvan.example.vn/", "kind": "atom"}
    a, b, c = d["items"]
    # rel absent = alternate; enclosure and a PDF alternate lose to it
    assert a["link"] == "https://danvan.example.vn/tin/bai-viet-1.html"
    assert a["id"] == "tag:danvan.example.vn,2026:1"
    assert a["title"] == "Dân vận khéo <không phải thẻ> & hiệu quả"
    assert a["published"] == "2026-10-15T01:30:00Z"
    assert a["updated"] == "2026-10-15T10:00:00Z"
    assert a["author"] == "Ban Dân vận Trung ương"     # inherited from feed
    assert a["categories"] == ["dan-van-kheo", "Mặt trận"]
    # type="text": "<" is text; entities are still decoded (double-escaping
    # producers are more common than literal "&amp;" in a summary)
    assert a["summary"] == "Tóm tắt có dấu < và & giữ nguyên"
    assert a["content"] == ('<p>Đoạn <b>một</b> &amp; <a href="/x?a=1&amp;b=2">'
                            'liên kết</a></p><br>')
    # entry xml:base; text/html alternate preferred; xhtml title
    assert b["link"] == "https://khac.example.vn/muc/bai-2.html"
    assert b["title"] == "Tiêu đề nghiêng & đậm"
    assert b["author"] == "Phóng viên A"
    assert b["published"] is None and b["updated"] == "2026-10-14T00:00:00Z"
    assert b["summary"] == "Nội dung HTML thứ hai"
    assert b["content"] == "<p>Nội dung <em>HTML</em> thứ hai</p>"
    # no link: an http id stands in; out-of-line content is not content
    assert c["link"] == "https://danvan.example.vn/tin/3"
    assert c["content"] is None and c["summary"] is None


def test_atom_without_namespace():
    r = parse(FORMATS / "atom-no-namespace.xml")
    assert r.rc == 0 and r.err == ""
    d = r.json()
    assert d["feed"] == {"title": "Atom without its namespace",
                         "link": "https://quen.example.vn/", "kind": "atom"}
    assert [(i["id"], i["title"], i["link"], i["updated"]) for i in d["items"]] \
        == [("urn:quen:1", "Mục không namespace", "https://quen.example.vn/1",
             "2026-10-01T00:00:00Z")]


def test_atom03():
    d = parse(FORMATS / "atom03.xml", "--base", "http://tinhuy.example.vn/feed").json()
    check_shape(d)
    assert d["feed"] == {"title": "Tỉnh ủy & HĐND",
                         "link": "http://tinhuy.example.vn/", "kind": "atom"}
    a, b = d["items"]
    assert a["published"] == "2026-10-10T07:00:00Z"     # issued
    assert a["updated"] == "2026-10-10T09:30:00Z"       # modified
    assert a["summary"] == "Tóm tắt hội nghị"
    assert a["content"] == "<p>Nội dung <b>đầy đủ</b></p>"   # mode=escaped
    assert b["published"] == "2026-10-08T09:30:00Z"     # created
    assert b["link"] == "http://tinhuy.example.vn/tin/11"    # --base
    assert b["content"] == "<p>Nội dung <b>XML</b></p>"     # mode=xml


def test_rss10_rdf_with_base():
    r = parse(FORMATS / "rss10-rdf.xml", "--base",
              "https://mattran.example.vn/rss/")
    assert r.rc == 0 and r.err == ""
    d = r.json()
    check_shape(d)
    # the <image> title is not the channel title
    assert d["feed"] == {"title": "Mặt trận Tổ quốc",
                         "link": "https://mattran.example.vn/", "kind": "rdf"}
    a, b = d["items"]
    assert a["link"] == "https://mattran.example.vn/rss/tin/a.html"
    assert a["published"] == "2026-10-12T02:15:00Z"     # dc:date
    assert a["author"] == "Nguyễn Văn B"
    assert a["categories"] == ["Mặt trận", "Đại hội"]
    assert a["summary"] == "Mô tả ngắn"
    assert a["content"] == "<p>Toàn văn <strong>đại hội</strong></p>"
    assert b["link"] == "https://mattran.example.vn/chuyen-muc/b.html"  # xml:base
    assert b["published"] == "2026-10-12T03:00:00Z"     # Vietnamese d/m/Y


def test_relative_link_without_base_is_null_never_relative():
    d = parse(FORMATS / "rss10-rdf.xml").json()
    a, b = d["items"]
    assert a["link"] is None
    assert a["id"].startswith("urn:bantin:") and len(a["id"]) == 27
    assert b["link"] == "https://mattran.example.vn/chuyen-muc/b.html"


def test_rss090():
    d = parse(FORMATS / "rss090.xml").json()
    assert d["feed"]["kind"] == "rdf"
    assert [(i["title"], i["link"]) for i in d["items"]] == \
        [("Tin RSS 0.90", "http://cu.example.vn/tin/1")]


def test_rss091_doctype_entities_decoded_not_expanded():
    r = parse(FORMATS / "rss091-doctype.xml")
    assert r.rc == 0 and r.err == ""
    it = r.json()["items"][0]
    assert it["title"] == "Café sáng & tôi"
    assert it["summary"] == "Hai từ"


def test_rss20_links_ids_and_dates():
    r = parse(FORMATS / "rss20-links.xml", "--base",
              "https://tinhuy.example.vn/rss/feed.xml")
    assert r.rc == 0
    assert "1 item(s) with neither title nor link dropped" in r.err
    assert "1 date(s) not understood, left empty" in r.err
    d = r.json()
    check_shape(d)
    # atom:link rel=alternate when the channel has no <link>; not rel=self
    assert d["feed"]["link"] == "https://tinhuy.example.vn/trang-chu"
    items = {it["title"]: it for it in d["items"]}
    assert len(items) == 7
    rel = items["Relative link"]
    assert rel["link"] == "https://tinhuy.example.vn/tin/1.html"
    assert rel["id"] == "abc-1"
    assert rel["author"] == "Tác giả Một"           # dc:creator first
    assert rel["categories"] == ["Xây dựng Đảng", "Dân vận", "Chính quyền"]
    assert rel["published"] == "2026-10-11T01:00:00Z"   # bad pubDate, dc:date ok
    assert items["javascript link"]["link"] is None
    assert items["data link, guid permalink"]["link"] == \
        "https://tinhuy.example.vn/tin/3.html"
    nope = items["guid not permalink"]
    assert nope["link"] is None and nope["published"] is None
    assert nope["id"] == "https://tinhuy.example.vn/tin/4.html"
    assert items["mailto and file"]["link"] is None
    assert items["Space and IRI"]["link"] == \
        "https://tinhuy.example.vn/t%C3%ACm%20ki%E1%BA%BFm?q=d%C3%A2n%20v%E1%BA%ADn"
    h = items["Hash id"]
    assert re.fullmatch(r"urn:bantin:[0-9a-f]{16}", h["id"])
    # stable: the same title and date give the same id on every run
    assert parse(FORMATS / "rss20-links.xml").json()["items"][-1]["id"] == h["id"]


def test_tolerances():
    r = parse(FORMATS / "tolerances.xml")
    assert r.rc == 0 and r.err == ""
    d = r.json()
    assert "degraded" not in d["feed"]       # blank lines before <?xml
    assert d["feed"]["title"] == "Items directly under rss, no channel"
    a, b = d["items"]
    assert a["content"] == "<p>Nội dung đầy đủ</p>"   # undeclared content:
    assert a["summary"] == "Nội dung đầy đủ"          # from the content
    assert a["author"] == "Người viết"                # undeclared dc:
    assert a["published"] == "2026-10-09T00:34:21Z"
    assert b["summary"] == "Đoạn một Đoạn hai"        # unescaped <p>s


def test_raw_html_entities_outside_cdata():
    # undeclared, they would make the feed not XML; they are decoded instead
    r = parse(FORMATS / "raw-html-entities.xml")
    assert r.rc == 0 and r.err == ""
    d = r.json()
    assert "degraded" not in d["feed"]
    assert d["feed"]["title"] == "Ban Dân vận – tin mới"
    a, b = d["items"]
    assert a["title"] == 'Ngôi sao tỏa sáng & "dân vận"'
    assert a["summary"] == "Mô tả ngắn"
    assert b["title"] == "AT&T & VNPT"


def test_bare_ampersands_repaired():
    r = parse(FORMATS / "bare-ampersand.xml")
    assert r.rc == 0
    assert re.fullmatch(r"bantin: warning: \S+: broken XML, read in recovery "
                        r"mode \(line 4: [^\n]+\)\n", r.err)
    d = r.json()
    assert d["feed"]["degraded"] is True
    assert d["feed"]["title"] == "Kinh tế & Xã hội"
    assert d["feed"]["link"] == "https://amp.example.vn/?a=1&b=2"
    a, b = d["items"]
    assert a["title"] == "Tom & Jerry"
    assert a["link"] == "https://amp.example.vn/tin?id=1&lang=vi"
    assert a["summary"] == "x R&D"            # CDATA left as it was
    # without the repair, libxml2 drops every &amp; after the first error
    assert b["title"] == "Sau lỗi: AT&T & VNPT"


# ---- hostile documents -----------------------------------------------------

REFUSED = [
    # file, exit status, stderr (exact, with the name as given)
    ("billion-laughs.xml", 65,
     "bantin: billion-laughs.xml: document declares entities (refused)\n"),
    ("quadratic-blowup.xml", 65,
     "bantin: quadratic-blowup.xml: document declares entities (refused)\n"),
    ("xxe-file.xml", 65,
     "bantin: xxe-file.xml: document declares entities (refused)\n"),
    ("xxe-param.xml", 65,
     "bantin: xxe-param.xml: document declares entities (refused)\n"),
    ("page.html", 65,
     "bantin: page.html: not a feed (root element <html>)\n"),
    ("data.json", 65, "bantin: data.json: not a feed (not XML)\n"),
    ("plain.txt", 65, "bantin: plain.txt: not a feed (not XML)\n"),
    ("empty.xml", 65, "bantin: empty.xml: not a feed (empty document)\n"),
    ("blank.xml", 65, "bantin: blank.xml: not a feed (empty document)\n"),
    ("deep-nesting.xml", 65, "bantin: deep-nesting.xml: document nested "
     "deeper than 200 elements (refused)\n"),
]


@pytest.mark.parametrize("name,rc,err", REFUSED)
def test_refused(name, rc, err):
    r = parse(name, cwd=HOSTILE)
    assert r.rc == rc
    assert r.err == err
    assert r.out == ""
    check_bounded(r)


def test_quadratic_blowup_never_expands():
    r = parse(HOSTILE / "quadratic-blowup.xml")
    # expanded, the title alone would be 250 MB
    assert r.maxrss_kb < 100 * 1024
    assert r.seconds < 5


@pytest.mark.parametrize("name", ["xxe-file.xml", "xxe-param.xml"])
def test_xxe_never_reads_the_file(name):
    r = parse(HOSTILE / name)
    assert "root:" not in r.out and "root:" not in r.err
    assert "/bin/" not in r.out + r.err


def test_external_dtd_not_loaded():
    # port 9 (discard) on 127.0.0.1: a load attempt would fail or hang;
    # either way the DTD is never read, and &nbsp; is left to the HTML decoder
    r = parse(HOSTILE / "external-dtd.xml")
    assert r.rc == 0 and r.err == ""
    check_bounded(r)
    assert r.seconds < 5
    it = r.json()["items"][0]
    assert it["title"] == "Tin có DTD ngoài"


def test_many_items_capped():
    r = parse("many-items.xml", cwd=HOSTILE)
    assert r.rc == 0
    assert r.err == ("bantin: warning: many-items.xml: 8500 item(s) past the "
                     "limit of 2000 dropped\n")
    check_bounded(r)
    d = r.json()
    assert [it["title"] for it in d["items"]] == [str(i) for i in range(2000)]


def test_huge_title_cut_on_utf8_boundary():
    r = parse(HOSTILE / "huge-title.xml")
    assert r.rc == 0
    check_bounded(r)
    t = r.json()["items"][0]["title"]
    n = len(t.encode())
    assert 900 < n <= 1024
    assert ("Nghệ An dân vận khéo " * 60).startswith(t[:-20])


def test_truncated_keeps_complete_items_only():
    r = parse("truncated.xml", cwd=HOSTILE)
    assert r.rc == 0
    assert re.fullmatch(r"bantin: warning: truncated.xml: broken XML, read in "
                        r"recovery mode \(line \d+: [^\n]+\)\n", r.err)
    d = r.json()
    assert d["feed"]["degraded"] is True
    assert [it["title"] for it in d["items"]] == [
        "Một tuần Hà Nội có 1.400 người bệnh sốt xuất huyết vào viện",
        "Phó tổng tư lệnh quân đội Australia thăm Việt Nam"]


def test_truncated_inside_an_item_title():
    # cut right after an item's <title>: that item is dropped, whatever the
    # parser error is
    src = (FEEDS / "vnexpress_tin-moi-nhat_string1808.xml").read_text()
    cut = src.index("<title>", src.index("<item>", src.index("<item>") + 1))
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
        f.write(src[:cut + 12])
        f.flush()
        r = parse(f.name)
    assert r.rc == 0
    assert len(r.json()["items"]) == 1


def test_missing_file():
    r = parse("no-such-feed.xml", cwd=HOSTILE)
    assert r.rc == 66
    assert r.err == "bantin: no-such-feed.xml: No such file or directory\n"
