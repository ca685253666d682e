/**
 * `prime init --wrapper`: writes `./prime`, a small POSIX sh launcher to commit into a
 * repo (in the manner of gradlew or mvnw). It pins this prime's release version and
 * the sha256 of each platform's binary; on first use it downloads the binary into
 * the user's cache with curl or wget, verifies it and execs it; later runs are
 * offline. The checksums come from the release's SHA256SUMS, fetched once here.
 */
import { ConfigError, errorMessage, EXIT, PrimeError } from "../core/errors.ts";
import { createExclusive } from "./init.ts";
import { pathExists } from "../core/files.ts";
import * as log from "../log.ts";
import { PRIME_VERSION } from "../core/version.ts";
import { shQuote } from "../shell/quote.ts";
import {
  parseSha256Sums,
  PLACEHOLDER_HINT,
  RELEASE_BASE_VAR,
  RELEASE_TARGETS,
  releaseBaseUrl,
} from "../release.ts";

/** What the wrapper pins. */
export interface WrapperPins {
  version: string;
  /** The release directory URL (PRIME_INSTALL_BASE_URL overrides it at run time). */
  baseUrl: string;
  /** Target -> sha256 hex of prime-<target>, for every release target. */
  sums: Record<string, string>;
}

/** The wrapper script's text. Pure. */
export function renderWrapper(p: WrapperPins): string {
  const cases = RELEASE_TARGETS.filter((t) => p.sums[t]).map((t) => `  ${t}) want=${p.sums[t]} ;;`)
    .join("\n");
  return `#!/bin/sh
# prime ${p.version} for this repository: \`./prime\` from anywhere runs prime against
# this directory (as \`prime -C <here>\`). Written by \`prime init --wrapper\`; commit it.
# On first use it downloads the release binary for this platform into the user's
# cache (PRIME_CACHE_DIR, else XDG_CACHE_HOME/prime, else ~/.cache/prime), checks it
# against the sha256 below and execs it; later runs need no network. To upgrade,
# delete this file and run \`prime init --wrapper\` with the newer prime.
# A mirror of the release files: PRIME_INSTALL_BASE_URL=<URL of their directory>.
# Exit 8: prime could not be fetched (no downloader, network, checksum, platform).
set -u
version=${shQuote(p.version)}
base_url=\${PRIME_INSTALL_BASE_URL:-${shQuote(p.baseUrl)}}

die() {
  printf 'prime wrapper: error: %s\\n' "$*" >&2
  exit 8
}

os=$(uname -s) && arch=$(uname -m) || die "cannot detect the platform (uname failed)"
case "$os-$arch" in
  Linux-x86_64 | Linux-amd64) target=x86_64-unknown-linux-gnu ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-gnu ;;
  Darwin-x86_64)
    target=x86_64-apple-darwin
    # A shell under Rosetta reports x86_64 on Apple silicon; the native build is better.
    if [ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then target=aarch64-apple-darwin; fi
    ;;
  Darwin-arm64 | Darwin-aarch64) target=aarch64-apple-darwin ;;
  *) die "prime $version has no binary for $os $arch" ;;
esac
if [ "$os" = Linux ]; then
  # The Linux binaries need glibc; on musl (Alpine) they cannot start.
  for f in /lib/ld-musl-*.so.1; do
    [ -e "$f" ] && die "this is a musl Linux; prime $version is built for glibc only (use a glibc image, or prime from source)"
  done
  case $(ldd --version 2>&1) in *musl*) die "this is a musl Linux; prime $version is built for glibc only (use a glibc image, or prime from source)" ;; esac
fi
case $target in
${cases}
  *) die "this wrapper pins no checksum for prime-$target" ;;
esac

# The cache, found as prime finds it (docs/SECURITY.md): PRIME_CACHE_DIR (a relative
# one against the current directory), else XDG_CACHE_HOME/prime when it is absolute (the
# XDG spec says to ignore a relative one: it would name a dir in whatever clone the
# shell is in), else HOME/.cache/prime with an absolute HOME.
case \${PRIME_CACHE_DIR:-} in
  /*) cache=$PRIME_CACHE_DIR ;;
  ?*) cache=$(pwd)/$PRIME_CACHE_DIR ;;
  *)
    case \${XDG_CACHE_HOME:-} in
      /*) cache=$XDG_CACHE_HOME/prime ;;
      *)
        case \${HOME:-} in
          /*) cache=$HOME/.cache/prime ;;
          *)
            printf 'prime wrapper: error: %s\\n' "no cache dir: PRIME_CACHE_DIR, an absolute XDG_CACHE_HOME and HOME are all unset (set HOME, or PRIME_CACHE_DIR to a directory only you can write)" >&2
            exit 5
            ;;
        esac
        ;;
    esac
    ;;
esac
bin=$cache/dist/$version/prime-$target
# The cache must be the user's alone (as prime itself insists, docs/SECURITY.md): a
# binary another user could plant there is never run.
for p in "$cache" "$cache/dist" "\${bin%/*}" "$bin" "$bin.verified"; do
  [ -e "$p" ] || continue
  if [ -n "$(find "$p" -maxdepth 0 \\( ! -user "$(id -u)" -o -perm -0020 -o -perm -0002 \\) -print 2>/dev/null)" ]; then
    printf 'prime wrapper: error: %s\\n' "$p is owned or writable by another user; not running prime from it (chmod 700 it if it is yours, or set PRIME_CACHE_DIR)" >&2
    exit 5
  fi
done
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then got=$(sha256sum "$1")
  elif command -v shasum >/dev/null 2>&1; then got=$(shasum -a 256 "$1")
  else die "neither sha256sum nor shasum is installed: install one of them and run this again"; fi
  got=\${got%% *}
}
# What proves that $bin is the very file this wrapper verified: the checksum and its
# \`ls -lni\` line (inode, size, time), recorded right after the check. Any other file
# there (a copy, a file committed into a cache inside a clone) is hashed again before it
# runs, and one that does not match is deleted and downloaded again.
if [ -x "$bin" ] && [ "$(cat "$bin.verified" 2>/dev/null)" != "$want $(ls -lni "$bin")" ]; then
  sha256_of "$bin"
  if [ "$got" = "$want" ]; then
    (umask 077 && printf '%s\\n' "$want $(ls -lni "$bin")" >"$bin.verified.$$" && mv -f "$bin.verified.$$" "$bin.verified") || true
  else
    echo "prime wrapper: $bin does not match the pinned sha256; downloading it again" >&2
    rm -f "$bin" "$bin.verified" || die "cannot remove $bin"
  fi
fi
if [ ! -x "$bin" ]; then
  (umask 077 && mkdir -p "\${bin%/*}") || die "cannot create \${bin%/*}"
  tmp=$bin.download.$$
  trap 'rm -f "$tmp"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  url=\${base_url%/}/prime-$target
  echo "prime wrapper: downloading prime $version for $target (once) from $url" >&2
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o "$tmp" "$url" || die "downloading $url failed (curl's reason is above)"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$tmp" "$url" || die "downloading $url failed (wget could not fetch it)"
  else
    die "neither curl nor wget is installed: install one of them and run this again"
  fi
  sha256_of "$tmp"
  [ "$got" = "$want" ] || die "checksum mismatch for prime-$target from $url: expected $want, got $got; nothing was kept"
  chmod 755 "$tmp" && mv -f "$tmp" "$bin" || die "cannot install $bin"
  (umask 077 && printf '%s\\n' "$want $(ls -lni "$bin")" >"$bin.verified") || true
  trap - EXIT
fi
PRIME_LAUNCHER=$0
export PRIME_LAUNCHER
exec "$bin" "$@"
`;
}

/**
 * Fetches a URL's text, with a timeout, or throws a PrimeError (exit 8). `fromDefault`:
 * the URL is on the default host, which is still a placeholder (src/release.ts).
 */
async function fetchText(url: string, fromDefault = false): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    // fetch's own message is only "fetch failed"; the cause says why (DNS, TLS, refused).
    const cause = e instanceof Error && e.cause !== undefined ? `: ${errorMessage(e.cause)}` : "";
    throw new PrimeError(`cannot fetch ${url}: ${errorMessage(e)}${cause}`, EXIT.FETCH_PRIME, {
      hint: fromDefault
        ? PLACEHOLDER_HINT
        : "check the network, or set PRIME_INSTALL_BASE_URL to a mirror of the release files",
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new PrimeError(`cannot fetch ${url}: HTTP ${res.status}`, EXIT.FETCH_PRIME, {
      hint: fromDefault
        ? PLACEHOLDER_HINT
        : `is prime ${PRIME_VERSION} released? set PRIME_INSTALL_BASE_URL to a mirror otherwise`,
    });
  }
  return await res.text();
}

function exists(path: string): ConfigError {
  return new ConfigError(
    `${path} already exists: prime init --wrapper never overwrites`,
    "delete it first to write a wrapper for this prime's version",
  );
}

/** Writes `<startDir>/prime`. Never overwrites (exit 3, as `prime init`). */
export async function wrapperCommand(startDir: string): Promise<number> {
  const dir = Deno.realPathSync(startDir);
  const target = `${dir}/prime`;
  if (pathExists(target)) throw exists(target);
  const fromEnv = Deno.env.get(RELEASE_BASE_VAR);
  const baseUrl = releaseBaseUrl(PRIME_VERSION);
  const fetchBase = (fromEnv || baseUrl).replace(/\/+$/, "");
  const listed = parseSha256Sums(await fetchText(`${fetchBase}/SHA256SUMS`, !fromEnv));
  const sums: Record<string, string> = {};
  const missing: string[] = [];
  for (const t of RELEASE_TARGETS) {
    const hex = listed.get(`prime-${t}`);
    if (hex) sums[t] = hex;
    else missing.push(`prime-${t}`);
  }
  if (missing.length > 0) {
    throw new PrimeError(
      `${fetchBase}/SHA256SUMS lists no checksum for ${missing.join(", ")}`,
      EXIT.FETCH_PRIME,
      { hint: "the release is incomplete; use another release's prime" },
    );
  }
  const text = renderWrapper({ version: PRIME_VERSION, baseUrl, sums });
  try {
    createExclusive(target, text);
    Deno.chmodSync(target, 0o755);
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) throw exists(target);
    throw new ConfigError(
      `cannot write ${target}: ${errorMessage(e)}`,
      "check the directory's permissions",
    );
  }
  log.info(
    `prime: wrote ${target} (prime ${PRIME_VERSION}, ${
      (text.length / 1024).toFixed(1)
    } KiB); commit it, then \`./prime\` works from any directory`,
  );
  return 0;
}
