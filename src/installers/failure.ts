/**
 * Why an installer failed, from its output: one cause and the hint that fixes it. Each
 * cause is one entry of CAUSES, tried in order (the first match wins), so a new cause
 * is one more entry: put a specific cause before a general one it overlaps (a TLS error
 * is also "could not fetch"). classifyFailure is pure: the caller passes the output and
 * the environment the installer ran with.
 */
import { InstallError, VenvError } from "../core/errors.ts";
import type { RunResult } from "../process.ts";
import { truthy } from "../pypa/pip_config.ts";
import * as log from "../log.ts";

/** Which installer produced the output. */
export type Installer = "pip" | "uv";

/** What a classifier sees. */
export interface FailureInput {
  installer: Installer;
  /** The installer's stdout and stderr, combined. */
  output: string;
  /** The environment the installer ran with (PIP_*, UV_*, ...). */
  env?: Record<string, string | undefined>;
  /** prime ran with --offline (pip with --no-index, uv with --offline). */
  offline?: boolean;
  /**
   * prime's verbosity, which decides where the installer's output is: streamed above
   * (-vv), printed in full after the error (-v), or only its reason (default).
   */
  verbosity?: number;
}

/** A classified failure. */
export interface FailureCause {
  /** A stable name (`tls`, `pip-user`, `hash-missing`, `not-found`, ...), for tests and --json. */
  id: string;
  /** What went wrong, short, for the end of the error's first line. */
  summary: string;
  /** The next step. */
  hint: string;
}

/** One known cause: `match` returns the cause when the output shows it, else null. */
export interface CauseRule {
  id: string;
  match(input: FailureInput): Omit<FailureCause, "id"> | null;
}

const RERUN = "then run prime again (nothing is marked fresh)";

/** An installer's words for an index it could not reach. */
const NETWORK =
  /Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|Connection refused|dns error|error sending request|Could not connect|Max retries exceeded|ProxyError|timed out/i;

const PYVER_HINT =
  `pin a version that supports this Python, or require a Python it supports (required_python_version or .python-version; prime info shows the selected interpreter), ${RERUN}`;

/** The output of a build whose own requirements ([build-system].requires) failed. */
const BUILD_REQUIRES =
  /Failed to resolve requirements from `build-system\.requires`|pip subprocess to install build dependencies did not run successfully/;

/** pip found versions of a requirement, and none of them matches. */
const SOME_VERSIONS = /\(from versions: (?!none\))[^)]+\)/;

/** The cause when nothing more specific is recognised. */
const GENERIC_CAUSE: FailureCause = {
  id: "other",
  summary: "",
  hint: `fix the requirement named above, ${RERUN}`,
};

/** The first capture of the first pattern that matches, or "" when one matches without one. */
function firstMatch(text: string, patterns: RegExp[]): string | null {
  for (const re of patterns) {
    const m = re.exec(text);
    if (m) return (m[1] ?? "").trim();
  }
  return null;
}

/** The known causes, most specific first. Other issues add theirs here. */
const CAUSES: CauseRule[] = [
  {
    // First: a full disk makes pip and uv report all sorts of secondary errors.
    id: "no-space",
    match({ output }) {
      const m =
        /No space left on device|Disk quota exceeded|\[Errno (?:28|122)\]|os error (?:28|122)\b/i
          .exec(output);
      if (!m) return null;
      const quota = /quota|122/i.test(m[0]);
      return {
        summary: quota
          ? "the disk quota is used up (EDQUOT)"
          : "the disk is full (no space or no inodes left, ENOSPC)",
        hint:
          `free space on the venv's file system and in the installer's cache and TMPDIR (df -h; df -i), ${RERUN}`,
      };
    },
  },
  {
    // uv stops before anything else when it cannot make its cache (pip only warns and
    // runs without one): most often a HOME of another user's, kept by `sudo -u`.
    id: "uv-cache",
    match({ output }) {
      const m = /Failed to initialize cache at `([^`\n]+)`/.exec(output);
      if (!m) return null;
      return {
        summary: `uv cannot use its cache dir ${m[1]}`,
        hint:
          `point UV_CACHE_DIR at a directory of your own (HOME may name another user's, as \`sudo -u\` without -H keeps it), ${RERUN}`,
      };
    },
  },
  {
    id: "pip-user",
    match({ installer, output, env }) {
      const said = /Can not perform a '--user' install|User site-packages are not visible/i
        .test(output);
      if (!said && !(installer === "pip" && truthy(env?.PIP_USER) && /--user/.test(output))) {
        return null;
      }
      return {
        summary: "pip was told to install into your home (PIP_USER=1 or user = true in pip.conf)",
        hint:
          "a venv cannot take a --user install: unset PIP_USER (or set it to 0 for prime), or drop `user = true` from pip.conf; prime info -v shows where it is set",
      };
    },
  },
  {
    id: "tls",
    match({ installer, output }) {
      if (
        !/CERTIFICATE_VERIFY_FAILED|certificate verify failed|invalid peer certificate|UnknownIssuer|self[- ]signed certificate|unable to get local issuer certificate|SSLError|tls handshake|BadSignature|certificate has expired/i
          .test(output)
      ) return null;
      const fix = installer === "uv"
        ? "point SSL_CERT_FILE (or `cert` in pip.conf / PIP_CERT, which prime passes to uv) at your CA bundle, or set UV_NATIVE_TLS=1 to use the system's store"
        : "point PIP_CERT or `cert` in pip.conf at your CA bundle (or REQUESTS_CA_BUNDLE)";
      return {
        summary: "the package index's TLS certificate is not trusted",
        hint: `${fix}, ${RERUN}`,
      };
    },
  },
  {
    id: "hash-mismatch",
    match({ output }) {
      if (
        !/THESE PACKAGES DO NOT MATCH THE HASHES|Hash mismatch for|do not match the hashes/i.test(
          output,
        )
      ) return null;
      return {
        summary: "a downloaded file does not match the hash it is pinned to",
        hint:
          `the index served a different file than the one locked: check the index or mirror, or regenerate the hashes (uv lock, pip-compile --generate-hashes), ${RERUN}`,
      };
    },
  },
  {
    // Before hash-missing: an editable or a directory can never carry a hash, so the
    // fix is to keep hash-checking mode away from it, not to add a hash.
    id: "hash-conflict",
    match({ output }) {
      if (
        !/cannot be installed when requiring hashes|Can't verify hashes for these file:\/\/ requirements because they point to directories|must have a hash, but none were provided for: (?:-e )?file:\/\//i
          .test(output)
      ) return null;
      return {
        summary:
          "hash-checking mode is on for a call that also installs an editable project or a local directory, which cannot be hashed",
        hint:
          `prime already installs hash-pinned requirement files in a call of their own; drop --require-hashes from install_args (and PIP_REQUIRE_HASHES / require-hashes in pip.conf), or install the project from a hashed wheel, ${RERUN}`,
      };
    },
  },
  {
    id: "hash-missing",
    match({ output }) {
      if (
        !/Hashes are required in --require-hashes mode|In --require-hashes mode, all requirements must have their versions pinned|In `--require-hashes` mode, all requirements must|requirements must have a hash|Hash-checking is enabled, but no hashes were provided/i
          .test(output)
      ) return null;
      return {
        summary:
          "hash-checking mode is on (a --hash in a requirements file, or PIP_REQUIRE_HASHES), and some requirement has no ==pin or no --hash",
        hint:
          `give every requirement (dependencies and project dirs included) a ==pin and a --hash (pip-compile --generate-hashes, uv pip compile --generate-hashes), or use no hashes at all, ${RERUN}`,
      };
    },
  },
  {
    // Before not-found: pip says "no matching distribution" when every version it
    // skipped needs another Python.
    id: "python-version",
    match({ output }) {
      const pip = /Package '([^']+)' requires a different Python: (\S+) not in '([^']+)'/.exec(
        output,
      );
      if (pip) {
        return {
          summary: `\`${pip[1]}\` does not support Python ${pip[2]} (it requires ${pip[3]})`,
          hint: PYVER_HINT,
        };
      }
      const uv =
        /Because (?:the current Python version \(([^)]+)\) does not satisfy Python ?([^ ,]+)|([A-Za-z0-9._-]+)(?:[=<>!~][^ ]*)? (?:depends on|requires) Python ?([^ ,]+))/
          .exec(output);
      if (uv) {
        const what = uv[3] ? `\`${uv[3]}\`` : "a requirement";
        const need = uv[2] ?? uv[4];
        return {
          summary: `${what} needs Python ${need}${uv[1] ? `, not ${uv[1]}` : ""}`,
          hint: PYVER_HINT,
        };
      }
      if (/Ignored the following versions that require a different python version/i.test(output)) {
        const name = firstMatch(output, [/No matching distribution found for (\S+)/]);
        return {
          summary: `${
            name ? `\`${name}\`` : "a requirement"
          } has no version for this Python (the index has versions that require another Python)`,
          hint: PYVER_HINT,
        };
      }
      return null;
    },
  },
  {
    // Before not-found: with the network off, "not found" means "not here", not "no such package".
    id: "offline",
    match({ installer, output, offline }) {
      const uvSaid = /network was disabled|was not found in the cache/i.test(output);
      const name = firstMatch(output, [
        /Because (\S+) was not found in the cache/,
        /No matching distribution found for (\S+)/,
        /Could not find a version that satisfies the requirement (\S+)/,
        /Because (\S+) was not found in the (?:package registry|provided package locations)/,
      ]);
      if (!uvSaid && !(offline && name !== null)) return null;
      const what = name ? `\`${name}\`` : "a requirement";
      const where = installer === "uv"
        ? "uv's cache or the local find-links"
        : "the local find-links";
      return {
        summary:
          `${what} is not in ${where}, and the install ran offline (prime --offline, or UV_OFFLINE), so no index was asked`,
        hint:
          `run once without --offline (uv then caches it), or put its wheel in a find-links directory (PIP_FIND_LINKS, find-links in pip.conf, install_args), ${RERUN}`,
      };
    },
  },
  {
    // Before not-found: the package exists, no version of it matches the bound. (A build
    // requirement or uv's first-index rule is a resolution failure, with its own hint.)
    id: "no-version",
    match({ output }) {
      if (BUILD_REQUIRES.test(output) || /--index-strategy unsafe-best-match/.test(output)) {
        return null;
      }
      const name = firstMatch(output, [
        /Could not find a version that satisfies the requirement (\S+) \(from versions: (?!none\))/,
        /Because there is no version of (\S+?)(?: and|,|\s*$)/m,
        /Because only \S+ is available and you require ([^\s,]+)/,
      ]);
      if (name === null) return null;
      const what = name ? `\`${name}\`` : "a requirement";
      return {
        summary:
          `no version of ${what} is on the package sources in force (other versions of it are)`,
        hint:
          `check the version bound (a typo, or a release that does not exist yet), and the index settings (prime info -v shows each one), ${RERUN}`,
      };
    },
  },
  {
    id: "not-found",
    match({ output }) {
      const name = firstMatch(output, [
        /No matching distribution found for (\S+)/,
        /Could not find a version that satisfies the requirement (\S+)/,
        /Because (\S+) was not found in the (?:package registry|provided package locations)/,
        /(\S+) was not found in the (?:package registry|provided package locations)/,
        /Because there (?:are|is) no versions? of (\S+)/,
        /Because only [^\n]* of (\S+) (?:is|are) available/,
        /Package `?([^`\s]+)`? not found/,
      ]);
      if (name === null) return null;
      // Versions exist, none matches: a resolution failure, not a missing name.
      if (SOME_VERSIONS.test(output) || /Because only [^\n]* is available/.test(output)) {
        return null;
      }
      // pip retries an unreachable index, then says "from versions: none": the cause
      // is the network, not the name.
      if (/\(from versions: none\)/.test(output) && NETWORK.test(output)) return null;
      const what = name ? `\`${name}\`` : "a requirement";
      return {
        summary: `${what} was not found on the package sources in force`,
        hint:
          `check its name and version, and the index settings (prime info -v shows each one and where it comes from), ${RERUN}`,
      };
    },
  },
  {
    // Before compile: a build whose own requirements cannot be resolved never ran a
    // compiler, so the C-compiler hint would send the user the wrong way.
    id: "resolution",
    match({ output, verbosity }) {
      const build = BUILD_REQUIRES.test(output);
      if (
        !build && !SOME_VERSIONS.test(output) &&
        !/No solution found when resolving|ResolutionImpossible|conflicting dependencies/.test(
          output,
        )
      ) return null;
      const project = firstMatch(output, [
        /Failed to build `([^` @]+)/,
        /Processing \S*?([^/\s]+)\s*$/m,
      ]);
      const what = project ? ` of \`${project}\`` : "";
      const firstIndex = /--index-strategy unsafe-best-match/.test(output);
      return {
        summary: build
          ? `the build requirements${what} ([build-system].requires) cannot be resolved: no version matches (see the reason ${
            (verbosity ?? 0) >= 2 ? "above" : "below"
          })`
          : `no set of versions satisfies the requirements together (see the reason ${
            (verbosity ?? 0) >= 2 ? "above" : "below"
          })`,
        hint: firstIndex
          ? `uv takes each package from the first index that has it (uv's own rule, from UV_INDEX_STRATEGY, uv.toml or [tool.uv]); if you trust every index equally, set index-strategy = "unsafe-best-match" there (docs/SECURITY.md says what that means), ${RERUN}`
          : `loosen or fix the version bounds the reason names, or check the index settings (prime info -v shows each one), ${RERUN}`,
      };
    },
  },
  {
    // Before network: git's own connection errors come with a clone that failed.
    id: "vcs",
    match({ output }) {
      const vcs =
        /git clone [^\n]* did not run successfully|Git operation failed|fatal: unable to access|fatal: repository '[^']*' not found|Cannot find command '(?:git|hg|svn)'|hg clone [^\n]* did not run successfully|svn checkout [^\n]* did not run successfully|failed to clone into|Host key verification failed|Permission denied \(publickey/i;
      if (!vcs.test(output)) return null;
      const url = firstMatch(output, [
        /unable to access '([^']+)'/,
        /repository '([^']+)' not found/,
        /Cloning (\S+) to /,
        /Updating (\S+) \(/,
      ]);
      const missing = /Cannot find command '(git|hg|svn)'/.exec(output);
      return {
        summary: missing
          ? `a VCS requirement needs \`${missing[1]}\`, which is not installed`
          : `the VCS host of a requirement could not be reached or refused access${
            url ? ` (${url})` : ""
          }`,
        hint: missing
          ? `install ${missing[1]} (apt-get install ${
            missing[1]
          }), or pin a released version from the index, ${RERUN}`
          : `check that the host is reachable and that your credentials work (git ls-remote URL shows the same error; SSH keys, a credential helper, a token in the URL), or pin a released version from the index, ${RERUN}`,
      };
    },
  },
  {
    id: "network",
    match({ output }) {
      if (!NETWORK.test(output)) return null;
      return {
        summary: "the package index could not be reached",
        hint:
          `check the network, the proxy (HTTPS_PROXY) and the index URL (prime info -v shows them), or pass --offline to install from local find-links only, ${RERUN}`,
      };
    },
  },
  {
    // After the network causes: a build that fails to download its own tools is theirs.
    id: "compile",
    match({ output, verbosity }) {
      const name = firstMatch(output, [
        /Failed building wheel for (\S+)/,
        /Failed to build `([^` @]+)/,
        /Failed to build installable wheels for some pyproject\.toml based projects \(([^)]+)\)/,
        /Preparing metadata \(pyproject\.toml\) did not run successfully[\s\S]*?(?:^|\n)\s*(?:Building|Collecting) (\S+)/,
      ]);
      const compiler =
        /error: command '[^']*(?:gcc|cc|clang|g\+\+|c\+\+)' failed|fatal error: [^\n]*\.h: No such file|Unknown compiler\(s\)|CMake Error|error: Microsoft Visual C\+\+|returned non-zero exit status|compilation terminated/i
          .test(output);
      // A backend that failed on its own (a setup.py that exits, a missing import) is a
      // build failure too, though it names no package and runs no compiler.
      const backend = /build backend returned an error|did not run successfully/i.test(output);
      if (name === null && !compiler && !backend) return null;
      if (
        name === null &&
        !/subprocess-exited-with-error|build backend returned an error/i.test(output)
      ) {
        return null;
      }
      const what = name ? `\`${name}\`` : "a package";
      const v = verbosity ?? 0;
      const where = v >= 2 ? "above" : v === 1 ? "below" : "with prime -v";
      return {
        summary: compiler
          ? `building ${what} from source failed: its compile step failed (see the compiler's errors ${where})`
          : `building ${what} from source failed (see the build output ${where})`,
        hint:
          `install what its build needs (a C compiler and the Python headers: build-essential and python3-dev, or the dev packages its errors name), or pin a version with a wheel for this Python and platform; with --no-build-isolation its [build-system].requires must install first (prime does that for project_dirs); -vv shows the whole build, ${RERUN}`,
      };
    },
  },
  {
    // Last: the installer itself died (pip's own traceback, uv's panic), so the
    // requirements are not to blame.
    id: "installer-crash",
    match({ installer, output }) {
      const pipCrash = /Traceback \(most recent call last\):/.test(output) &&
        /pip\/_internal\/|pip\/__main__\.py|pip\/_vendor\//.test(output) &&
        !/subprocess-exited-with-error|did not run successfully/.test(output);
      const uvPanic = /panicked at|thread '[^']*' panicked/.test(output);
      if (!pipCrash && !uvPanic) return null;
      const last = firstMatch(output, [/\n(\w+(?:Error|Exception)[^\n]*)\s*$/]);
      return {
        summary: `${installer === "uv" || uvPanic ? "uv" : "pip"} itself crashed${
          last ? ` (${last})` : ""
        }, not because of a requirement`,
        hint: uvPanic
          ? `try venv_driver = "venv_pip", and report the panic above to uv with the command, ${RERUN}`
          : `prime info -v shows which pip runs for this interpreter and the wheels passed over; try venv_driver = "venv_uv", or a newer Python whose bundled pip works, ${RERUN}`,
      };
    },
  },
];

/** The cause of an installer failure: the first rule that matches, else GENERIC_CAUSE. Pure. */
export function classifyFailure(input: FailureInput, rules: CauseRule[] = CAUSES): FailureCause {
  for (const rule of rules) {
    const m = rule.match(input);
    if (m) return { id: rule.id, ...m };
  }
  return GENERIC_CAUSE;
}

/** Lines of an installer's output that say why it failed; the rest is progress. */
const REASON =
  /^(?:ERROR|error|cause|Caused by|hint):|^× |(?:^|: )(?:fatal )?error: |returned non-zero exit status/;
/** The longest reason line shown by default (uv's hints run to about 400 characters). */
const MAX_REASON_LINE = 500;

/** Reason lines that only repeat another one (pip's summaries of a failed build). */
const ECHO =
  /^× |Failed building wheel for|Failed to build installable wheels|Could not build wheels for|subprocess-exited-with-error|See above for output/;

/**
 * The installer's own reason for a failure, at most `max` lines, in its order: its
 * `error:`/`ERROR:`/`cause:`/`hint:` lines and a compiler's `error:` lines. Over the
 * limit, pip's repeated summaries go first, then the middle of the chain (the first
 * line says what failed, the last ones why). The last lines of the output when none
 * matches. Pure.
 */
export function installerReason(output: string, max = 4): string[] {
  const lines: string[] = [];
  const add = (l: string) => {
    // pip lists every version it saw on one line: keep the start, say how much is cut.
    const shown = l.length > MAX_REASON_LINE
      ? `${l.slice(0, MAX_REASON_LINE)}… (${l.length - MAX_REASON_LINE} more characters with -v)`
      : l;
    if (!lines.includes(shown)) lines.push(shown);
  };
  // A build's own output (pip's `╰─> [N lines of output]` … `[end of output]`, uv's
  // indented `[stderr]` block) ends with what the backend said, often the only line
  // that names the cause (`ModuleNotFoundError: …`, a setup.py's SystemExit): its
  // last line is a reason line too.
  let block: "pip" | "uv" | null = null;
  let blockLast = "";
  const endBlock = () => {
    if (blockLast) add(blockLast);
    block = null;
    blockLast = "";
  };
  for (const raw of output.split("\n")) {
    const l = raw.trim();
    if (block === "pip" && l === "[end of output]") {
      endBlock();
      continue;
    }
    if (
      block === "uv" && l &&
      (!/^\s/.test(raw) || /^\[std(?:out|err)\]$|^(?:cause|hint|error):/.test(l))
    ) {
      endBlock();
    }
    if (block !== null) {
      if (l) blockLast = l;
    } else if (/^╰─> \[\d+ lines? of output\]$/.test(l)) block = "pip";
    else if (l === "[stderr]") block = "uv";
    if (!l || !REASON.test(l) || /subprocess-exited-with-error/.test(l)) continue;
    add(l);
  }
  endBlock();
  if (lines.length === 0) {
    return output.split("\n").map((l) => l.trim()).filter(Boolean).slice(-max);
  }
  while (lines.length > max) {
    const echo = lines.findIndex((l) => ECHO.test(l));
    lines.splice(echo >= 0 ? echo : 1, 1);
  }
  return lines;
}

/**
 * The details of any failed installer run, by verbosity: at most 4 lines of its own
 * reason (default), the command and the whole output (-v), the command only (-vv,
 * which streamed the output already).
 */
function failureDetails(
  command: string,
  result: RunResult,
  verbosity: number = log.getVerbosity(),
): string {
  const output = (result.stdout + "\n" + result.stderr).trim();
  if (verbosity >= 2) return `$ ${command}`;
  if (verbosity === 1) return `$ ${command}\n${output}`;
  return installerReason(output).map((l) => `  ${l}`).join("\n");
}

/**
 * The InstallError (exit 6) for a failed installer run: the cause's summary and hint,
 * and under them the installer's own reason in at most 4 lines; with -v the command
 * and the whole output instead (with -vv the output was streamed already, so only the
 * command).
 */
export function installFailure(
  installer: Installer,
  what: string,
  command: string,
  result: RunResult,
  env?: Record<string, string | undefined>,
  opts: { offline?: boolean; verbosity?: number } = {},
): InstallError {
  const output = (result.stdout + "\n" + result.stderr).trim();
  const verbosity = opts.verbosity ?? log.getVerbosity();
  const cause = classifyFailure({ installer, output, env, offline: opts.offline, verbosity });
  const details = failureDetails(command, result, verbosity);
  const more = verbosity >= 1
    ? ""
    : "; prime -v shows the command and the installer's whole output";
  return new InstallError(
    `installing dependencies failed: ${what}${cause.summary ? `: ${cause.summary}` : ""}`,
    { details, hint: cause.hint + more },
  );
}

/** The causes a venv creation can show: a full disk, and uv's cache it cannot make. */
const CREATE_CAUSES = CAUSES.filter((c) => c.id === "no-space" || c.id === "uv-cache");

/**
 * The VenvError (exit 5) for a failed venv creation (`python -m venv`, `uv venv`): a
 * full disk says so, with its hint (Python's `[Errno 28]` said nothing of it under "check
 * that the interpreter's venv module works"), and so does a uv cache it cannot make;
 * anything else gets `hint`.
 */
export function createFailure(
  installer: Installer,
  what: string,
  command: string,
  result: RunResult,
  hint: string,
): VenvError {
  const output = result.stdout + "\n" + result.stderr;
  let known: Omit<FailureCause, "id"> | null = null;
  for (const c of CREATE_CAUSES) if ((known = c.match({ installer, output })) !== null) break;
  return new VenvError(known ? `${what}: ${known.summary}` : what, {
    details: failureDetails(command, result),
    hint: known ? known.hint : hint,
  });
}
