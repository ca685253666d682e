/**
 * Failure memos: a small JSON file in the cache that remembers, for a while, that
 * something slow failed (a uv download, a Python uv could not supply), so the next
 * starts do not pay the timeouts again. Best effort: a read-only cache only costs time.
 */
import { dirname } from "../core/files.ts";
import { readBoundedText } from "../core/paths.ts";

/** A memo still in force: when it was written, until when it holds, and its fields. */
export type Memo = { at: string; until: string } & Record<string, unknown>;

/** Reads a memo, or null when it is missing, unreadable or expired. */
export function readMemo(path: string): Memo | null {
  try {
    const m = JSON.parse(readBoundedText(path, { limit: 1024 * 1024 }));
    if (typeof m?.until !== "string" || Date.parse(m.until) <= Date.now()) return null;
    return { ...m, at: String(m.at), until: m.until };
  } catch {
    return null;
  }
}

/** Writes a memo that holds for `ttlMs` from now (its folder made private if missing). */
export function writeMemo(path: string, ttlMs: number, fields: Record<string, unknown>): void {
  try {
    const now = Date.now();
    Deno.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    Deno.writeTextFileSync(
      path,
      JSON.stringify({
        at: new Date(now).toISOString(),
        until: new Date(now + ttlMs).toISOString(),
        ...fields,
      }) + "\n",
    );
  } catch { /* a read-only cache only costs time */ }
}
