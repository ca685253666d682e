"""Writes the wheel of a tiny PEP 517/660 build backend: tiny_backend.py OUTDIR.

The backend, `tinybackend`, builds a project whose pyproject.toml has one-line
`name = "..."`, `version = "..."` and `dependencies = [...]` in [project], and whose
package is NAME/ (or src/NAME/). build_editable writes a .pth pointing at the project,
build_wheel copies the package. Like meson-python (which runs `meson`), every build
runs the wheel's own command-line tool, `tinytool`, found on PATH. No setuptools, no
index: tests stay hermetic.
"""
import base64
import hashlib
import os
import sys
import zipfile

BACKEND = r'''
import ast, base64, hashlib, os, re, subprocess, zipfile

def _project():
    text = open("pyproject.toml").read()
    proj = text.split("[project]", 1)[1].split("\n[", 1)[0]
    name = re.search(r'^name\s*=\s*"([^"]+)"', proj, re.M).group(1)
    version = re.search(r'^version\s*=\s*"([^"]+)"', proj, re.M).group(1)
    m = re.search(r'^dependencies\s*=\s*(\[.*?\])', proj, re.M | re.S)
    deps = ast.literal_eval(m.group(1)) if m else []
    return name, version, deps

def _line(path, data):
    d = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, d, len(data))

def _wheel(directory, files):
    # As meson-python runs meson: the build tool must be on PATH.
    subprocess.check_call(["tinytool"])
    name, version, deps = _project()
    mod = name.replace("-", "_")
    dist = "%s-%s.dist-info" % (mod, version)
    files = dict(files)
    files[dist + "/METADATA"] = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s" % (
        name, version, "".join("Requires-Dist: %s\n" % d for d in deps))).encode()
    files[dist + "/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tinybackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    rec = [_line(p, d) for p, d in files.items()] + [dist + "/RECORD,,"]
    files[dist + "/RECORD"] = ("\n".join(rec) + "\n").encode()
    fn = "%s-%s-py3-none-any.whl" % (mod, version)
    with zipfile.ZipFile(os.path.join(directory, fn), "w") as z:
        for p, d in files.items():
            z.writestr(p, d)
    return fn

def _pkg_root():
    name = _project()[0].replace("-", "_")
    return os.path.abspath("src") if os.path.isdir(os.path.join("src", name)) else os.path.abspath(".")

def get_requires_for_build_wheel(config_settings=None):
    return []

def get_requires_for_build_editable(config_settings=None):
    return []

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    mod = _project()[0].replace("-", "_")
    return _wheel(wheel_directory, {"_%s_editable.pth" % mod: (_pkg_root() + "\n").encode()})

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    mod = _project()[0].replace("-", "_")
    root = os.path.join(_pkg_root(), mod)
    files = {}
    for dp, _, fns in os.walk(root):
        for fn in fns:
            if fn.endswith(".py"):
                full = os.path.join(dp, fn)
                files[os.path.relpath(full, _pkg_root())] = open(full, "rb").read()
    return _wheel(wheel_directory, files)
'''


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def main():
    out = sys.argv[1]
    dist = "tinybackend-1.0.dist-info"
    files = {
        "tinybackend/__init__.py": BACKEND.encode(),
        "tinybackend-1.0.data/scripts/tinytool": b"#!python\nprint('tinytool ran')\n",
        dist + "/METADATA": b"Metadata-Version: 2.1\nName: tinybackend\nVersion: 1.0\n",
        dist + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: prime-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    records = [record_line(p, d) for p, d in files.items()] + [dist + "/RECORD,,"]
    files[dist + "/RECORD"] = ("\n".join(records) + "\n").encode()
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "tinybackend-1.0-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files.items():
            info = zipfile.ZipInfo(p, (2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100755 if "/scripts/" in p else 0o100644) << 16
            z.writestr(info, d)
    print(path)


if __name__ == "__main__":
    main()
