/**
 * Why an installer failed, from its output: one cause and the hint that fixes it. Each
 * cause is one entry of CAUSES, tried in order (the first match wins), so a new cause
 * is one more entry: put a specific cause before a general one it overlaps (a TLS error
 * is also "could not fetch"). classifyFailure is pure: the caller passes the output and
 * the environment the installer ran with.
 */
import { InstallError } from "../errors.ts";
import { type RunResult, tail } from "../process.ts";

/** Which installer produced the output. */
export type Installer = "pip" | "uv";

/** What a classifier sees. */
export interface FailureInput {
  installer: Installer;
  /** The installer's stdout and stderr, combined. */
  output: string;
  /** The environment the installer ran with (PIP_*, UV_*, ...). */
  env?: Record<string, string | undefined>;
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

/** The cause when nothing more specific is recognised. */
export const GENERIC_CAUSE: FailureCause = {
  id: "other",
  summary: "",
  hint: `fix the requirement named above, ${RERUN}`,
};

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

/** The first capture of the first pattern that matches, or "" when one matches without one. */
function firstMatch(text: string, patterns: RegExp[]): string | null {
  for (const re of patterns) {
    const m = re.exec(text);
    if (m) return (m[1] ?? "").trim();
  }
  return null;
}

/** The known causes, most specific first. Other issues add theirs here. */
export const CAUSES: CauseRule[] = [
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
      const what = name ? `\`${name}\`` : "a requirement";
      return {
        summary: `${what} was not found on the package sources in force`,
        hint:
          `check its name and version, and the index settings (prime info -v shows each one and where it comes from), ${RERUN}`,
      };
    },
  },
  {
    id: "network",
    match({ output }) {
      if (
        !/Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|Connection refused|dns error|error sending request|Could not connect|Max retries exceeded|ProxyError|timed out/i
          .test(output)
      ) return null;
      return {
        summary: "the package index could not be reached",
        hint:
          `check the network, the proxy (HTTPS_PROXY) and the index URL (prime info -v shows them), or pass --offline to install from local find-links only, ${RERUN}`,
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

/**
 * The InstallError (exit 6) for a failed installer run: the command, the tail of its
 * output, and the cause's summary and hint.
 */
export function installFailure(
  installer: Installer,
  what: string,
  command: string,
  result: RunResult,
  env?: Record<string, string | undefined>,
): InstallError {
  const output = result.stdout + "\n" + result.stderr;
  const cause = classifyFailure({ installer, output, env });
  return new InstallError(
    `installing dependencies failed: ${what}${cause.summary ? `: ${cause.summary}` : ""}`,
    { details: `$ ${command}\n${tail(result)}`, hint: cause.hint },
  );
}
