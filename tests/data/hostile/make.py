#!/usr/bin/python3
"""Regenerate the hostile documents of this folder (the files are committed;
this only documents how the big ones were made). Deterministic."""
import os

os.chdir(os.path.dirname(os.path.abspath(__file__)))


def write(name, data):
    with open(name, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# Billion laughs: 10 levels of 10 references, 10^9 "lol"s if expanded.
lol = ['<?xml version="1.0"?>', "<!DOCTYPE rss [", ' <!ENTITY lol "lol">']
for i in range(1, 10):
    prev = "lol" if i == 1 else "lol%d" % (i - 1)
    lol.append(' <!ENTITY lol%d "%s">' % (i, ("&%s;" % prev) * 10))
lol += ["]>", '<rss version="2.0"><channel><title>lol</title>',
        "<item><title>&lol9;</title><link>https://example.vn/lol</link></item>",
        "</channel></rss>", ""]
write("billion-laughs.xml", "\n".join(lol))

# Quadratic blowup: one 50 KB entity referenced 5 000 times (250 MB if
# expanded, from an 80 KB file); no nesting, so libxml2's loop check
# does not see it.
write("quadratic-blowup.xml",
      '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "' + "A" * 50000 +
      '">]>\n<rss version="2.0"><channel><title>q</title><item><title>' +
      "&a;" * 5000 + "</title><link>https://example.vn/q</link></item>"
      "</channel></rss>\n")

# 10 500 items: 2 000 are kept.
items = "".join("<item><title>%d</title></item>\n" % i for i in range(10500))
write("many-items.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
      '<rss version="2.0"><channel><title>Many</title>\n' + items +
      "</channel></rss>\n")

# 100 000 nested elements inside an item (never closed: the parser must
# give up long before the end).
write("deep-nesting.xml", '<?xml version="1.0"?>\n<rss version="2.0"><channel>'
      "<title>deep</title><item><title>deep</title>" + "<a>" * 100000 + "x\n")

# A 27 KB title of Vietnamese words (2- and 3-byte letters): cut to
# 1 024 bytes on a UTF-8 boundary.
word = "Nghệ An dân vận khéo "
write("huge-title.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
      '<rss version="2.0"><channel><title>huge</title><item><title>' +
      word * 1000 + "</title><link>https://example.vn/huge</link>"
      "</item></channel></rss>\n")
