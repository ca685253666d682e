/**
 * The warm record of a script with no PEP 723 block and no ref root: such a script
 * runs on the selected interpreter with no venv, so there is no stamp to check. The
 * record (in the cache, under the script directory's pointer) holds what the
 * selection was made from: the interpreter's identity and the `.python-version`
 * files looked at (present with their hash, or required to stay absent).
 * Deno APIs only: the warm path reads it.
 */
import { ownCacheSubdir, writeFileAtomic } from "./paths.ts";
import { hashInputs, inputChange, interpreterChange, type StampInput } from "./stamp.ts";
import { PRIME_VERSION } from "../version.ts";
import { dirname } from "../util.ts";

/** A bare script's selection, as recorded. */
export interface BareRecord {
  prime: string;
  python: { path: string; realPath: string; mtimeMs: number; size: number };
  inputs: StampInput[];
}

/** Reads a bare record, or null. */
export function readBareRecord(path: string): BareRecord | null {
  try {
    const r = JSON.parse(Deno.readTextFileSync(path));
    if (r?.prime !== PRIME_VERSION || typeof r?.python?.path !== "string") return null;
    if (!Array.isArray(r.inputs)) return null;
    return r as BareRecord;
  } catch {
    return null;
  }
}

/** Whether the record still holds: same interpreter file, same `.python-version` files. */
export async function bareRecordHolds(r: BareRecord): Promise<boolean> {
  if (interpreterChange(r.python) !== null) return false;
  return inputChange(r.inputs, await hashInputs(r.inputs.map((i) => i.path))) === null;
}

/** Writes a bare record (best effort: a read-only cache only costs speed). */
export function writeBareRecord(path: string, r: BareRecord): void {
  try {
    ownCacheSubdir(dirname(path));
    writeFileAtomic(path, JSON.stringify(r) + "\n");
  } catch { /* best effort */ }
}
