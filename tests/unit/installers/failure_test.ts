import assert from "node:assert/strict";
import {
  classifyFailure,
  createFailure,
  type FailureInput,
  installerReason,
  installFailure,
} from "../../../src/installers/failure.ts";

// Real output of pip 24/25 and uv 0.13.9, captured from the failing commands.
const PIP_TLS = `Looking in indexes: https://127.0.0.1:8443/simple
Could not fetch URL https://127.0.0.1:8443/simple/foo/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='127.0.0.1', port=8443): Max retries exceeded with url: /simple/foo/ (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)'))) - skipping
ERROR: Could not find a version that satisfies the requirement foo (from versions: none)
ERROR: No matching distribution found for foo`;
const UV_TLS = `error: Failed to fetch: https://127.0.0.1:8443/simple/foo/
  cause: error sending request for url (https://127.0.0.1:8443/simple/foo/)
  cause: client error (Connect)
  cause: invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))`;
const PIP_USER =
  `ERROR: Can not perform a '--user' install. User site-packages are not visible in this virtualenv.`;
const PIP_USER_ENV_ONLY =
  `ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: '/home/u/.local/lib'
Consider using the \`--user\` option or check the permissions.`;
const PIP_NOT_FOUND =
  `ERROR: Could not find a version that satisfies the requirement foo (from versions: none)
ERROR: No matching distribution found for foo`;
const UV_NOT_FOUND = `error: No solution found when resolving dependencies
  cause: Because nosuchpkg-xyz was not found in the provided package locations and you require nosuchpkg-xyz, we can conclude that your requirements are unsatisfiable.`;
const PIP_HASH_MISSING =
  `ERROR: Hashes are required in --require-hashes mode, but they are missing from some requirements. Here is a list of those requirements along with the hashes their downloaded archives actually had.
    foo==1.0 --hash=sha256:23720abd5b103524777f7e8584f039cbc3651652d61388b1a0ab7a516d9f88be`;
const UV_HASH_MISSING =
  "error: In `--require-hashes` mode, all requirements must have a hash, but none were provided for: foo==1.0";
const UV_HASH_UNPINNED =
  "error: In `--require-hashes` mode, all requirements must have their versions pinned with `==`, but found: foo";
const PIP_HASH_MISMATCH =
  `ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the package versions, please update the hashes.`;
const UV_HASH_MISMATCH =
  "error: Failed to download `bar==1.0`\n  cause: Hash mismatch for `bar==1.0`";
const UV_REFUSED = `error: Request failed after 3 retries in 9.9s
  cause: Failed to fetch: http://127.0.0.1:9/simple/nosuchpkg-xyz/
  cause: error sending request for url (http://127.0.0.1:9/simple/nosuchpkg-xyz/)
  cause: Connection refused (os error 111)`;
const PIP_NO_SPACE = `Installing collected packages: numpy
ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device`;
const UV_NO_SPACE =
  `error: Failed to read \`numpy @ file:///tmp/w/numpy-2.5.5-cp312-cp312-manylinux_2_28_x86_64.whl\`
  cause: Failed to extract archive: /tmp/w/numpy-2.5.5-cp312-cp312-manylinux_2_28_x86_64.whl
  cause: I/O operation failed during extraction
  cause: failed to write to file \`/mnt/small/uvc/.tmp0y2jG3/numpy/_core/tests/test_records.py\`: No space left on device (os error 28)`;
// uv 0.13.9 run by another uid whose HOME is still root's (sudo -u without -H).
const UV_CACHE_CLOSED = `error: Failed to initialize cache at \`/root/.cache/uv\`
  cause: failed to create directory \`/root/.cache/uv\`: Permission denied (os error 13)`;
const PIP_QUOTA =
  "ERROR: Could not install packages due to an OSError: [Errno 122] Disk quota exceeded";

// Captured on this machine: Debian's pip 23.0.1 run by Python 3.6, git+ URLs to a host
// that does not resolve, a wheel requiring Python >=3.99, a C extension that does not
// compile, and --require-hashes with an editable project (pip 24.2, uv 0.13.9).
const PIP_CRASH = `Traceback (most recent call last):
  File "/usr/lib/python3.6/runpy.py", line 193, in _run_module_as_main
  File "/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl/pip/_internal/cli/main_parser.py", line 9, in <module>
  File "/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl/pip/_internal/utils/logging.py", line 8, in <module>
ModuleNotFoundError: No module named 'dataclasses'`;
const UV_PANIC = `thread 'main' panicked at crates/uv-resolver/src/lock.rs:42:5:
index out of bounds
note: run with \`RUST_BACKTRACE=1\` environment variable to display a backtrace`;
const PIP_VCS = `Collecting git+https://nonexistent.invalid/x.git
  Cloning https://nonexistent.invalid/x.git to /tmp/pip-req-build-l1bkxvpj
  Running command git clone --filter=blob:none --quiet https://nonexistent.invalid/x.git /tmp/pip-req-build-l1bkxvpj
  fatal: unable to access 'https://nonexistent.invalid/x.git/': Could not resolve host: nonexistent.invalid
  error: subprocess-exited-with-error

× git clone --filter=blob:none --quiet https://nonexistent.invalid/x.git /tmp/pip-req-build-or9jgpe9 did not run successfully.
│ exit code: 128`;
const UV_VCS = `   Updating https://nonexistent.invalid/x.git (HEAD)
error: Git operation failed
  cause: failed to clone into: /root/.cache/uv/git-v2/db/655531ac89297037
  cause: process didn't exit successfully: \`/usr/bin/git fetch --force --update-head-ok 'https://nonexistent.invalid/x.git' '+HEAD:refs/remotes/origin/HEAD'\` (exit status: 128)
         --- stderr
         fatal: unable to access 'https://nonexistent.invalid/x.git/': Could not resolve host: nonexistent.invalid`;
const PIP_NO_GIT = `Collecting git+https://example.com/x.git
  Cloning https://example.com/x.git to /tmp/pip-req-build-1
ERROR: Cannot find command 'git' - do you have 'git' installed and in your PATH?`;
const PIP_PYVER = `Processing ./w/newpy-1.0-py3-none-any.whl
INFO: pip is looking at multiple versions of newpy to determine which version is compatible with other requirements. This could take a while.
ERROR: Package 'newpy' requires a different Python: 3.13.0 not in '>=3.99'`;
const PIP_PYVER_INDEX =
  `ERROR: Ignored the following versions that require a different python version: 2.0 Requires-Python >=3.99
ERROR: Could not find a version that satisfies the requirement newpy==2.0 (from versions: 1.0)
ERROR: No matching distribution found for newpy==2.0`;
const UV_PYVER = `error: No solution found when resolving dependencies
  cause: Because newpy==1.0 requires Python >=3.99 and only newpy==1.0 is available, we can conclude that all versions of newpy cannot be used.
         And because you require newpy, we can conclude that your requirements are unsatisfiable.`;
const PIP_COMPILE = `      cext.c:1:1: error: unknown type name 'this'
      error: Command '['gcc', '-c', 'cext.c', '-o', 'build/temp.linux-x86_64-cpython-313/cext.o']' returned non-zero exit status 1.
      [end of output]
  note: This error originates from a subprocess, and is likely not a problem with pip.
  ERROR: Failed building wheel for cext
Failed to build cext
ERROR: ERROR: Failed to build installable wheels for some pyproject.toml based projects (cext)`;
const UV_COMPILE = `   Building cext @ file:///tmp/cap/cext
error: Failed to build \`cext @ file:///tmp/cap/cext\`
  cause: The build backend returned an error
  cause: Call to \`setuptools.build_meta:__legacy__.build_wheel\` failed (exit status: 1)
         [stderr]
         cext.c:1:1: error: unknown type name 'this'
         error: Command '['gcc', '-c', 'cext.c']' returned non-zero exit status 1.`;
const PIP_HASH_EDITABLE =
  "ERROR: The editable requirement file:///tmp/cap/proj cannot be installed when requiring hashes, because there is no single file to hash.";
const PIP_HASH_DIR =
  `ERROR: Can't verify hashes for these file:// requirements because they point to directories:
    file:///tmp/cap/proj`;
const UV_HASH_EDITABLE =
  "error: In `--require-hashes` mode, all requirements must have a hash, but none were provided for: file:///tmp/cap/proj";

// uv 0.13.9 and pip 24: a build whose [build-system].requires has no matching version,
// uv's first-index rule set by the user, and misses with the network off.
const UV_BUILD_REQUIRES = `Resolved 1 package in 2ms
   Building proj @ file:///tmp/ucap/proj
error: Failed to build \`proj @ file:///tmp/ucap/proj\`
  cause: Failed to resolve requirements from \`build-system.requires\`
  cause: No solution found when resolving: \`setuptools<1\`
  cause: Because only setuptools==50.0 is available and you require setuptools<1, we can conclude that your requirements are unsatisfiable.`;
const UV_FIRST_INDEX = `error: No solution found when resolving dependencies
  cause: Because only pkgx==2.0 is available and you require pkgx<2, we can conclude that your requirements are unsatisfiable.

hint: \`pkgx\` was found on file:///tmp/a/simple, but not at the requested version (pkgx<2). A compatible version may be available on a subsequent index (e.g., file:///tmp/b/simple). By default, uv will only consider versions that are published on the first index that contains a given package, to avoid dependency confusion attacks. If all indexes are equally trusted, use \`--index-strategy unsafe-best-match\` to consider all versions from all indexes, regardless of the order in which they were defined.`;
const UV_OFFLINE = `Using Python 3.12.1 environment at: v
error: No solution found when resolving dependencies
  cause: Because requests was not found in the cache and you require requests, we can conclude that your requirements are unsatisfiable.

hint: Packages were unavailable because the network was disabled. When the network is disabled, registry packages may only be read from the cache.`;
const PIP_BUILD_COMPILE_FULL = `Processing ./cext
  Building wheel for cext (pyproject.toml): started
  error: subprocess-exited-with-error

  × Building wheel for cext (pyproject.toml) did not run successfully.
  │ exit code: 1
  ╰─> [12 lines of output]
      running build_ext
      building 'cext' extension
      gcc -c cext.c -o build/cext.o
${PIP_COMPILE}`;

// A version that does not exist, of a package that does (uv 0.13.9, pip 23.2.1).
const UV_NO_VERSION = `error: No solution found when resolving dependencies
  cause: Because there is no version of requests==99 and you require requests==99, we can conclude that your requirements are unsatisfiable.`;
const PIP_NO_VERSION =
  `ERROR: Could not find a version that satisfies the requirement requests==99 (from versions: ${
    Array.from({ length: 200 }, (_, i) => `2.${i}.0`).join(", ")
  })
ERROR: No matching distribution found for requests==99`;

const cases: Array<[string, FailureInput, string]> = [
  ["uv's missing version", { installer: "uv", output: UV_NO_VERSION }, "no-version"],
  ["pip's missing version", { installer: "pip", output: PIP_NO_VERSION }, "no-version"],
  [
    "uv's unresolvable build requirements",
    { installer: "uv", output: UV_BUILD_REQUIRES },
    "resolution",
  ],
  ["uv stopping at the first index", { installer: "uv", output: UV_FIRST_INDEX }, "resolution"],
  ["uv with the network off", { installer: "uv", output: UV_OFFLINE }, "offline"],
  ["pip with --offline", { installer: "pip", output: PIP_NOT_FOUND, offline: true }, "offline"],
  ["pip on a full disk", { installer: "pip", output: PIP_NO_SPACE }, "no-space"],
  ["uv on a full disk", { installer: "uv", output: UV_NO_SPACE }, "no-space"],
  ["pip over its quota", { installer: "pip", output: PIP_QUOTA }, "no-space"],
  ["uv with a cache it cannot write", { installer: "uv", output: UV_CACHE_CLOSED }, "uv-cache"],
  ["pip's TLS failure (which also says not found)", { installer: "pip", output: PIP_TLS }, "tls"],
  ["uv's TLS failure", { installer: "uv", output: UV_TLS }, "tls"],
  ["PIP_USER=1", { installer: "pip", output: PIP_USER, env: { PIP_USER: "1" } }, "pip-user"],
  // Only the environment tells: pip's own words here do not name the user site.
  [
    "PIP_USER=y (pip's strtobool yes)",
    { installer: "pip", output: PIP_USER_ENV_ONLY, env: { PIP_USER: "y" } },
    "pip-user",
  ],
  ["pip's not found", { installer: "pip", output: PIP_NOT_FOUND }, "not-found"],
  ["uv's not found", { installer: "uv", output: UV_NOT_FOUND }, "not-found"],
  ["pip's missing hash", { installer: "pip", output: PIP_HASH_MISSING }, "hash-missing"],
  ["uv's missing hash", { installer: "uv", output: UV_HASH_MISSING }, "hash-missing"],
  [
    "uv's unpinned hash-mode requirement",
    { installer: "uv", output: UV_HASH_UNPINNED },
    "hash-missing",
  ],
  ["pip's hash mismatch", { installer: "pip", output: PIP_HASH_MISMATCH }, "hash-mismatch"],
  ["uv's hash mismatch", { installer: "uv", output: UV_HASH_MISMATCH }, "hash-mismatch"],
  ["an unreachable index", { installer: "uv", output: UV_REFUSED }, "network"],
  ["pip crashing on its own import", { installer: "pip", output: PIP_CRASH }, "installer-crash"],
  ["uv panicking", { installer: "uv", output: UV_PANIC }, "installer-crash"],
  ["pip's unreachable git host", { installer: "pip", output: PIP_VCS }, "vcs"],
  ["uv's unreachable git host", { installer: "uv", output: UV_VCS }, "vcs"],
  ["pip without git", { installer: "pip", output: PIP_NO_GIT }, "vcs"],
  ["pip's Requires-Python refusal", { installer: "pip", output: PIP_PYVER }, "python-version"],
  [
    "pip skipping versions for another Python",
    { installer: "pip", output: PIP_PYVER_INDEX },
    "python-version",
  ],
  ["uv's Requires-Python refusal", { installer: "uv", output: UV_PYVER }, "python-version"],
  ["pip's failed C build", { installer: "pip", output: PIP_COMPILE }, "compile"],
  ["uv's failed C build", { installer: "uv", output: UV_COMPILE }, "compile"],
  ["pip's editable in hash mode", { installer: "pip", output: PIP_HASH_EDITABLE }, "hash-conflict"],
  ["pip's directory in hash mode", { installer: "pip", output: PIP_HASH_DIR }, "hash-conflict"],
  ["uv's editable in hash mode", { installer: "uv", output: UV_HASH_EDITABLE }, "hash-conflict"],
  ["an unknown failure", { installer: "pip", output: "ERROR: something odd" }, "other"],
];

for (const [what, input, id] of cases) {
  Deno.test(`classifyFailure() names the cause of ${what}: ${id}`, () => {
    assert.equal(classifyFailure(input).id, id);
  });
}

Deno.test("classifyFailure() gives different causes different hints", () => {
  for (const [, a, idA] of cases) {
    for (const [, b, idB] of cases) {
      if (idA !== idB) assert.notEqual(classifyFailure(a).hint, classifyFailure(b).hint);
    }
  }
});

Deno.test("classifyFailure() names the missing package", () => {
  assert.match(
    classifyFailure({ installer: "uv", output: UV_NOT_FOUND }).summary,
    /`nosuchpkg-xyz`/,
  );
  assert.match(classifyFailure({ installer: "pip", output: PIP_NOT_FOUND }).summary, /`foo`/);
});

Deno.test("installFailure() is exit 6: the cause, at most 4 lines of the installer's reason, -v for all", () => {
  const res = (stderr: string) => ({ code: 1, signal: null, stdout: "", stderr, timedOut: false });
  const e = installFailure("pip", "pip exited 1", "pip install foo", res(PIP_USER), {}, {
    verbosity: 0,
  });
  assert.equal(e.exitCode, 6);
  assert.match(e.message, /^installing dependencies failed: pip exited 1: pip was told to install/);
  assert.equal(e.details, `  ${PIP_USER}`);
  assert.match(e.hint ?? "", /PIP_USER.*; prime -v shows the command and the installer's whole/);

  const full = installFailure(
    "pip",
    "pip exited 1",
    "pip install ./cext",
    res(PIP_BUILD_COMPILE_FULL),
    {},
    {
      verbosity: 0,
    },
  );
  const lines = (full.details ?? "").split("\n");
  assert.ok(lines.length <= 4, full.details);
  assert.ok(lines.some((l) => /cext\.c:1:1: error: unknown type name/.test(l)), full.details);
  assert.doesNotMatch(full.details ?? "", /running build_ext|\$ pip install/);
  assert.match(full.message, /see the compiler's errors with prime -v/);

  const v = installFailure(
    "pip",
    "pip exited 1",
    "pip install ./cext",
    res(PIP_BUILD_COMPILE_FULL),
    {},
    {
      verbosity: 1,
    },
  );
  assert.match(v.details ?? "", /^\$ pip install \.\/cext\n.*running build_ext/s);
  assert.match(v.message, /see the compiler's errors below/);
  assert.doesNotMatch(v.hint ?? "", /prime -v shows/);
  const vv = installFailure(
    "pip",
    "pip exited 1",
    "pip install ./cext",
    res(PIP_BUILD_COMPILE_FULL),
    {},
    {
      verbosity: 2,
    },
  );
  assert.equal(vv.details, "$ pip install ./cext", "-vv streamed the output already");
  assert.match(vv.message, /see the compiler's errors above/);
});

Deno.test("installerReason() keeps uv's chain and the compiler's error, at most 4 lines", () => {
  assert.deepEqual(installerReason(UV_BUILD_REQUIRES), [
    "error: Failed to build `proj @ file:///tmp/ucap/proj`",
    "cause: Failed to resolve requirements from `build-system.requires`",
    "cause: No solution found when resolving: `setuptools<1`",
    "cause: Because only setuptools==50.0 is available and you require setuptools<1, we can conclude that your requirements are unsatisfiable.",
  ]);
  assert.deepEqual(installerReason(UV_COMPILE), [
    "error: Failed to build `cext @ file:///tmp/cap/cext`",
    "cause: Call to `setuptools.build_meta:__legacy__.build_wheel` failed (exit status: 1)",
    "cext.c:1:1: error: unknown type name 'this'",
    "error: Command '['gcc', '-c', 'cext.c']' returned non-zero exit status 1.",
  ]);
  assert.deepEqual(installerReason("Collecting x\nsomething odd\nexit"), [
    "Collecting x",
    "something odd",
    "exit",
  ]);
});

Deno.test("a resolution failure never gets the C-compiler hint; an offline miss says offline", () => {
  const c = (input: FailureInput) => classifyFailure(input);
  const build = c({ installer: "uv", output: UV_BUILD_REQUIRES });
  assert.match(
    build.summary,
    /build requirements of `proj` \(\[build-system\]\.requires\) cannot be resolved/,
  );
  assert.doesNotMatch(build.hint, /compiler|build-essential/);
  assert.match(c({ installer: "uv", output: UV_FIRST_INDEX }).hint, /unsafe-best-match/);
  assert.match(
    c({ installer: "uv", output: UV_OFFLINE }).summary,
    /`requests` is not in uv's cache.*offline/,
  );
  assert.match(
    c({ installer: "pip", output: PIP_NOT_FOUND, offline: true }).summary,
    /`foo` is not in the local find-links.*offline/,
  );
  assert.equal(c({ installer: "pip", output: PIP_NOT_FOUND }).id, "not-found", "online: not found");
});

Deno.test("classifyFailure() names the package, the Python and the host where the output has them", () => {
  const c = (installer: "pip" | "uv", output: string) => classifyFailure({ installer, output });
  assert.match(
    c("pip", PIP_PYVER).summary,
    /`newpy` does not support Python 3\.13\.0 \(it requires >=3\.99\)/,
  );
  assert.match(c("uv", UV_PYVER).summary, /`newpy` needs Python >=3\.99/);
  assert.match(c("pip", PIP_PYVER_INDEX).summary, /`newpy==2\.0` has no version for this Python/);
  assert.match(
    c("pip", PIP_COMPILE).summary,
    /building `cext` from source failed: its compile step/,
  );
  assert.match(c("uv", UV_COMPILE).summary, /building `cext` from source failed/);
  assert.match(c("pip", PIP_VCS).summary, /https:\/\/nonexistent\.invalid\/x\.git/);
  assert.match(c("pip", PIP_NO_GIT).summary, /needs `git`, which is not installed/);
  assert.match(
    c("pip", PIP_CRASH).summary,
    /pip itself crashed \(ModuleNotFoundError: No module named 'dataclasses'\)/,
  );
  assert.match(c("pip", PIP_CRASH).hint, /prime info -v shows which pip/);
});

Deno.test("a missing version reads the same under both drivers, and a long reason line is cut", () => {
  const uv = classifyFailure({ installer: "uv", output: UV_NO_VERSION });
  const pip = classifyFailure({ installer: "pip", output: PIP_NO_VERSION });
  assert.equal(uv.summary, pip.summary);
  assert.match(uv.summary, /no version of `requests==99` is on the package sources/);
  const reason = installerReason(PIP_NO_VERSION);
  assert.ok(reason.every((l) => l.length < 600), reason.join("\n"));
  assert.match(reason[0], /… \(\d+ more characters with -v\)$/);
});

// A project whose setup.py exits with a message: uv 0.13.9 and pip 23.2.1, captured.
const UV_BACKEND_MESSAGE = `Using Python 3.11.7 environment at: .prime/.venv.uv
error: The build backend returned an error
  cause: Call to \`setuptools.build_meta:__legacy__.get_requires_for_build_editable\` failed (exit status: 1)

         [stderr]
         boom: custom build failure`;
const PIP_BACKEND_MESSAGE = `Obtaining file:///tmp/r1/bf
  Installing build dependencies: started
  Installing build dependencies: finished with status 'done'
  Getting requirements to build editable: started
  Getting requirements to build editable: finished with status 'error'

  error: subprocess-exited-with-error
  
  × Getting requirements to build editable did not run successfully.
  │ exit code: 1
  ╰─> [1 lines of output]
      boom: custom build failure
      [end of output]
  
  note: This error originates from a subprocess, and is likely not a problem with pip.
error: subprocess-exited-with-error

× Getting requirements to build editable did not run successfully.
│ exit code: 1
╰─> See above for output.

note: This error originates from a subprocess, and is likely not a problem with pip.`;

Deno.test("a build that fails with its own message shows that message and is a build failure, under both installers", () => {
  for (
    const [installer, output] of [["uv", UV_BACKEND_MESSAGE], ["pip", PIP_BACKEND_MESSAGE]] as const
  ) {
    const reason = installerReason(output);
    assert.ok(reason.length <= 4, `${installer}: ${reason}`);
    assert.equal(reason.at(-1), "boom: custom build failure", `${installer}: ${reason}`);
    const cause = classifyFailure({ installer, output });
    assert.equal(cause.id, "compile", installer);
    assert.match(cause.summary, /from source failed \(see the build output/);
    assert.doesNotMatch(cause.hint, /fix the requirement named above/);
  }
});

Deno.test("createFailure() of a uv venv whose cache is closed names the cache and UV_CACHE_DIR, not --refresh", () => {
  const e = createFailure(
    "uv",
    "creating the venv /r/.prime/.venv.g1 failed: uv venv exited 2",
    "uv venv /r/.prime/.venv.g1",
    { code: 2, stdout: "", stderr: UV_CACHE_CLOSED, signal: null, timedOut: false },
    'run prime with --refresh, or try venv_driver = "venv_pip"',
  );
  assert.equal(e.exitCode, 5);
  assert.match(e.message, /uv cannot use its cache dir \/root\/\.cache\/uv/);
  assert.match(e.hint ?? "", /UV_CACHE_DIR/);
  assert.doesNotMatch(e.hint ?? "", /--refresh/);
});
