/** The fingerprint of a venv's inputs: what the stamp records and freshness compares. */
import type { StampInput, StampPython } from "../core/stamp.ts";
import { sha256Hex } from "../core/paths.ts";

/** Everything a venv is built from, in a stable shape. */
export interface FingerprintInput {
  prime: string;
  env: string | null;
  driver: string;
  /** The resolved settings that shape the build (plan, paths, vars), as plain data. */
  settings: unknown;
  inputs: StampInput[];
  python: StampPython;
}

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>).sort()) {
      out[k] = stable((value as Record<string, unknown>)[k]);
    }
    return out;
  }
  return value;
}

/** The fingerprint: SHA-256 over a canonical JSON of the inputs. Pure apart from hashing. */
export async function fingerprint(input: FingerprintInput): Promise<string> {
  return await sha256Hex(JSON.stringify(stable(input)));
}
