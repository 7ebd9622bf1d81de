#!/usr/bin/env python3
"""Convert the token dictionary (tokens.json: `single_byte` list + `double_byte` list of 4 lists)
into data/tokens-v3.txt, the plain-text form build.rs reads.

Format: one token per line; a line `## single` starts the single-byte table (236 slots, slot 0 is
the empty string, written as an empty line) and `## double N` starts double-byte dictionary N
(256 slots). Run once when the dictionary changes:

    python3 wacore/binary/scripts/tokens_from_json.py shared/reference/tokens.json > wacore/binary/data/tokens-v3.txt
"""
import json
import sys

data = json.load(open(sys.argv[1]))
out = ["## single"] + data["single_byte"]
for i, table in enumerate(data["double_byte"]):
    out.append(f"## double {i}")
    out.extend(table)
for token in out:
    assert "\n" not in token
print("\n".join(out))
