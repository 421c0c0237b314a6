#!/usr/bin/env python3
"""Copies an EAR with its web module under another context root: ear-context-root.py SRC DST /path.

The context root of a module inside an EAR lives in META-INF/application.xml; asadmin's
--contextroot applies to a bare WAR only, so the copy carries the new one."""
import re
import sys
import zipfile

src, dst, root = sys.argv[1:4]
if not root.startswith("/"):
    sys.exit("ear-context-root: the context root must start with / (got %s)" % root)
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "META-INF/application.xml":
            text, n = re.subn(r"<context-root>[^<]*</context-root>", "<context-root>%s</context-root>" % root, data.decode("utf-8"))
            if n != 1:
                sys.exit("ear-context-root: the EAR's application.xml has no single context-root")
            data = text.encode("utf-8")
        zout.writestr(item, data)
