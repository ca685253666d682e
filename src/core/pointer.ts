/**
 * Warm pointers: a small file in the cache that maps what the user asked for
 * (ref root or PEP 723 block, env request, overrides) to the venv that serves it,
 * so the warm path finds the venv and its stamp without parsing configuration.
 * Losing a pointer only costs one cold check; it never decides freshness.
 * The env choice `prime use` saved (use_choice.ts) is part of a repo's request.
 */
import { ownCacheSubdir, sha256Hex, writeFileAtomic } from "./paths.ts";
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
