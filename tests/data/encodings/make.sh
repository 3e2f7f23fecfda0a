#!/bin/sh
# Regenerate the legacy-encoded fixtures from source-utf8.xml.in with glibc
# iconv (the bytes are committed; this only documents how they were made).
set -e
cd "$(dirname "$0")"
gen() { # FILE DECLARED-ENCODING ICONV-NAME
    sed "s/@ENC@/$2/" source-utf8.xml.in | iconv -f UTF-8 -t "$3" > "$1"
}
nodecl() { # FILE ICONV-NAME: no XML declaration at all
    sed 1d source-utf8.xml.in | iconv -f UTF-8 -t "$2" > "$1"
}
gen windows-1258.xml windows-1258 WINDOWS-1258
gen tcvn3.xml TCVN5712-1 TCVN5712-1
gen tcvn3-label.xml TCVN3 TCVN5712-1
gen viscii.xml VISCII VISCII
gen utf-8.xml UTF-8 UTF-8
nodecl nodecl-windows-1258.xml WINDOWS-1258
nodecl nodecl-tcvn3.xml TCVN5712-1
# UTF-16 with a byte order mark, and without one (wide text detection)
gen utf-16le-bom.xml UTF-16 UTF-16LE && printf '\377\376' | cat - utf-16le-bom.xml > t && mv t utf-16le-bom.xml
gen utf-16be-bom.xml UTF-16 UTF-16BE && printf '\376\377' | cat - utf-16be-bom.xml > t && mv t utf-16be-bom.xml
gen utf-16le-nobom.xml UTF-16 UTF-16LE
# UTF-8 with a BOM and no declaration: the BOM beats --charset
sed 1d source-utf8.xml.in | { printf '\357\273\277'; cat; } > bom-utf-8.xml
# An unknown encoding name: read as UTF-8, with a warning
gen unknown-label.xml x-no-such-charset UTF-8
# latin1 label on cp1252 bytes (curly quotes 0x93 0x94)
printf '<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss version="2.0"><channel><title>Caf\351</title><item><title>\223Caf\351\224 ng\340y</title><link>https://example.vn/cafe</link></item></channel></rss>\n' > latin1-cp1252.xml
# Invalid UTF-8 (a lone continuation byte, a truncated 3-byte letter, an
# overlong slash) and XML-illegal controls (0x01, 0x0B, 0x1F) in titles
printf '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Bad bytes</title>\n<item><title>A\200B \341\273C \300\257D</title><link>https://example.vn/bad</link></item>\n<item><title>Ctrl\001A\013B\037C</title><link>https://example.vn/ctrl</link></item>\n<item><title>Last one</title><link>https://example.vn/last</link></item>\n</channel></rss>\n' > invalid-utf-8.xml
