"""Writes a minimal wheel: make_wheel.py [--tag=TAG] [--entry=SCRIPT[=MOD:FUNC]] OUTDIR NAME VERSION [DEP ...].

The package NAME (a module NAME/__init__.py) gets hello() and __version__; each DEP
becomes a Requires-Dist line. --tag gives it another wheel tag than py3-none-any
(its content stays pure Python: a stand-in for a binary wheel). --entry=SCRIPT adds a
console script SCRIPT that runs NAME's main(), which prints its arguments (or
MOD:FUNC, a function of another module: the app's own, say). Used by tests and the bundled example, so installs stay
hermetic (--no-index --find-links) with no build backend.
"""
import base64
import hashlib
import os
import sys
import zipfile


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def main():
    tags = [a[len("--tag="):] for a in sys.argv[1:] if a.startswith("--tag=")]
    tag = tags[-1] if tags else "py3-none-any"
    entries = [a[len("--entry="):] for a in sys.argv[1:] if a.startswith("--entry=")]
    argv = [a for a in sys.argv[1:] if not a.startswith(("--tag=", "--entry="))]
    out, name, version = argv[0], argv[1], argv[2]
    deps = argv[3:]
    mod = name.replace("-", "_")
    dist = "%s-%s.dist-info" % (mod, version)
    files = {
        "%s/__init__.py" % mod: (
            "__version__ = %r\n\ndef hello(who):\n    return 'hello, %%s, from %s %s' %% who\n"
            % (version, name, version)
            + (
                "\ndef main():\n    import sys\n    print('%s', *sys.argv[1:])\n" % name
                if entries
                else ""
            )
        ).encode(),
        **(
            {
                "%s/entry_points.txt" % dist: (
                    "[console_scripts]\n"
                    + "".join(
                        "%s = %s\n" % tuple(e.split("=", 1)) if "=" in e else "%s = %s:main\n" % (e, mod)
                        for e in entries
                    )
                ).encode()
            }
            if entries
            else {}
        ),
        "%s/METADATA" % dist: (
            "Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s"
            % (name, version, "".join("Requires-Dist: %s\n" % d for d in deps))
        ).encode(),
        "%s/WHEEL" % dist: b"Wheel-Version: 1.0\nGenerator: prime-tests\nRoot-Is-Purelib: %s\nTag: %s\n"
        % (b"true" if tag == "py3-none-any" else b"false", tag.encode()),
    }
    records = [record_line(p, d) for p, d in files.items()]
    records.append("%s/RECORD,," % dist)
    files["%s/RECORD" % dist] = ("\n".join(records) + "\n").encode()
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "%s-%s-%s.whl" % (mod, version, tag))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files.items():
            z.writestr(zipfile.ZipInfo(p, (2020, 1, 1, 0, 0, 0)), d)
    print(path)


if __name__ == "__main__":
    main()
