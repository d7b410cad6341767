#!/usr/bin/env python3
"""Makes the damaged stores of `DataSafetyTests` from the schema-001 store (a mini survey, 3 respondents).

Each store is damaged in one way that a crash, a bad disk or a hand edit could cause; the CHECK constraints
of the schema still hold where the case says so, so that only the tool's own checks can catch it.
Run from anywhere: python3 make_damaged_stores.py
"""
import os
import shutil
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.join(HERE, "schema-001.sqlite")
OUT = os.path.join(HERE, "damaged")


def copy(name):
    path = os.path.join(OUT, name + ".sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    shutil.copyfile(BASE, path)
    return path


def edit(name, sql, *args):
    path = copy(name)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute(sql, args)
    db.commit()
    db.close()


os.makedirs(OUT, exist_ok=True)
# Respondents whose group list is empty: every group code points at nothing.
edit("empty-group-names", "UPDATE respondentBlock SET groupNames = ''")
# The attribute value list is empty while the codes still point into it.
edit("empty-attribute-values", "UPDATE respondentBlock SET attributeValues = ''")
# A group code of 0xFFFF: the blob keeps its length, so the CHECK constraint holds.
edit("group-code-ffff", "UPDATE respondentBlock SET groupCodes = X'FFFF01000200'")
# The answer byte 9 (answer 8) on the 1–5 item q1 of the first respondent.
edit("answer-out-of-range", "UPDATE respondentBlock SET answers = X'0903060408060200000B0404040406'")
# A NaN design weight where the survey has none stored: a weight column of the right length.
edit("weight-not-a-number", "UPDATE respondentBlock SET designWeights = X'000000000000F87F000000000000F03F000000000000F03F'")

# A damaged page: the b-tree page of the index respondentBlock_batch is overwritten in the middle, so that
# PRAGMA quick_check fails while the header (application id, schema) still reads.
path = copy("damaged-page")
db = sqlite3.connect(path)
page_size = db.execute("PRAGMA page_size").fetchone()[0]
root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'respondentBlock_batch'").fetchone()[0]
db.close()
with open(path, "r+b") as file:
    file.seek((root - 1) * page_size)
    file.write(bytes([0x0D, 0xFF, 0xFF, 0x00, 0x40]) + bytes(range(256)) * 4)
check = sqlite3.connect(path).execute("PRAGMA quick_check").fetchall()
assert check != [("ok",)], "the damaged page was not detected"
print("written to", OUT)
