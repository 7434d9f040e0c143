"""English is the source language: its catalog's translations are the msgids themselves."""

import sys

import polib

path = sys.argv[1]
po = polib.pofile(path)
for entry in po:
    if entry.msgid_plural:
        entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
    else:
        entry.msgstr = entry.msgid
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
po.save(path)
