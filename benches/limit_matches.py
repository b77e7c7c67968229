#!/usr/bin/env python3
"""Counts the `rules` limit's matches per rule (its --emit lines on stdin), as it gives them
and as quarry's query language reads its terms: quarry's phrases do not run across a clause
break or a sentence end (README, "Query syntax"), while the limit matches the words of a
term whatever stands between them. A match counts when one of its evidence items is a single
word or a phrase whose words are separated only by gaps that do not break. Prints
{"raw": {rule: n}, "phrases_within_clauses": {rule: n}} on stdout.

A gap breaks (as src/text/analyzer.rs `step` and `sentence_starts` decide) when it holds a
dash or a bracket; or a space together with , ; : - . ! ? or an ellipsis; or a blank line.
"""
import collections
import json
import re
import sys

# Words as the limit's evidence text shows them: letters and digits, joined inside a word
# by an apostrophe, a full stop or a colon between letters or digits (UAX #29).
WORD = re.compile(r"\w+(?:['\u2019.:]\w+)*")
ALWAYS = set("\u2013\u2014\u2015()[]{}")
SPACED = set(",;:-.!?\u2026")


def breaks(gap):
    if any(c in ALWAYS for c in gap):
        return True
    if any(c.isspace() for c in gap) and any(c in SPACED for c in gap):
        return True
    return len(re.findall(r"\r\n|\r|\n", gap)) >= 2


def within_clauses(text):
    spans = [m.span() for m in WORD.finditer(text)]
    return not any(breaks(text[a[1]:b[0]]) for a, b in zip(spans, spans[1:]))


raw, kept = collections.Counter(), collections.Counter()
for line in sys.stdin:
    m = json.loads(line)
    raw[m["rule"]] += 1
    if any(within_clauses(e["text"]) for e in m["evidence"]):
        kept[m["rule"]] += 1
json.dump({"raw": raw, "phrases_within_clauses": kept}, sys.stdout)
