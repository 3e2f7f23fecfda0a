#!/usr/bin/python3
"""Regenerate article_*.html: the text of each seed in ../shared/seeds/ put back
into the CMS markup its site uses, with the boilerplate the seed shows around
it (banners, menus, "Tin cùng chuyên mục" lists, visitor counters, licence
footers, captions). Run from the repository root:
    /usr/bin/python3 tests/data/html/make_articles.py
The output is committed; the tests do not run this script."""
import glob
import html
import json
import os

SEEDS = os.path.join(os.path.dirname(__file__), '../../../../shared/seeds')
OUT = os.path.dirname(__file__)


def paras(name):
    path = glob.glob(os.path.join(SEEDS, name + '_*.txt'))[0]
    text = open(path, encoding='utf-8').read()
    return [p.strip() for p in text.split('\n\n') if p.strip()]


def e(s):
    return html.escape(s, quote=False)


def ps(lines):
    return '\n'.join('<p style="text-align: justify;">%s</p>' % e(p) for p in lines)


def write(name, page):
    with open(os.path.join(OUT, name), 'w', encoding='utf-8') as f:
        f.write(page)


# 000: a SharePoint sub-site of the Nghệ An Party portal.
def seed0():
    p = paras('000')
    title, body, author = p[1], p[2:13], p[13:15]
    related = [p[16], p[18], p[20], p[22], p[23], p[25], p[27], p[29], p[31],
               p[32], p[34], p[36], p[38]]
    items = '\n'.join(
        '<li class="item"><a class="thumb" href="/sub-site-1/Pages/tin-%d.aspx" '
        'title="%s"><img src="/sub-site-1/PublishingImages/t%d.jpg" alt="%s" /></a>'
        '<h4><a href="/sub-site-1/Pages/tin-%d.aspx">%s</a></h4>'
        '<p class="sapo">%s</p></li>' % (i, e(t), i, e(t), i, e(t), e(t))
        for i, t in enumerate(related))
    write('article_000.html', f'''<!DOCTYPE html>
<html dir="ltr" lang="vi-VN">
<head><meta http-equiv="Content-type" content="text/html; charset=utf-8" />
<title>{e(title)}</title>
<meta property="og:title" content="{e(title)}" />
<meta property="og:type" content="article" />
<meta property="og:url" content="https://nghean.dcs.vn/sub-site-1/Pages/boi-duong-nghiep-vu-cong-tac-dan-van-nam-2020.aspx" />
<script type="application/ld+json">
{{"@context": "https://schema.org", "@graph": [
  {{"@type": "WebSite", "name": "Ban Dân vận Tỉnh ủy Nghệ An"}},
  {{"@type": "NewsArticle", "headline": {json.dumps(title, ensure_ascii=False)},
   "datePublished": "2020-09-17T15:30:00+07:00",
   "author": {{"@type": "Person", "name": "Quỳnh Anh"}},
   "description": {json.dumps(body[0][:120], ensure_ascii=False)}}}]}}
</script>
<link rel="stylesheet" type="text/css" href="/_layouts/15/1066/styles/Themable/corev15.css"/>
<script type="text/javascript">var _spPageContextInfo = {{webServerRelativeUrl: "\\u002fsub-site-1", webLanguage: 1066}};</script>
</head>
<body>
<form method="post" action="./boi-duong-nghiep-vu-cong-tac-dan-van-nam-2020.aspx" id="aspnetForm">
<div class="aspNetHidden"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUBMA9kFgJmD2QWAgIBD2QWBAIBD2Q=" /></div>
<div id="s4-workspace"><div id="s4-bodyContainer">
<div id="ctl00_divBanner" class="banner-top"><a href="/sub-site-1"><img src="/sub-site-1/SiteAssets/banner.jpg" alt="Banner Ban dân vận tỉnh ủy sub-site-1" /></a></div>
<div id="ctl00_divMenu" class="menu-top"><ul class="root static">
<li><a href="/sub-site-1/Pages/default.aspx">Trang chủ</a></li>
<li><a href="/sub-site-1/Pages/gioi-thieu.aspx">Giới thiệu</a></li>
<li><a href="/sub-site-1/Pages/tin-hoat-dong.aspx">Tin hoạt động</a></li>
<li><a href="/sub-site-1/Pages/dan-van-kheo.aspx">Dân vận khéo</a></li>
</ul></div>
<div id="contentRow"><div id="DeltaPlaceHolderMain">
<div id="ctl00_PlaceHolderMain_ctl00_divDetail" class="news-detail">
<h1 class="news-title">{e(title)}</h1>
<div id="ctl00_PlaceHolderMain_ctl01__ControlWrapper_RichHtmlField" class="news-content ms-rtestate-field" style="display:inline">
{ps(body)}
<p style="text-align: right;"><strong>{e(author[0])}&nbsp;</strong></p>
<p style="text-align: right;">{e(author[1])}&nbsp;</p>
</div>
</div>
<div id="ctl00_PlaceHolderMain_ctl02_divOther" class="other-news">
<div class="title-box">{e(p[15])}</div>
<ul class="list-item">
{items}
</ul>
</div>
</div></div>
<div id="ctl00_divFooter" class="footer-bottom"><p>Bản quyền thuộc về Ban Dân vận Tỉnh ủy Nghệ An. Giấy phép số 12/GP-STTTT.</p></div>
</div></div>
</form>
</body>
</html>
''')


# 001: NukeViet 4, with a marquee banner and a visitor counter block.
def seed1():
    p = paras('001')
    banner = p[0].split('\n', 1)[1]
    title, date, first, caption, rest, author = p[1], p[2], p[3], p[4], p[5:10], p[10]
    write('article_001.html', f'''<!DOCTYPE html>
<html lang="vi" xmlns="http://www.w3.org/1999/xhtml" prefix="og: http://ogp.me/ns#">
<head>
<title>{e(title)} - Ban Dân vận Tỉnh ủy</title>
<meta name="description" content="{e(first[:150])}" />
<meta name="generator" content="NukeViet v4.4" />
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta property="og:title" content="{e(title)}" />
<meta property="og:type" content="article" />
<meta property="article:published_time" content="2022-09-15T08:30:00+07:00" />
<meta property="article:section" content="Tin hoạt động" />
<link rel="StyleSheet" href="/themes/default/css/bootstrap.min.css">
<script>var nv_base_siteurl="/",nv_lang_data="vi",nv_my_ofs=7,nv_my_abbr="+07";</script>
</head>
<body>
<div class="wraper">
<header>
<div class="container"><div id="header" class="row"><div class="logo col-xs-24"><a title="Ban Dân vận Tỉnh ủy" href="/"><img src="/uploads/logo.png" alt="Ban Dân vận Tỉnh ủy" /></a></div></div></div>
<div class="container"><div class="row"><div class="col-md-24"><span class="hidden">Main</span><marquee behavior="scroll" scrollamount="4">{e(banner)}</marquee></div></div></div>
</header>
<nav class="second-nav" id="menusite"><ul class="nav navbar-nav">
<li><a href="/">Trang chủ</a></li><li><a href="/news/tin-hoat-dong/">Tin hoạt động</a></li><li><a href="/news/dan-van-kheo/">Dân vận khéo</a></li><li><a href="/laws/">Văn bản</a></li>
</ul></nav>
<section><div class="container" id="body"><div class="row">
<div class="col-md-18">
<div class="news_column panel panel-default" itemtype="http://schema.org/NewsArticle" itemscope>
<div class="panel-body">
<h1 class="title margin-bottom-lg" itemprop="headline">{e(title)}</h1>
<div class="row margin-bottom-lg"><div class="col-md-12"><span class="h5">{e(date)}</span></div>
<div class="col-md-12"><ul class="list-inline text-right send-to-friend"><li><a class="dimgray" rel="nofollow" title="Gửi bài viết qua email" href="javascript:void(0);"><em class="fa fa-envelope fa-lg">&nbsp;</em></a></li><li><a class="dimgray" rel="nofollow" title="In ra" href="javascript:void(0);"><em class="fa fa-print fa-lg">&nbsp;</em></a></li></ul></div></div>
<div class="clearfix"><div id="news-bodyhtml" class="bodytext margin-bottom-lg">
<p style="text-align: justify;">{e(first)}</p>
<figure class="image" style="display:inline-block"><img alt="{e(caption)}" height="533" src="/uploads/news/2022_09/hoi-thao.jpg" width="800" />
<figcaption>{e(caption)}</figcaption></figure>
{ps(rest)}
<p style="text-align: right;"><strong>{e(author)}</strong></p>
</div></div>
</div></div>
<div class="panel panel-default">
<div class="panel-heading">{e(p[11].splitlines()[0])}</div>
<div class="panel-body"><ul class="list-none">
<li><span>{e(p[11].splitlines()[1])}</span></li>
<li><span>{e(p[11].splitlines()[2])}</span></li>
<li><span>{e(p[12])}</span></li>
<li><span>{e(p[13])}</span></li>
<li><span>{e(p[14])}</span></li>
</ul></div></div>
</div>
</div></div></section>
<footer id="footer"><div class="container"><p>Bản quyền thuộc về Ban Dân vận Tỉnh ủy. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p></div></footer>
</div>
</body>
</html>
''')


# 002: an old ASP.NET newspaper portal (LSO); the caption is a table cell.
def seed2():
    p = paras('002')
    date, title, sapo, caption, body, author = p[0], p[1], p[2], p[3], p[4:11], p[11]
    cap = '<br />'.join(e(c) for c in caption.split('\n'))
    write('article_002.html', f'''<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head id="Head1"><meta http-equiv="Content-Type" content="text/html; charset=utf-8" /><title>
	{e(title)}
</title>
<link href="/Css/style.css" rel="stylesheet" type="text/css" /></head>
<body>
<form name="form1" method="post" action="./Default.aspx?tabid=1&amp;ID=2145" id="form1">
<div><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwULLTE2MTY2ODcyMjlkZA==" /></div>
<table width="1000" border="0" cellspacing="0" cellpadding="0" align="center">
<tr><td class="top_bar"><span id="lblDate">{e(date)}</span> | <a href="/">Trang chủ</a> | <a href="/lien-he">Liên hệ</a></td></tr>
<tr><td><img src="/images/banner_bdv.jpg" width="1000" height="150" alt="" /></td></tr>
<tr><td class="menu"><a href="/">TRANG CHỦ</a> <a href="/tin-tuc">TIN TỨC</a> <a href="/van-ban">VĂN BẢN</a> <a href="/dan-van-kheo">DÂN VẬN KHÉO</a></td></tr>
<tr><td valign="top">
<table width="100%" cellpadding="0" cellspacing="0"><tr>
<td width="220" valign="top" class="left_col">
<div class="box_title">Chuyên mục</div>
<ul><li><a href="/tin-tuc">Tin tức - Sự kiện</a></li><li><a href="/nghien-cuu">Nghiên cứu - Trao đổi</a></li><li><a href="/guong-dien-hinh">Gương điển hình</a></li></ul>
</td>
<td valign="top" class="center_col">
<div id="divNews">
<h2 class="news_title"><span id="lblTitle">{e(title)}</span></h2>
<div class="news_sapo"><strong><span id="lblSapo">{e(sapo)}</span></strong></div>
<div id="divNoiDung">
<p>&nbsp;</p>
<table align="center" border="0" cellpadding="3" cellspacing="0" width="450">
<tbody>
<tr><td><img alt="" src="/Uploads/2018/12/25/hoi-nghi.jpg" style="width: 450px; height: 300px;" /></td></tr>
<tr><td><em>{cap}</em></td></tr>
</tbody>
</table>
{ps(body)}
<p style="text-align: right;"><strong>{e(author)}</strong></p>
</div>
<div class="tool"><a href="javascript:window.print()">In bài viết</a> | <a href="mailto:?subject=tin">Gửi email</a> | <a href="/">Quay lại</a></div>
</div>
</td>
</tr></table>
</td></tr>
<tr><td class="bottom">Cơ quan chủ quản: Ban Dân vận Tỉnh ủy. Giấy phép số 05/GP-STTTT. Ghi rõ nguồn khi phát hành lại thông tin.</td></tr>
</table>
</form>
</body>
</html>
''')


# 003: a VNPT provincial portal; lists and footer share the content cell.
def seed3():
    p = paras('003')
    title, first, img_title, caption, body, source = p[0], p[2], p[3], p[4], p[5:16], p[16]
    other = '\n'.join('<li>%s <span class="date">%s</span></li>' % (
        '• <a href="/Pages/tin.aspx?ItemID=%d">%s</a>' % (i, e(t[2:t.rindex(' (')])),
        e(t[t.rindex(' ('):].strip())) for i, t in enumerate(p[18:24]))
    newest = '\n'.join('<li>%s <span class="date">%s</span></li>' % (
        '• <a href="/Pages/tin.aspx?ItemID=%d">%s</a>' % (100 + i, e(t[2:t.rindex(' (')])),
        e(t[t.rindex(' ('):].strip())) for i, t in enumerate(p[25:31]))
    counter = p[34][p[34].index('Hôm nay'):]
    footer = p[34][:p[34].index('Hôm nay')].strip()
    cnt = ' '.join('%s<b>%s</b>' % (w, n) for w, n in
                   [('Hôm nay', '411'), ('Hôm qua', '2,124'), ('Tuần này', '10,369'),
                    ('Tuần trước', '16,768'), ('Tháng này', '63,389'), ('Tháng trước', '75,669')])
    assert counter.replace(' ', '') == cnt.replace('<b>', '').replace('</b>', '').replace(' ', '')
    lic = '<br />\n'.join(e(x) for x in p[33].split('\n'))
    write('article_003.html', f'''<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>Ban Dân vận Tỉnh ủy Hưng Yên</title>
<meta property="og:title" content="{e(title)}" />
<meta property="og:description" content="{e(first[:160])}" />
<link href="/portal/css/portal.css" rel="stylesheet" />
</head>
<body>
<div id="wrapper">
<div id="banner"><img src="/portal/images/banner.png" alt="Ban Dân vận Tỉnh ủy Hưng Yên" /></div>
<div id="topmenu"><a href="/">Trang chủ</a> | <a href="/gioi-thieu">Giới thiệu</a> | <a href="/tin-tuc">Tin tức</a> | <a href="/van-ban">Văn bản</a></div>
<table width="100%" cellpadding="0" cellspacing="0"><tr>
<td class="cot-trai" valign="top"><div class="tieude">Liên kết</div><a href="http://danvan.vn">Ban Dân vận Trung ương</a><br /><a href="http://hungyen.gov.vn">Cổng TTĐT tỉnh</a></td>
<td class="cot-giua" valign="top">
<div class="tieude-tin">{e(title)}</div>
<h3 class="title">{e(title)}</h3>
<p style="text-align: justify;"><strong>{e(first)}</strong></p>
<p style="text-align: center;"><img src="/portal/Images/2020/12/31/hoi-nghi.jpg" alt="" width="600" /></p>
<p style="text-align: center;"><em>{e(img_title)}</em></p>
<p style="text-align: center;"><em>{e(caption)}</em></p>
{ps(body)}
<p style="text-align: right;"><strong>{e(source)}</strong></p>
<p>&nbsp;</p>
<div class="khung">
<div class="tieude">{e(p[17])}</div>
<ul>
{other}
</ul>
</div>
<div class="khung">
<div class="tieude">{e(p[24])}</div>
<ul>
{newest}
</ul>
</div>
</td>
</tr></table>
<div id="chantrang">
<p><strong>{e(p[31])}</strong></p>
<p>{e(p[32])}</p>
<p>{lic}</p>
<p>{e(footer)}</p>
<div class="dem">{cnt}</div>
</div>
</div>
</body>
</html>
''')


# 004: a district page on the Hà Nội SharePoint portal.
def seed4():
    p = paras('004')
    cate = p[0]
    title, meta = p[1].split('\n')
    body, author = p[2:7], p[7]
    write('article_004.html', f'''<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html dir="ltr" lang="vi-VN">
<head><meta name="GENERATOR" content="Microsoft SharePoint" /><meta http-equiv="Content-type" content="text/html; charset=utf-8" />
<meta property="og:title" content="{e(title)}" />
<meta property="article:published_time" content="2020-10-15T13:50:00+07:00" />
<title>
	{e(title)}
</title></head>
<body>
<form method="post" action="./khai-mac-lop-tap-huan.aspx" id="aspnetForm">
<div class="aspNetHidden"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1Mg9kFgJmD2QWAgIBD2QWAgIBD2QWAgIDD2QWAg==" /></div>
<div id="s4-workspace"><div id="s4-bodyContainer">
<div class="header"><img src="/thanhtri/SiteAssets/banner.jpg" alt="Cổng thông tin điện tử huyện Thanh Trì" /></div>
<div class="menu-ngang"><a href="/thanhtri">Trang chủ</a><a href="/thanhtri/tin-tuc">Tin tức</a><a href="/thanhtri/dang-doan-the">Đảng, đoàn thể</a></div>
<div id="ctl00_PlaceHolderMain_divCate" class="cate-name"><a href="/thanhtri/dang-doan-the">{e(cate)}</a></div>
<div id="ctl00_PlaceHolderMain_divNews">
<h1 id="ctl00_PlaceHolderMain_lblTitle">{e(title)}</h1>
<div class="ngay-dang">{e(meta)}</div>
<div id="ctl00_PlaceHolderMain_ctl03__ControlWrapper_RichHtmlField" class="ms-rtestate-field" style="display:inline" aria-labelledby="ctl00_PlaceHolderMain_ctl03_label">
<div>{'</div><div>'.join(e(b) for b in body)}</div>
<div style="text-align: right;"><strong>{e(author)}</strong></div>
</div>
</div>
<div class="ms-webpart-zone"><div class="box-tin"><div class="box-tieude">Tin khác</div>
<div><a href="/thanhtri/tin/1">Hội nghị sơ kết công tác dân vận 9 tháng năm 2020</a></div>
<div><a href="/thanhtri/tin/2">Ra quân hưởng ứng Ngày truyền thống công tác dân vận của Đảng</a></div>
</div></div>
</div></div>
</form>
</body>
</html>
''')


seed0()
seed1()
seed2()
seed3()
seed4()
