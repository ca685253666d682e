/** Where prime keeps its own files. Deno APIs only: this runs on the warm path. */
import { diskError } from "../errors.ts";

/** The cache dir: $PRIME_CACHE_DIR, else $XDG_CACHE_HOME/prime, else ~/.cache/prime. */
export function cacheDir(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): string {
  const explicit = env("PRIME_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/prime`;
  const home = env("HOME") ?? "/tmp";
  return `${home}/.cache/prime`;
}

/** The file inside a venv that records what it was built from. */
export function stampPath(venvDir: string): string {
  return `${venvDir}/prime-stamp.json`;
}

/** The venv's own interpreter. */
export function venvPython(venvDir: string): string {
  return `${venvDir}/bin/python`;
}

/** The file that holds this clone's `prime use` choice (an untracked, self-ignoring folder). */
export function useChoicePath(refRoot: string): string {
  return `${refRoot}/.prime/env`;
}

/** Hex SHA-256 of a string or bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  const b = new Uint8Array(digest);
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

/** Hex SHA-256 of a file's content, or null when it does not exist. */
export async function fileSha256(path: string): Promise<string | null> {
  try {
    // A sync read: these are small files, and an async op costs a round trip per file.
    return await sha256Hex(Deno.readFileSync(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw e;
  }
}

/** Makes a folder that git never sees (it holds a `.gitignore` of `*`). */
export function ensureSelfIgnoringDir(dir: string): void {
  Deno.mkdirSync(dir, { recursive: true });
  try {
    Deno.writeTextFileSync(`${dir}/.gitignore`, "*\n", { createNew: true });
  } catch { /* already there */ }
}

/** Writes a file atomically: temp file in the same directory, then rename. */
export function writeFileAtomic(path: string, data: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${Deno.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    Deno.writeTextFileSync(tmp, data, { mode });
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* nothing to clean */ }
    throw diskError(e, path) ?? e;
  }
}
