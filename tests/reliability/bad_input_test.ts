/**
 * The bad-input catalogue: every entry is a small repo (or none), a command line and
 * the outcome README "Exit codes" promises: its exit code, a message naming the file or thing and
 * (where given) the fix, no stack trace without -v, and never exit 70. Entries for
 * bugs outside this suite's files are kept, skipped, with "(known bug: ...)" in the name.
 * docs/RELIABILITY.md lists the same catalogue.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathTaken, pyenvPythons, runPrime } from "../helpers/fixtures.ts";
import {
  APP,
  assertCleanFailure,
  greetingLine,
  IGNORE,
  makeRepo,
  primeToml,
  PY,
  venvPython,
  WHY,
} from "../helpers/reliability.ts";
import { need, requires } from "../helpers/requires.ts";

/** One catalogue entry. */
interface Case {
  area: string;
  name: string;
  /** prime.toml's content; null for none. Default: the hermetic pip repo. */
  toml?: string | null;
  files?: Record<string, string>;
  setup?: (dir: string) => Promise<void> | void;
  /** Undoes setup (chattr -i) so the temp dir stays removable. */
  teardown?: (dir: string) => Promise<void> | void;
  args: string[] | ((dir: string) => string[]);
  env?: Record<string, string> | ((dir: string) => Record<string, string>);
  code: number;
  /** stderr must match every one: the file or thing named, the reason. */
  says: RegExp[];
  /** The next step the message gives; null when it gives none (listed in the docs). */
  fix: RegExp | null;
  /** A reason to skip on this machine (root, a missing tool), or null to run. */
  skip?: () => string | null;
  /** A known bug outside this suite's files: the entry is skipped with this in its name. */
  knownBug?: string;
  /** Checks after the run (such as: the selector's child is gone). */
  after?: (dir: string) => Promise<void> | void;
}

/** The base config without required_python_version, so .python-version decides. */
const NO_REQ = primeToml().replace(/^required_python_version.*\n/m, "");
const SELECTOR = `${NO_REQ}python_selector_file_rel_path = "sel.sh"\n`;

const isRoot = () => Deno.uid() === 0;
const rootSkip = () =>
  isRoot() ? "runs as root, where chmod 000 does not block reading; run as a user to test" : null;

function hasChattr(): boolean {
  try {
    return new Deno.Command("chattr", { args: ["--help"], stderr: "null", stdout: "null" })
      .outputSync().code !== 127;
  } catch {
    return false;
  }
}

async function chattr(flag: "+i" | "-i", path: string): Promise<void> {
  const o = await new Deno.Command("chattr", { args: [flag, path] }).output();
  if (o.code !== 0) throw new Error(new TextDecoder().decode(o.stderr));
}

/** Whether chattr +i works here (root, and a file system that supports it). */
async function canChattr(): Promise<boolean> {
  if (!hasChattr()) return false;
  const d = await Deno.makeTempDir();
  try {
    await chattr("+i", d);
    await chattr("-i", d);
    return true;
  } catch {
    return false;
  }
}
const CHATTR = await canChattr();
const chattrSkip = () =>
  CHATTR ? null : "needs chattr +i (root on ext4/xfs) to make a read-only directory";

/** PRIME_CACHE_DIR inside a directory made read-only with chattr +i. */
const READ_ONLY_CACHE = {
  skip: chattrSkip,
  setup: async (d: string) => {
    await Deno.mkdir(join(d, "ro-cache"));
    await chattr("+i", join(d, "ro-cache"));
  },
  teardown: (d: string) => chattr("-i", join(d, "ro-cache")),
  env: (d: string) => ({ PRIME_CACHE_DIR: join(d, "ro-cache", "prime") }),
};

/** Whether a process is still running (a zombie waiting to be reaped counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

/** Waits until the process is gone (SIGKILL is delivered at once; reaping may lag). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!running(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export const CATALOGUE: Case[] = [
  // ---- the command line ----
  {
    area: "CLI",
    name: "an unknown option",
    args: ["--bogus", "app.py"],
    code: 2,
    says: [/unknown option --bogus/],
    fix: /prime --help/,
  },
  {
    area: "CLI",
    name: "an unknown command",
    args: ["frobnicate"],
    code: 2,
    says: [/unknown command or script: frobnicate/],
    fix: /commands are sync, run/,
  },
  {
    area: "CLI",
    name: "a missing script given as a path",
    args: ["./missing.py"],
    code: 2,
    says: [/script not found: \.\/missing\.py/],
    fix: /check the path/,
  },
  {
    area: "CLI",
    name: "a missing script given as a bare name",
    args: ["missing.py", "--flag"],
    code: 2,
    says: [/unknown command or script: missing\.py/],
    fix: /a script must be an existing file/,
  },
  {
    area: "CLI",
    name: "a missing script followed by the script's own -v",
    args: ["missing.py", "-v"],
    code: 2,
    says: [/unknown command or script: missing\.py/],
    fix: /a script must be an existing file/,
  },
  {
    area: "CLI",
    name: "a script that is a directory",
    setup: (d) => Deno.mkdir(join(d, "dir.py")),
    args: ["./dir.py"],
    code: 2,
    says: [/not a file: \.\/dir\.py/],
    fix: null,
  },
  {
    area: "CLI",
    name: "a script given as a bare name that is a FIFO",
    setup: async (d) => {
      const r = await new Deno.Command("mkfifo", { args: [join(d, "fifo.py")] }).output();
      assert.equal(r.code, 0);
    },
    args: ["fifo.py"],
    code: 2,
    says: [/not a file: fifo\.py/],
    fix: null,
  },
  {
    area: "CLI",
    name: "-C to a missing directory",
    args: ["-C", "/nonexistent/prime-dir", "sync"],
    code: 2,
    says: [/-C \/nonexistent\/prime-dir: not a directory/],
    fix: null,
  },
  {
    area: "CLI",
    name: "-C to a file",
    args: ["-C", "app.py", "sync"],
    code: 2,
    says: [/-C app\.py: not a directory/],
    fix: null,
  },
  {
    area: "CLI",
    name: "an option that needs a value, at the end",
    args: ["--env"],
    code: 2,
    says: [/option --env needs a value/],
    fix: null,
  },
  {
    area: "CLI",
    name: "run without a command",
    args: ["run"],
    code: 2,
    says: [/run needs a command/],
    fix: /prime run python -m pytest/,
  },
  {
    area: "CLI",
    name: "gc --older-than with a word",
    args: ["gc", "--older-than", "abc"],
    code: 2,
    says: [/--older-than needs a number of days, not abc/],
    fix: null,
  },
  {
    area: "CLI",
    name: "env --shell with an unknown shell",
    args: ["env", "--shell", "bogus"],
    code: 2,
    says: [/--shell must be sh \(or bash, zsh, dash, ksh\), fish or json, not bogus/],
    fix: null,
  },
  {
    area: "CLI",
    name: "an env name that the config does not define",
    args: ["-e", "nosuch", "sync"],
    code: 3,
    says: [/unknown env `nosuch` \(from --env\)/, /prime\.toml/],
    fix: /add an \[env\.nosuch\] table/,
  },
  {
    area: "CLI",
    name: "--python with a path that does not exist",
    args: ["--python", "/nonexistent/python3", "sync"],
    code: 4,
    says: [/--python \/nonexistent\/python3: no such file/],
    fix: /pass the path of a Python interpreter/,
  },
  {
    area: "CLI",
    name: "--python with garbage",
    args: ["--python", "garbage!!", "sync"],
    code: 3,
    says: [/--python: `garbage!!` is not a Python version/],
    fix: /write a version/,
  },
  {
    area: "environment",
    name: "PRIME_VENV_DRIVER with an unknown driver",
    args: ["sync"],
    env: { PRIME_VENV_DRIVER: "bogus" },
    code: 3,
    says: [/PRIME_VENV_DRIVER: unknown driver `bogus`/],
    fix: /set it to venv_uv or venv_pip/,
  },
  {
    area: "environment",
    name: "PRIME_ENV naming an env the config does not define",
    args: ["sync"],
    env: { PRIME_ENV: "nosuch" },
    code: 3,
    says: [/unknown env `nosuch` \(from PRIME_ENV\)/],
    fix: /add an \[env\.nosuch\] table/,
  },
  {
    area: "environment",
    name: "a cache dir that cannot be written (PRIME_CACHE_DIR in a read-only dir)",
    ...READ_ONLY_CACHE,
    args: ["app.py"],
    code: 5,
    says: [/ro-cache/, /Operation not permitted|Permission denied|Read-only/],
    fix: /point PRIME_CACHE_DIR at a writable directory/,
  },

  {
    area: "environment",
    name: "a cache dir that cannot be written, with the driver left to prime",
    toml: "",
    ...READ_ONLY_CACHE,
    args: ["app.py"],
    code: 5,
    says: [/ro-cache/],
    fix: /PRIME_CACHE_DIR/,
  },

  // ---- the configuration ----
  {
    area: "config",
    name: "a TOML syntax error",
    toml: 'venv_driver = "venv_pip\nx = 1\n',
    args: ["sync"],
    code: 3,
    says: [/prime\.toml:1:\d+: invalid TOML/],
    fix: /fix the syntax/,
  },
  {
    area: "config",
    name: "a TOML syntax error in pyproject.toml",
    toml: null,
    files: { "pyproject.toml": "[tool.prime\nvenv_driver = 1\n" },
    args: ["sync"],
    code: 3,
    says: [/pyproject\.toml:1:\d+: invalid TOML/],
    fix: /fix the syntax/,
  },
  {
    area: "config",
    name: "an unknown key with a close spelling",
    toml: `${primeToml()}requirments = []\n`,
    args: ["sync"],
    code: 3,
    says: [/prime\.toml: unknown key `requirments`; did you mean `requirements`\?/],
    fix: /did you mean/,
  },
  {
    area: "config",
    name: "an unknown key inside an [env.NAME] table",
    toml: `${primeToml()}[env.dev]\nrequirments = []\n`,
    args: ["sync"],
    code: 3,
    says: [/prime\.toml: \[env\.dev\] unknown key `requirments`; did you mean `requirements`\?/],
    fix: /did you mean/,
  },
  {
    area: "config",
    name: "a value of the wrong type",
    toml: `${primeToml()}python_path = 3\n`,
    args: ["sync"],
    code: 3,
    says: [/prime\.toml: `python_path` must be an array of strings, found a number/],
    fix: /python_path = \["\.\.\."\]/,
  },
  {
    area: "config",
    name: "a wrong type in pyproject.toml [tool.prime]",
    toml: null,
    files: { "pyproject.toml": "[tool.prime]\nvenv_driver = 3\n" },
    args: ["sync"],
    code: 3,
    says: [/pyproject\.toml: \[tool\.prime\] `venv_driver` must be a string, found a number/],
    fix: null,
  },
  {
    area: "config",
    name: "an unknown venv_driver",
    toml: 'venv_driver = "conda"\n',
    args: ["sync"],
    code: 3,
    says: [/prime\.toml: `venv_driver` must be venv_uv or venv_pip, found `conda`/],
    fix: null,
  },
  {
    area: "config",
    name: "a var that is not a string",
    toml: `${primeToml()}vars = { A = 1 }\n`,
    args: ["sync"],
    code: 3,
    says: [/prime\.toml: `vars\.A` must be a string, found a number/],
    fix: /quote it/,
  },
  {
    area: "config",
    name: "a bad version specifier",
    toml: primeToml().replace(/^required_python_version.*$/m, 'required_python_version = ">=3.x"'),
    args: ["sync"],
    code: 3,
    says: [/prime\.toml: `required_python_version`: `>=3\.x` is not a Python version/],
    fix: /write a version/,
  },
  {
    area: "config",
    name: "a dependency that is not PEP 508",
    toml: primeToml(["greeting=="]),
    args: ["sync"],
    code: 3,
    says: [/prime\.toml: `dependencies` item `greeting==` is not a valid PEP 508 requirement/],
    fix: null,
  },
  {
    area: "config",
    name: "a path escaping the ref root",
    toml: `${primeToml()}python_path = ["../outside"]\n`,
    args: ["sync"],
    code: 3,
    says: [/prime\.toml python_path: `\.\.\/outside` is outside the ref root/],
    fix: /relative paths must stay inside the ref root/,
  },
  {
    area: "config",
    name: "an absolute venv dir outside the ref root",
    toml: `${primeToml()}local_venv_dir_rel_path = "/tmp/elsewhere-venv"\n`,
    args: ["sync"],
    code: 3,
    says: [/local_venv_dir_rel_path: `\/tmp\/elsewhere-venv` is outside the ref root/],
    fix: /relative paths must stay inside the ref root/,
  },
  {
    area: "config",
    name: "a missing requirements file",
    toml: `${primeToml()}requirements = ["req.txt"]\n`,
    args: ["sync"],
    code: 3,
    says: [/prime\.toml requirements: the file `req\.txt` does not exist/],
    fix: /create it, or remove it from `requirements`/,
  },
  {
    area: "config",
    name: "a missing file named by -r inside a requirements file",
    toml: `${primeToml([])}requirements = ["req.txt"]\n`,
    files: { "req.txt": "-r nested.txt\n" },
    args: ["sync"],
    code: 3,
    says: [/requirements file not found: .*\/nested\.txt \(named in .*\/req\.txt\)/],
    fix: /create it or remove the reference/,
  },
  {
    area: "config",
    name: "a vars file that is a directory",
    toml: `${primeToml()}vars_files = [".env"]\n`,
    setup: (d) => Deno.mkdir(join(d, ".env")),
    args: ["sync"],
    code: 3,
    says: [/prime\.toml vars_files: `\.env` is not a file/],
    fix: /point `vars_files` at a file/,
  },
  {
    area: "config",
    name: "default_env naming an env with no table",
    toml: `${primeToml()}default_env = "nosuch"\n`,
    args: ["sync"],
    code: 3,
    says: [/prime\.toml: `default_env` names `nosuch`, which has no \[env\.nosuch\] table/],
    fix: /add an \[env\.nosuch\] table/,
  },

  // ---- .python-version ----
  {
    area: ".python-version",
    name: "garbage lines are warned about with their line numbers; a good line still wins",
    toml: NO_REQ,
    files: {
      ".python-version": `garbage\n# a comment\n\nfoo@bar\n${PY?.minor} # inline comment\n`,
    },
    args: ["app.py"],
    code: 0,
    says: [
      /\.python-version:1: ignored `garbage`/,
      /\.python-version:4: ignored `foo@bar`/,
    ],
    fix: /expected 3\.12, cpython@3\.12/,
    after: async (dir) => {
      // The good line decided the interpreter (PY is the newest pyenv Python, not the
      // one a bare search picks first).
      const v = await venvPython(
        join(dir, ".venv"),
        "import sys; print('%d.%d' % sys.version_info[:2])",
      );
      assert.deepEqual(v, { code: 0, out: PY?.minor });
    },
  },
  {
    area: ".python-version",
    name: "a file with no usable line is ignored with a warning",
    toml: NO_REQ,
    files: { ".python-version": "\u00ff\u00fe\0bad\n" },
    args: ["app.py"],
    code: 0,
    says: [/\.python-version:1: ignored/, /\.python-version: no usable version in the file/],
    fix: null,
  },
  {
    area: ".python-version",
    name: "an unsatisfiable version lists every rejected candidate",
    toml: NO_REQ,
    files: { ".python-version": "9.99\n" },
    args: ["app.py"],
    code: 4,
    says: [
      /no interpreter satisfies ==9\.99\.\* \(from .*\.python-version\)/,
      // every real Python is listed with its reason
      ...pyenvPythons().filter((p) => p.minor.startsWith("3.")).map((p) =>
        new RegExp(`version ${p.version.replaceAll(".", "\\.")} does not satisfy ==9\\.99\\.\\*`)
      ),
    ],
    fix: /install one \(pyenv install 9\.99/,
  },
  {
    area: ".python-version",
    name: "a .python-version that is a directory",
    toml: NO_REQ,
    setup: (d) => Deno.mkdir(join(d, ".python-version")),
    args: ["app.py"],
    code: 3,
    says: [/\.python-version: not a regular file/],
    fix: /replace it with a file, or remove it/,
  },

  // ---- PEP 723 blocks (no repo config: the block decides) ----
  {
    area: "PEP 723",
    name: "an unclosed block is ignored with a warning and the script runs",
    toml: null,
    files: { "s.py": '# /// script\n# dependencies = []\nprint("ran")\n' },
    args: ["s.py"],
    code: 0,
    says: [/s\.py:1: ignored an unclosed `# \/\/\/ script` block/],
    fix: /no `# \/\/\/` line ends/,
  },
  {
    area: "PEP 723",
    name: "two script blocks",
    toml: null,
    files: {
      "s.py":
        "# /// script\n# dependencies = []\n# ///\n# /// script\n# dependencies = []\n# ///\n",
    },
    args: ["s.py"],
    code: 3,
    says: [/s\.py:4: a `# \/\/\/ script` line inside the script block/],
    fix: /close the first block/,
  },
  {
    area: "PEP 723",
    name: "invalid TOML in the block",
    toml: null,
    files: { "s.py": "# /// script\n# dependencies = [\n# ///\n" },
    args: ["s.py"],
    code: 3,
    says: [/s\.py:\d+:\d+: invalid TOML/],
    fix: /fix the syntax/,
  },
  {
    area: "PEP 723",
    name: "requires-python of the wrong type",
    toml: null,
    files: { "s.py": "# /// script\n# requires-python = 3\n# ///\n" },
    args: ["s.py"],
    code: 3,
    says: [/s\.py:2: script block: `requires-python` must be a string, found a number/],
    fix: null,
  },
  {
    area: "PEP 723",
    name: "dependencies that are not a list",
    toml: null,
    files: { "s.py": '# /// script\n# dependencies = "greeting"\n# ///\n' },
    args: ["s.py"],
    code: 3,
    says: [/s\.py:2: script block: `dependencies` must be/],
    fix: null,
  },
  {
    area: "PEP 723",
    name: "a bad requires-python specifier",
    toml: null,
    files: { "s.py": '# /// script\n# requires-python = ">=3.x"\n# ///\n' },
    args: ["s.py"],
    code: 3,
    says: [/s\.py:2: script block: `requires-python` `>=3\.x` is not a valid PEP 440 specifier/],
    fix: /write a specifier such as/,
  },
  {
    area: "PEP 723",
    name: "an unknown key in [tool.prime]",
    toml: null,
    files: { "s.py": "# /// script\n# [tool.prime]\n# bogus = 1\n# ///\n" },
    args: ["s.py"],
    code: 3,
    says: [/s\.py:3: script block: unknown key `tool\.prime\.bogus`/],
    fix: /\[tool\.prime\] in a script block may hold/,
  },
  {
    area: "PEP 723",
    name: "a dependency that is not PEP 508",
    toml: null,
    files: { "s.py": '# /// script\n# dependencies = ["greeting=="]\n# ///\n' },
    args: ["s.py"],
    code: 3,
    says: [/s\.py.*greeting==/],
    fix: null,
  },
  {
    area: "PEP 723",
    name: "a block dependency missing from the find-links dir (install fails)",
    toml: null,
    files: {
      "s.py": '# /// script\n# dependencies = ["nothere"]\n# [tool.prime]\n' +
        '# install_args = ["--no-index", "--find-links", "wheels"]\n' +
        '# venv_driver = "venv_pip"\n# ///\n',
    },
    args: ["s.py"],
    code: 6,
    says: [/installing dependencies failed/, /nothere/],
    fix: /nothing is marked fresh/,
  },

  // ---- the selector script ----
  {
    area: "selector",
    name: "a selector that does not exist",
    toml: SELECTOR,
    args: ["app.py"],
    code: 4,
    says: [/python selector .*\/sel\.sh: no such file/],
    fix: /create it, or fix python_selector_file_rel_path/,
  },
  {
    area: "selector",
    name: "a selector that is not executable",
    toml: SELECTOR,
    files: { "sel.sh": "#!/bin/sh\necho hi\n" },
    args: ["app.py"],
    code: 4,
    says: [/python selector .*\/sel\.sh: not executable/],
    fix: /chmod \+x .*sel\.sh/,
  },
  {
    area: "selector",
    name: "a selector that fails",
    toml: SELECTOR,
    files: { "sel.sh": "#!/bin/sh\necho 'no python for you' >&2\nexit 3\n" },
    setup: (d) => Deno.chmod(join(d, "sel.sh"), 0o755),
    args: ["app.py"],
    code: 4,
    says: [/python selector .*\/sel\.sh: failed: exit code 3/, /no python for you/],
    fix: /run it by hand to see why/,
  },
  {
    area: "selector",
    name: "a selector that hangs (PRIME_SELECTOR_TIMEOUT=1), its children killed too",
    toml: SELECTOR,
    files: { "sel.sh": '#!/bin/sh\nsleep 300 &\necho $! > "$0.child"\nwait\n' },
    setup: (d) => Deno.chmod(join(d, "sel.sh"), 0o755),
    env: { PRIME_SELECTOR_TIMEOUT: "1" },
    args: ["app.py"],
    code: 4,
    says: [/python selector .*\/sel\.sh: timed out after 1 s/],
    fix: /raise PRIME_SELECTOR_TIMEOUT/,
    after: async (d) => {
      const pid = Number(Deno.readTextFileSync(join(d, "sel.sh.child")).trim());
      assert.ok(pid > 0);
      assert.ok(await gone(pid), `the selector's child ${pid} was left running`);
    },
  },
  {
    area: "selector",
    name: "a selector printing garbage",
    toml: SELECTOR,
    files: { "sel.sh": "#!/bin/sh\nprintf 'not a path \\001\\002\\n'\n" },
    setup: (d) => Deno.chmod(join(d, "sel.sh"), 0o755),
    args: ["app.py"],
    code: 4,
    says: [/python selector .*\/sel\.sh: printed ".*not a path.*", which is not an existing file/],
    fix: /make it print an interpreter path as its last line/,
  },
  {
    area: "selector",
    name: "a selector printing a file that is not a Python",
    toml: SELECTOR,
    files: { "sel.sh": "#!/bin/sh\necho /etc/hostname\n" },
    setup: (d) => Deno.chmod(join(d, "sel.sh"), 0o755),
    args: ["app.py"],
    code: 4,
    says: [/printed "\/etc\/hostname", which is not a usable Python/],
    fix: /make it print an interpreter path/,
  },
  {
    area: "selector",
    name: "a selector whose #! interpreter is missing",
    toml: SELECTOR,
    files: { "sel.sh": "#!/nonexistent/interpreter\n" },
    setup: (d) => Deno.chmod(join(d, "sel.sh"), 0o755),
    args: ["app.py"],
    code: 4,
    says: [/python selector .*\/sel\.sh: cannot run/],
    fix: /its #! interpreter exists/,
  },

  // ---- unreadable files ----
  {
    area: "files",
    name: "an unreadable prime.toml (chmod 000)",
    skip: rootSkip,
    setup: (d) => Deno.chmod(join(d, "prime.toml"), 0),
    args: ["sync"],
    code: 3,
    says: [/prime\.toml/, /[Pp]ermission denied/],
    fix: null,
  },
  {
    area: "files",
    name: "an unreadable requirements file (chmod 000)",
    skip: rootSkip,
    toml: `${primeToml([])}requirements = ["req.txt"]\n`,
    files: { "req.txt": "greeting==1.0\n" },
    setup: (d) => Deno.chmod(join(d, "req.txt"), 0),
    args: ["sync"],
    code: 3,
    says: [/req\.txt/, /[Pp]ermission denied/],
    fix: null,
  },
  {
    area: "files",
    name: "a requirements file that is a directory",
    toml: `${primeToml([])}requirements = ["req.txt"]\n`,
    setup: (d) => Deno.mkdir(join(d, "req.txt")),
    args: ["sync"],
    code: 3,
    says: [/prime\.toml requirements: `req\.txt` is not a file/],
    fix: /point `requirements` at a file/,
  },
  {
    area: "files",
    name: "a prime.toml that is a directory",
    toml: null,
    setup: (d) => Deno.mkdir(join(d, "prime.toml")),
    args: ["sync"],
    code: 3,
    says: [/prime\.toml/, /not a file/],
    fix: /rename or remove it/,
  },
  {
    area: "files",
    name: "a read-only repo (chattr +i): the venv cannot be created",
    skip: chattrSkip,
    setup: (d) => chattr("+i", d),
    teardown: (d) => chattr("-i", d),
    args: ["app.py"],
    code: 5,
    says: [/cannot create the venv .*\/\.venv: .* is not writable/],
    fix: /make the directory writable, or set local_venv_dir_rel_path/,
  },
  {
    area: "files",
    name: "prime clean in a read-only repo (chattr +i) with a venv in it",
    skip: chattrSkip,
    setup: async (d) => {
      await Deno.mkdir(join(d, ".venv"));
      await Deno.writeTextFile(join(d, ".venv", "pyvenv.cfg"), "home = /usr/bin\n");
      await chattr("+i", d);
    },
    teardown: (d) => chattr("-i", d),
    args: ["clean"],
    code: 5,
    says: [/cannot remove \.venv: .*not permitted/],
    fix: /make its directory writable .* then run prime clean again/,
  },
];

for (const c of CATALOGUE) {
  const skipWhy = IGNORE ? null : c.skip?.() ?? null;
  const suffix = c.knownBug
    ? ` (known bug: ${c.knownBug})`
    : skipWhy
    ? requires(need(false, skipWhy)).why
    : WHY;
  Deno.test({
    name: `bad input, ${c.area}: ${c.name} -> exit ${c.code}${suffix}`,
    ignore: IGNORE || skipWhy !== null || c.knownBug !== undefined,
    async fn() {
      const files: Record<string, string> = { ...(c.files ?? {}) };
      const { dir, env } = await makeRepo({ toml: c.toml ?? primeToml(), files });
      if (c.toml === null) await Deno.remove(join(dir, "prime.toml"));
      await c.setup?.(dir);
      let r;
      try {
        const args = typeof c.args === "function" ? c.args(dir) : c.args;
        const extra = typeof c.env === "function" ? c.env(dir) : c.env ?? {};
        r = await runPrime(args, { cwd: dir, env: { ...env, ...extra } });
      } finally {
        await c.teardown?.(dir);
      }
      const what = `${c.area}: ${c.name}`;
      if (c.code === 0) {
        assert.equal(r.code, 0, `${what}\n${r.stderr}`);
        assert.doesNotMatch(r.stderr, /^\s{4}at /m, what);
      } else {
        assertCleanFailure(r, c.code, what);
        assert.equal(r.stdout, "", `${what}: nothing on stdout`);
      }
      for (const re of c.says) assert.match(r.stderr, re, what);
      if (c.fix) assert.match(r.stderr, c.fix, `${what}: the fix`);
      await c.after?.(dir);
    },
  });
}

Deno.test({
  name: 'a repo in "my proj ü" with spaces and non-ASCII in every path works end to end' + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      subdir: "my proj ü",
      toml: primeToml([], 'requirements = ["reqs ü.txt"]\npython_path = ["src dir ü"]', "wheels"),
      files: {
        "reqs ü.txt": "greeting==1.0\n",
        "src dir ü/mod_ü.py": "WORD = 'ü'\n",
        "tools ü/my app ü.py": `import mod_ü\n${APP}print(mod_ü.WORD)\n`,
      },
    });
    await Deno.rename(join(dir, "wheels"), join(dir, "wheels dir ü"));
    const toml = await Deno.readTextFile(join(dir, "prime.toml"));
    await Deno.writeTextFile(
      join(dir, "prime.toml"),
      toml.replace('"--find-links", "wheels"', '"--find-links", "wheels dir ü"'),
    );
    const elsewhere = await Deno.makeTempDir();
    const script = join(dir, "tools ü", "my app ü.py");
    const sync = await runPrime(["-C", dir, "sync"], { cwd: elsewhere, env });
    assert.equal(sync.code, 0, sync.stderr);
    for (const round of ["after sync", "warm"]) {
      const r = await runPrime(["-v", script, "a b", "ü"], { cwd: elsewhere, env });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      // The first start after sync writes the warm pointer; the second uses it.
      if (round === "warm") assert.equal(pathTaken(r), "warm", r.stderr);
      assert.equal(r.stdout, `${greetingLine()} ['a b', 'ü']\nü\n`, round);
    }
    const run = await runPrime(
      ["-C", dir, "run", "python", "-c", "import sys; print(sys.prefix)"],
      {
        cwd: elsewhere,
        env,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), join(dir, ".venv"));
  },
});
