/**
 * Where prime's releases live. RELEASE_REPO is a PLACEHOLDER until the project's real
 * home is known; this is the one place to change it (scripts/install.sh repeats the
 * value, and tests/unit/release_test.ts fails until the two agree).
 */
import { PRIME_VERSION } from "./core/version.ts";

/** The GitHub owner/name that publishes prime's releases. */
export const RELEASE_REPO = "prime-dev/prime";

/**
 * The one setting that points every consumer at another release host (a mirror, a
 * local build, the project's real home while RELEASE_REPO is a placeholder): the URL
 * of the directory holding prime-<target> and SHA256SUMS. scripts/install.sh, the
 * `prime init --wrapper` wrapper at run time and `prime init --wrapper` itself read it.
 */
export const RELEASE_BASE_VAR = "PRIME_INSTALL_BASE_URL";

/** What to tell a user whose fetch from the default (placeholder) host failed. */
export const PLACEHOLDER_HINT =
  `${RELEASE_REPO} is a placeholder release host until prime has a real home: set ${RELEASE_BASE_VAR} to the directory holding prime-<target> and SHA256SUMS (a mirror, or file://…/dist of a local build)`;

/** The targets a release ships (`deno compile --target`), in the order they are built. */
export const RELEASE_TARGETS: readonly string[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

/** The URL of the directory holding release `version`'s prime-<target> files and SHA256SUMS. */
export function releaseBaseUrl(version: string = PRIME_VERSION): string {
  return `https://github.com/${RELEASE_REPO}/releases/download/v${version}`;
}

/**
 * The entries of a `sha256sum`-format text: name -> lowercase hex. `*name` (binary
 * mode) counts as name; malformed lines are skipped. Pure.
 */
export function parseSha256Sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *]?\*?(\S+)\s*$/.exec(line);
    if (m) out.set(m[2], m[1].toLowerCase());
  }
  return out;
}
