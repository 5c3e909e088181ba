#!/usr/bin/env python3
"""Build a reproducible Lambda zip: the same source tree gives the same bytes, every time, everywhere.

    package.py SOURCE_DIR OUTPUT_ZIP

Entries are sorted, timestamps fixed (1980-01-01), permissions normalised (0644 files), no directory
entries, no __pycache__ / *.pyc. The output is rewritten only when its bytes would change; the last
line printed is "changed <sha256>" or "unchanged <sha256>" (base64 sha256, as Lambda's CodeSha256).
"""

import base64
import hashlib
import io
import os
import sys
import zipfile

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS = {"__pycache__", ".pytest_cache"}
SKIP_SUFFIXES = (".pyc", ".pyo")


def source_files(source_dir):
    found = []
    for root, dirs, files in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in files:
            if name.endswith(SKIP_SUFFIXES):
                continue
            path = os.path.join(root, name)
            found.append((os.path.relpath(path, source_dir).replace(os.sep, "/"), path))
    return sorted(found)


def build(source_dir):
    """The zip's bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for arcname, path in source_files(source_dir):
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so external_attr carries the mode
            info.external_attr = (0o100644 & 0xFFFF) << 16
            with open(path, "rb") as handle:
                archive.writestr(info, handle.read(), compresslevel=9)
    return buffer.getvalue()


def code_sha256(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def write_if_changed(data, output):
    try:
        with open(output, "rb") as handle:
            if handle.read() == data:
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    tmp = "%s.tmp%d" % (output, os.getpid())
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, output)
    return True


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: package.py SOURCE_DIR OUTPUT_ZIP\n")
        return 2
    data = build(argv[1])
    changed = write_if_changed(data, argv[2])
    print("%s %s" % ("changed" if changed else "unchanged", code_sha256(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
