/**
 * Warm pointers: a small file in the cache that maps what the user asked for
 * (ref root or PEP 723 block, env request, overrides) to the venv that serves it,
 * so the warm path finds the venv and its stamp without parsing configuration.
 * Losing a pointer only costs one cold check; it never decides freshness.
 * The env choice `prime use` saved (use_choice.ts) is part of a repo's request.
 */
import { isOwnDir, ownCacheSubdir, readOwnCacheFile, writeFileAtomic } from "./paths.ts";
import { fastHash } from "./hash.ts";
import { readUseChoice } from "./use_choice.ts";
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
  /** UV_PYTHON and PYENV_VERSION (they choose among satisfying Pythons); empty for none. */
  pythonChoice?: string;
}

/**
 * The one function that builds a pointer key, on the warm and the cold path alike: the
 * subject (a ref root; `<script dir>\0<block>` for a PEP 723 script; the directory of a
 * bare script), the env asked for (repos only: --env, PRIME_ENV, then `prime use`),
 * --python/PRIME_PYTHON with a relative path made absolute against the invocation's
 * base (so `--python ./py` from two directories are two requests), and
 * PRIME_VENV_DRIVER, the group and extra flags (repos only: a script has no groups), and
 * UV_PYTHON/PYENV_VERSION (which choose among the Pythons that satisfy).
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
    // A bare script has no venv, so no interpreter of its own to keep.
    pythonChoice: kind === "bare" ? "" : inv.overrides.pythonChoice ?? "",
  };
}

/** The request as one string: what a pointer is named after and records. */
export function pointerRequest(key: PointerKey): string {
  const parts = [key.kind, key.subject, key.envRequest, key.pythonOverride, key.driverOverride];
  if (key.groups) parts.push(key.groups);
  if (key.pythonChoice) parts.push(`python-choice\0${key.pythonChoice}`);
  return parts.join("\0");
}

/**
 * The pointer file for a request, named by a fast hash (no WebCrypto on the warm path):
 * the file records the whole request, and readers compare it.
 */
export function pointerPath(cache: string, key: PointerKey): string {
  return `${cache}/pointers/${fastHash(pointerRequest(key))}.json`;
}

/** What a pointer records: the venv, and the fingerprint of the build it was written for. */
export interface PointerEntry {
  venvDir: string;
  fingerprint: string;
}

/** The most a pointer file may hold (it is a few hundred bytes). */
const POINTER_MAX_BYTES = 64 * 1024;

/**
 * Reads a pointer, or null; with `request`, null unless it was written for that
 * request. Only from a `pointers/` dir and a file that are the user's and writable by
 * no one else (checked on the open file, see readOwnCacheFile).
 */
export function readPointerEntry(path: string, request?: string): PointerEntry | null {
  try {
    if (!isOwnDir(dirname(path))) return null;
    const text = readOwnCacheFile(path, POINTER_MAX_BYTES);
    if (text === null) return null;
    const p = JSON.parse(text);
    if (typeof p?.venvDir !== "string") return null;
    if (request !== undefined && p.request !== request) return null;
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
export function writePointer(
  path: string,
  venvDir: string,
  fingerprint = "",
  request?: string,
): void {
  try {
    ownCacheSubdir(dirname(path));
    writeFileAtomic(path, JSON.stringify({ venvDir, fingerprint, request }) + "\n");
  } catch { /* best effort */ }
}
