#!/usr/bin/env python3
"""An independent reader of quarry's REFI-QDA export, for the tests.

Usage: refi_reader.py PROJECT.qdpx QUOTES.json [SCHEMA.xsd]

Reads the archive with zipfile and lxml (nothing of quarry's), slices every coded
selection out of its source text by code points, as the REFI-QDA standard counts them,
and checks that the coded passages are exactly the quotes `quarry export quotes --format
json` gives: the same (document, coder, text) rows, as many times each. Also checks that
every reference resolves (codes, users, sources' text files) and, given the schema, that
project.qde validates. Prints a one-line summary; exits 1 on the first mismatch.
"""

import json
import sys
import zipfile
from collections import Counter

from lxml import etree

NS = {"q": "urn:QDA-XML:project:1.0"}


def fail(message):
    print(f"refi_reader: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) not in (3, 4):
        fail(__doc__.strip().splitlines()[2])
    archive, quotes_file = sys.argv[1], sys.argv[2]
    with zipfile.ZipFile(archive) as z:
        qde = z.read("project.qde")
        root = etree.fromstring(qde)
        if len(sys.argv) == 4:
            schema = etree.XMLSchema(etree.parse(sys.argv[3]))
            if not schema.validate(root):
                fail(f"project.qde does not validate: {schema.error_log.last_error}")

        codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", NS)}
        users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
        passages = Counter()
        for source in root.iterfind(".//q:TextSource", NS):
            path = source.get("plainTextPath", "")
            if not path.startswith("internal://"):
                fail(f"source {source.get('name')!r}: plainTextPath {path!r} is not internal://")
            text = z.read("sources/" + path[len("internal://"):]).decode("utf-8")
            for sel in source.iterfind("q:PlainTextSelection", NS):
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                if not 0 <= start <= end <= len(text):
                    fail(f"selection {sel.get('guid')} [{start}, {end}) outside its text")
                for coding in sel.iterfind("q:Coding", NS):
                    ref = coding.find("q:CodeRef", NS).get("targetGUID")
                    if ref not in codes:
                        fail(f"coding {coding.get('guid')} names no code ({ref})")
                    user = coding.get("creatingUser")
                    if user not in users:
                        fail(f"coding {coding.get('guid')} names no user ({user})")
                    passages[(source.get("name"), users[user], text[start:end])] += 1

    with open(quotes_file, encoding="utf-8") as f:
        # One quote per segment and code lists every coder who accepted it; each made a coding.
        quotes = Counter((q["document"], c, q["text"])
                         for q in json.load(f) for c in (q.get("coders") or [q.get("coder")]))
    if passages != quotes:
        missing = list((quotes - passages).items())[:3]
        extra = list((passages - quotes).items())[:3]
        fail(f"coded passages differ from the quotes: missing {missing}, extra {extra}")
    print(f"refi_reader: {sum(passages.values())} coded passages match the quotes")


if __name__ == "__main__":
    main()
