/**
 * The Python bootstrap every bundle carries as `prime-bundle.py`. The sh launcher
 * (`bin/NAME`) execs `PYTHON -s|-I -S prime-bundle.py ARGV0 ARGS...`; the bootstrap:
 *   1. checks the interpreter against the manifest (the recorded requirement and the
 *      wheel tags of every binary distribution) and, when it does not fit, finds one
 *      that does and re-execs it (same PID), or exits 4 naming what it needs;
 *   2. puts `lib/` on sys.path (its `.pth` files processed) before the interpreter's
 *      own site-packages, which `site.main()` adds after it (hence `-S`);
 *   3. runs the entry: a script (compiled and run as `__main__`, as `python SCRIPT`
 *      does) or a `module:function`.
 * It runs on any Python 3.4+ (no f-strings), and imports only what it needs: the
 * common path costs `site` and the entry's own imports. The manifest's run-time part
 * is written into it as a Python literal (bootText), so no json module is loaded.
 */

/** A JSON value as a Python literal (None/True/False; JSON string escapes are Python's). Pure. */
function pyLiteral(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(", ")}]`;
  const items = Object.entries(v as Record<string, unknown>);
  return `{${items.map(([k, x]) => `${JSON.stringify(k)}: ${pyLiteral(x)}`).join(", ")}}`;
}

/** The bootstrap with its manifest data (name, entry, isolation, python, binary) in it. */
export function bootText(manifest: Record<string, unknown>): string {
  const data = {
    name: manifest.name,
    entry: manifest.entry,
    isolation: manifest.isolation,
    python: manifest.python,
    binary: manifest.binary,
  };
  return BOOT_PY.replace("M = _manifest()\n", () => `M = ${pyLiteral(data)}\n`);
}

/** Where the bootstrap module lives in a bundle (compiled there at build time). */
export const BOOT_MODULE = "prime-bundle/prime_bundle_boot.py";

/**
 * `prime-bundle.py`, the file bin/NAME runs: a main script is compiled on every start,
 * so it stays tiny and imports the bootstrap, whose bytecode is cached.
 */
export const STUB_PY = String
  .raw`# Written by prime bundle: bin/NAME runs this; see prime-bundle/prime_bundle_boot.py.
import os
import sys

_root = os.path.dirname(os.path.realpath(__file__))
if sys.path and sys.path[0] and os.path.realpath(sys.path[0]) == _root:
    del sys.path[0]
sys.path.insert(0, os.path.join(_root, "prime-bundle"))
import prime_bundle_boot  # noqa: E402

prime_bundle_boot.main()
`;

/** The bootstrap module's text; bootText() fills in the data. */
export const BOOT_PY = String
  .raw`# Written by prime bundle: the bootstrap that starts this bundle's entry with any
# matching Python (prime-bundle.py imports it, so its bytecode is cached). It needs
# neither prime nor a venv. Run it through bin/NAME, not by hand.
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
STUB = os.path.join(ROOT, "prime-bundle.py")
# prime-bundle.py put this module's directory first; it is no place for the program.
_here = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if not p or os.path.realpath(p) != _here]


def _manifest():
    import json
    with open(os.path.join(ROOT, "prime-bundle.json")) as f:
        return json.load(f)


M = _manifest()
NAME = M.get("name") or "bundle"


def _say(msg):
    sys.stderr.write("%s: %s\n" % (NAME, msg))


def _fail(msg, details=(), hint=None, code=4):
    _say(msg)
    for line in details:
        sys.stderr.write("  %s\n" % line)
    if hint:
        sys.stderr.write("  hint: %s\n" % hint)
    sys.exit(code)


# ---- facts about an interpreter -------------------------------------------------

def _facts():
    v = sys.version_info
    version = "%d.%d.%d" % tuple(v[:3])
    if v[3] != "final":
        version += {"alpha": "a", "beta": "b", "candidate": "rc"}.get(v[3], "a") + str(v[4])
    flags = getattr(sys, "abiflags", "")
    impl = getattr(sys, "implementation", None)  # Python 2 has none: it is refused below
    impl = impl.name if impl else "cpython"
    if impl == "cpython":
        abi = "cp%d%d%s" % (v[0], v[1], flags if (v[0], v[1]) < (3, 8) else flags.replace("m", ""))
    else:
        import sysconfig
        soabi = sysconfig.get_config_var("SOABI") or ""
        abi = soabi.replace("-", "_").replace(".", "_")
    libc = ""
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):
        pass
    mac = ""
    if sys.platform == "darwin":
        import platform
        mac = platform.mac_ver()[0]
    return {
        "executable": sys.executable,
        "version": version,
        "implementation": impl,
        "freethreaded": "t" in flags,
        "abi": abi,
        "platform": sys.platform,
        "machine": os.uname()[4],
        "libc": libc,
        "mac": mac,
    }


# ---- the version requirement (PEP 440, release segments) ---------------------------

def _release(s):
    out = []
    for part in s.strip().split("."):
        digits = ""
        for ch in part:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        out.append(int(digits))
        if len(digits) != len(part):
            break
    return out


def _is_pre(s):
    body = s.strip()
    if body.endswith(".*"):
        body = body[:-2]
    return any(not (ch.isdigit() or ch == ".") for ch in body)


def _key(rel, pre):
    return (tuple(rel + [0] * (4 - len(rel))), 0 if pre else 1)


def _clause_ok(op, spec, rel, pre):
    if op == "===":
        return False
    wild = spec.endswith(".*")
    srel = _release(spec[:-2] if wild else spec)
    if not srel:
        return False
    if op in ("==", "!=") and wild:
        same = rel[:len(srel)] + [0] * (len(srel) - len(rel[:len(srel)])) == srel
        return same if op == "==" else not same
    mine = _key(rel, pre)
    theirs = _key(srel, _is_pre(spec))
    if op == "==":
        return mine == theirs
    if op == "!=":
        return mine != theirs
    if op == ">=":
        return mine >= theirs
    if op == "<=":
        return mine <= theirs
    if op == ">":
        return mine > theirs
    if op == "<":
        # PEP 440: <V never admits a pre-release of V itself.
        return mine < theirs and not (pre and not _is_pre(spec) and mine[0] == theirs[0])
    if op == "~=":
        prefix = srel[:-1]
        return mine >= theirs and rel[:len(prefix)] == prefix
    return False


def _clauses(spec):
    out = []
    for part in spec.split(","):
        part = part.strip()
        for op in ("===", "~=", "==", "!=", "<=", ">=", "<", ">"):
            if part.startswith(op):
                out.append((op, part[len(op):].strip()))
                break
        else:
            return None
    return out


def _version_ok(version, spec):
    rel = _release(version)
    if rel[:2] < [3, 4]:
        return False
    if not spec:
        return True
    cs = _clauses(spec)
    if cs is None:
        return False
    pre = _is_pre(version)
    if all(_clause_ok(op, v, rel, pre) for op, v in cs):
        return True
    pinned = any(op == "===" or (op == "==" and not v.endswith(".*")) for op, v in cs)
    # A pre-release counts as its release against a range (as prime selects).
    return pre and not pinned and all(_clause_ok(op, v, rel, False) for op, v in cs)


def _request_ok(req, f):
    if req.get("implementation") and req["implementation"] != f["implementation"]:
        return False
    if bool(req.get("freethreaded")) != f["freethreaded"]:
        return False
    return _version_ok(f["version"], req.get("specifier"))


# ---- wheel tags ------------------------------------------------------------------

_ARCH = {"amd64": "x86_64", "arm64": "aarch64", "i386": "i686"}


def _arch_ok(tag_arch, f):
    machine = f["machine"].lower()
    if f["platform"] == "darwin":
        if tag_arch in ("universal2", "universal"):
            return True
        if tag_arch in ("intel", "fat64", "fat32", "fat"):
            return machine == "x86_64"
        return tag_arch == machine
    return _ARCH.get(tag_arch, tag_arch) == _ARCH.get(machine, machine)


def _platform_ok(p, f):
    if p == "any":
        return True
    name, _, rest = p.partition("_")
    if name in ("manylinux", "musllinux") or name.startswith("manylinux") or name == "linux":
        if not f["platform"].startswith("linux"):
            return False
        glibc = _release(f["libc"].split(" ")[-1]) if f["libc"].startswith("glibc") else None
        if name == "linux":
            return _arch_ok(rest, f)
        if name == "musllinux":
            return glibc is None and _arch_ok(rest.split("_", 2)[-1], f)
        legacy = {"manylinux1": [2, 5], "manylinux2010": [2, 12], "manylinux2014": [2, 17]}
        if name in legacy:
            need, arch = legacy[name], rest
        else:
            bits = rest.split("_", 2)
            if len(bits) < 3:
                return False
            need, arch = [int(bits[0]), int(bits[1])], bits[2]
        return glibc is not None and glibc >= need and _arch_ok(arch, f)
    if name == "macosx":
        if f["platform"] != "darwin":
            return False
        bits = rest.split("_", 2)
        if len(bits) < 3:
            return False
        mac = _release(f["mac"]) if f["mac"] else None
        return (mac is None or mac >= [int(bits[0]), int(bits[1])]) and _arch_ok(bits[2], f)
    return False


def _one_tag_ok(interp, abi, plat, f):
    if not _platform_ok(plat, f):
        return False
    v = _release(f["version"])
    short = {"cpython": "cp", "pypy": "pp"}.get(f["implementation"], "")
    mine = "%s%d%d" % (short, v[0], v[1])
    if abi == "none":
        if interp == mine:
            return True
        if interp.startswith("py"):
            n = interp[2:]
            return n == str(v[0]) or (n[:1] == str(v[0]) and n[1:].isdigit() and int(n[1:]) <= v[1])
        return False
    if abi == "abi3":
        return (f["implementation"] == "cpython" and not f["freethreaded"] and
                interp.startswith("cp") and interp[2:3] == str(v[0]) and interp[3:].isdigit() and
                int(interp[3:]) <= v[1])
    return interp == mine and abi == f["abi"]


def _tag_ok(tag, f):
    parts = tag.split("-")
    if len(parts) != 3:
        return False
    for interp in parts[0].split("."):
        for abi in parts[1].split("."):
            for plat in parts[2].split("."):
                if _one_tag_ok(interp, abi, plat, f):
                    return True
    return False


# ---- the check -------------------------------------------------------------------

def _problems(f):
    py = M["python"]
    out = []
    reqs = py.get("requires") or []
    if reqs:
        if not any(_request_ok(r, f) for r in reqs):
            out.append("Python %s does not satisfy %s" % (f["version"], py.get("requires_text")))
    elif f["freethreaded"] or not _version_ok(f["version"], None):
        out.append("Python %s%s is not a Python 3.4+ with the GIL" % (
            f["version"], "t" if f["freethreaded"] else ""))
    for d in M.get("binary") or []:
        if not any(_tag_ok(t, f) for t in d["tags"]):
            out.append("%s %s is built for %s, and this Python (%s, %s) cannot load it" % (
                d["name"], d["version"], ", ".join(d["tags"][:3]) or "the build's Python",
                f["abi"], "%s %s" % (f["platform"], f["machine"])))
    return out


def _needs():
    py = M["python"]
    what = "Python %s" % (py.get("requires_text") or "3")
    abis = sorted(set(t.split("-")[1] for d in M.get("binary") or [] for t in d["tags"]))
    if abis:
        what += " with ABI %s" % " or ".join(abis)
    return what + " (built with %s %s)" % (py["built_with"]["implementation"],
                                           py["built_with"]["version"])


def _minor_of(path):
    name = os.path.basename(path)
    for prefix in ("python", "pypy"):
        if name.startswith(prefix):
            r = _release(name[len(prefix):])
            if len(r) >= 2:
                return r[0] * 100 + r[1]
    return 0


def _candidates():
    seen = set()
    out = []
    built = _release(M["python"]["built_with"]["version"])
    built = built[0] * 100 + built[1]

    def add(path):
        try:
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                return
            real = os.path.realpath(path)
        except OSError:
            return
        if real not in seen:
            seen.add(real)
            out.append(path)

    names = ["python%d.%d" % (built // 100, built % 100)]
    names += ["python3.%d" % m for m in range(30, 3, -1) if 300 + m != built]
    names += ["python3", "python"]
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d.startswith("/") and os.path.basename(d.rstrip("/")) != "shims"]
    for n in names:
        for d in dirs:
            add(os.path.join(d, n))
    home = os.path.expanduser("~")
    places = []
    for root in (os.environ.get("PYENV_ROOT") or os.path.join(home, ".pyenv"),):
        try:
            places += [os.path.join(root, "versions", v, "bin")
                       for v in os.listdir(os.path.join(root, "versions"))]
        except OSError:
            pass
    uvroot = os.path.join(os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share"),
                          "uv", "python")
    try:
        places += [os.path.join(uvroot, v, "bin") for v in os.listdir(uvroot)]
    except OSError:
        pass
    places += ["/usr/local/bin", "/usr/bin", "/opt/homebrew/bin"]
    found = []
    for d in places:
        try:
            entries = os.listdir(d)
        except OSError:
            continue
        for n in entries:
            if n == "python3" or (n.startswith("python3.") and n[8:].isdigit()):
                found.append(os.path.join(d, n))
    # The build's minor first, then the newest.
    found.sort(key=lambda p: (_minor_of(p) != built, -_minor_of(p)))
    for p in found:
        add(p)
    return out


def _probe(path):
    import json
    import subprocess
    env = dict(os.environ, _PRIME_BUNDLE_PROBE="1")
    try:
        p = subprocess.Popen([path, "-I", "-S", STUB],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        out, err = p.communicate(timeout=30)
    except Exception as e:  # not executable, hung, gone
        return None, str(e)
    if p.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        return None, "cannot run the bootstrap (exit %d%s)" % (
            p.returncode, ": " + lines[-1] if lines else "")
    try:
        return json.loads(out.decode("utf-8").strip().splitlines()[-1]), None
    except (ValueError, IndexError):
        return None, "printed no facts"


def _choose():
    f = _facts()
    wrong = _problems(f)
    if not wrong:
        return
    forced = os.environ.get("PRIME_BUNDLE_PYTHON")
    rejected = ["%s: %s" % (f["executable"], "; ".join(wrong))]
    if not forced and not os.environ.get("_PRIME_BUNDLE_CHOSEN"):
        me = os.path.realpath(sys.executable)
        for cand in _candidates():
            if os.path.realpath(cand) == me:
                continue
            facts, why = _probe(cand)
            if facts is None:
                rejected.append("%s: %s" % (cand, why))
                continue
            wrong = _problems(facts)
            if wrong:
                rejected.append("%s: %s" % (cand, "; ".join(wrong)))
                continue
            os.environ["_PRIME_BUNDLE_CHOSEN"] = "1"
            flags = ["-I"] if M.get("isolation") == "strict" else ["-s"]
            args = [cand] + flags + ["-S", STUB] + sys.argv[1:]
            sys.stdout.flush()
            sys.stderr.flush()
            os.execv(cand, args)
    _fail("no Python that can run it: it needs %s" % _needs(), rejected,
          "install that Python, or point PRIME_BUNDLE_PYTHON at one"
          if not forced else "PRIME_BUNDLE_PYTHON=%s is set; unset it to search" % forced)


def _run():
    _choose()
    os.environ.pop("_PRIME_BUNDLE_CHOSEN", None)
    argv0 = sys.argv[1] if len(sys.argv) > 1 else NAME
    args = sys.argv[2:]
    import site
    site.addsitedir(os.path.join(ROOT, "lib"))
    # The interpreter's own site-packages (and, without -s, the user site) come after
    # lib/: site.main() appends them, as it would at start-up without -S.
    site.main()
    entry = M["entry"]
    try:
        if entry["kind"] == "script":
            path = os.path.join(ROOT, entry["path"])
            sys.argv = [path] + args
            if M.get("isolation") != "strict":
                sys.path.insert(0, os.path.dirname(path))
            with open(path, "rb") as f:
                code = compile(f.read(), path, "exec")
            main = type(sys)("__main__")
            main.__dict__.update(__file__=path, __builtins__=__builtins__, __cached__=None)
            sys.modules["__main__"] = main
            exec(code, main.__dict__)
            return
        sys.argv = [argv0] + args
        import importlib
        obj = importlib.import_module(entry["module"])
        for attr in entry["function"].split("."):
            obj = getattr(obj, attr)
        sys.exit(obj())
    except Exception:
        # The traceback the program would show run directly: no bootstrap or runpy
        # frames. (KeyboardInterrupt and SystemExit keep Python's own handling.)
        kind, err, tb = sys.exc_info()
        while tb is not None and _ours(tb.tb_frame.f_code.co_filename):
            tb = tb.tb_next
        sys.excepthook(kind, err.with_traceback(tb), tb)
        sys.exit(1)


def _ours(filename):
    return (filename in (__file__, STUB) or os.path.realpath(filename) in (STUB, os.path.realpath(__file__))
            or filename.endswith("runpy.py") or filename == "<frozen runpy>")


def main():
    """Runs the entry (or, for a probe by another bundle start, prints this Python's facts)."""
    if os.environ.get("_PRIME_BUNDLE_PROBE"):
        import json
        print(json.dumps(_facts()))
        return
    _run()
`;
