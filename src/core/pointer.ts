/**
 * Warm pointers: a small file in the cache that maps what the user asked for
 * (ref root or PEP 723 block, env request, overrides) to the venv that serves it,
 * so the warm path finds the venv and its stamp without parsing configuration.
 * Losing a pointer only costs one cold check; it never decides freshness.
 *
 * Also this clone's env choice made with `prime use`, kept in `<ref root>/.prime/env`:
 * it is part of the request a repo's pointer is keyed on.
 */
import {
  ensureSelfIgnoringDir,
  ownCacheSubdir,
  readBoundedText,
  refuseLink,
  sha256Hex,
  useChoicePath,
  writeFileAtomic,
} from "./paths.ts";
import { ConfigError, diskError, errorMessage, VenvError } from "./errors.ts";
import { absoluteFrom, dirname } from "./files.ts";
import { groupRequestKey, type InvocationContext } from "./invocation.ts";

/** The request a pointer is keyed on. */
export interface PointerKey {
  kind: "repo" | "script" | "bare";
  /** The ref root (repo) or the normalised PEP 723 block text (script). */
  subject: string;
  envRequest: string;
  pythonOverride: string;
  driverOverride: string;
  /** The group and extra flags (`--group`, `--no-dev`, ...), canonical; empty for none. */
  groups?: string;
}

/**
 * The one function that builds a pointer key, on the warm and the cold path alike: the
 * subject (a ref root; `<script dir>\0<block>` for a PEP 723 script; the directory of a
 * bare script), the env asked for (repos only: --env, PRIME_ENV, then `prime use`),
 * --python/PRIME_PYTHON with a relative path made absolute against the invocation's
 * base (so `--python ./py` from two directories are two requests), and
 * PRIME_VENV_DRIVER, and the group and extra flags (repos only: a script has no groups).
 */
export function requestKey(
  kind: PointerKey["kind"],
  subject: string,
  inv: InvocationContext,
): PointerKey {
  const python = inv.overrides.python?.value ?? "";
  return {
    kind,
    subject,
    envRequest: kind === "repo" ? inv.overrides.env?.value ?? readUseChoice(subject) ?? "" : "",
    pythonOverride: python.includes("/") ? absoluteFrom(inv.base, python) : python,
    // A bare script has no venv, so no driver.
    driverOverride: kind === "bare" ? "" : inv.overrides.driver ?? "",
    groups: kind === "repo" && inv.overrides.groups ? groupRequestKey(inv.overrides.groups) : "",
  };
}

/** The pointer file for a request. */
export async function pointerPath(cache: string, key: PointerKey): Promise<string> {
  const parts = [key.kind, key.subject, key.envRequest, key.pythonOverride, key.driverOverride];
  // Added only when flags were given, so the pointers of plain requests keep their names.
  if (key.groups) parts.push(key.groups);
  const h = await sha256Hex(parts.join("\0"));
  return `${cache}/pointers/${h.slice(0, 32)}.json`;
}

/** What a pointer records: the venv, and the fingerprint of the build it was written for. */
export interface PointerEntry {
  venvDir: string;
  fingerprint: string;
}

/** Reads a pointer, or null. */
export function readPointerEntry(path: string): PointerEntry | null {
  try {
    const p = JSON.parse(Deno.readTextFileSync(path));
    if (typeof p?.venvDir !== "string") return null;
    return {
      venvDir: p.venvDir,
      fingerprint: typeof p.fingerprint === "string" ? p.fingerprint : "",
    };
  } catch {
    return null;
  }
}

/** Reads the venv a pointer names, or null. */
export function readPointer(path: string): string | null {
  return readPointerEntry(path)?.venvDir ?? null;
}

/**
 * Records the venv for a request (best effort: a read-only cache only costs speed).
 * The fingerprint ties the pointer to one build: several requests (envs, --python,
 * drivers) can name the same venv dir, and the warm path must never run a build that
 * was made for another of them.
 */
export function writePointer(path: string, venvDir: string, fingerprint = ""): void {
  try {
    ownCacheSubdir(dirname(path));
    writeFileAtomic(path, JSON.stringify({ venvDir, fingerprint }) + "\n");
  } catch { /* best effort */ }
}

// ---- The `prime use` choice, in `<ref root>/.prime/env`.

/**
 * The chosen env name, or null. Only a regular file counts: a committed symlink
 * (say to a file outside the clone) is not read, so nothing of its target is shown.
 * Deno APIs only (warm path).
 */
export function readUseChoice(refRoot: string): string | null {
  try {
    const path = useChoicePath(refRoot);
    if (!Deno.lstatSync(path).isFile || !Deno.lstatSync(`${refRoot}/.prime`).isDirectory) {
      return null;
    }
    const name = readBoundedText(path, { limit: 4096 }).trim();
    return name === "" ? null : name;
  } catch {
    return null;
  }
}

/** Saves (or with null clears) the choice. The folder ignores itself in git. */
export function writeUseChoice(refRoot: string, name: string | null): string {
  const dir = `${refRoot}/.prime`;
  const path = useChoicePath(refRoot);
  // Never through a link: a clone may commit `.prime` or `.prime/env` as one.
  refuseLink(dir, true);
  if (name === null) {
    try {
      Deno.removeSync(path); // a link is removed, never followed
    } catch { /* nothing chosen */ }
    return path;
  }
  try {
    ensureSelfIgnoringDir(dir, { noSymlink: true });
    refuseLink(path);
    writeFileAtomic(path, name + "\n");
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    // A full, over-quota or read-only disk is exit 5 naming the file, like every write
    // (writeFileAtomic has made it one already; mkdir has not).
    if (e instanceof VenvError) throw e;
    const disk = diskError(e, path);
    if (disk) throw disk;
    throw new ConfigError(
      `cannot save the env choice in ${path}: ${errorMessage(e)}`,
      `${dir} must be a writable directory prime owns; move whatever is there away`,
    );
  }
  return path;
}
