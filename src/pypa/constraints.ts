/**
 * The pins of a constraints file as `prime lock` writes it (`name==version` lines), read
 * back: for `prime info`, and for `prime lock --upgrade[-package]`, which drops pins
 * before resolving again. Pure.
 */
import { normalizeName } from "./pep508.ts";

const PIN = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(===?)\s*([^\s;#]+)/;

/** One pin: the name as written, its normalized form, the version. */
export interface Pin {
  name: string;
  key: string;
  version: string;
}

/** The `name==version` (or `===`) lines of a constraints file; anything else is skipped. */
export function readPins(text: string): Pin[] {
  const out: Pin[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = PIN.exec(raw.trim());
    if (m) out.push({ name: m[1], key: normalizeName(m[1]), version: m[3] });
  }
  return out;
}

/**
 * The constraints text with the pins of `names` removed (all pins when `names` is
 * "all"), so a new resolution may move them; comments and other lines stay. `missing`
 * lists the names asked for that had no pin.
 */
export function dropPins(
  text: string,
  names: readonly string[] | "all",
): { text: string; dropped: Pin[]; missing: string[] } {
  const want = names === "all" ? null : new Set(names.map(normalizeName));
  const dropped: Pin[] = [];
  const kept: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = PIN.exec(raw.trim());
    const key = m ? normalizeName(m[1]) : null;
    if (m && key !== null && (want === null || want.has(key))) {
      dropped.push({ name: m[1], key, version: m[3] });
    } else kept.push(raw);
  }
  const missing = want === null ? [] : [...want].filter((k) => !dropped.some((p) => p.key === k));
  return { text: kept.join("\n"), dropped, missing };
}

/** `name old -> new` lines for every pin that changed, was added or was removed. */
export function pinChanges(before: Pin[], after: Pin[]): string[] {
  const old = new Map(before.map((p) => [p.key, p]));
  const now = new Map(after.map((p) => [p.key, p]));
  const out: string[] = [];
  for (const p of after) {
    const o = old.get(p.key);
    if (o === undefined) out.push(`${p.name} (new) ${p.version}`);
    else if (o.version !== p.version) out.push(`${p.name} ${o.version} -> ${p.version}`);
  }
  for (const p of before) if (!now.has(p.key)) out.push(`${p.name} ${p.version} (gone)`);
  return out;
}

/**
 * The packages a uv.lock or pylock.toml pins, as `name==version`, sorted: every
 * `[[package]]` (uv.lock) or `[[packages]]` (PEP 751) entry with a version, except the
 * project itself and workspace members (uv's `editable`/`virtual` sources, which are
 * installed from the tree, not pinned). `parseToml` is the caller's TOML reader.
 */
export function lockFilePins(
  text: string,
  parseToml: (text: string) => Record<string, unknown>,
): string[] {
  const doc = parseToml(text);
  const entries = (doc.package ?? doc.packages) as unknown;
  if (!Array.isArray(entries)) return [];
  const out: string[] = [];
  for (const e of entries as Record<string, unknown>[]) {
    const source = e.source as Record<string, unknown> | undefined;
    if (source && ("editable" in source || "virtual" in source)) continue;
    if (typeof e.name === "string" && typeof e.version === "string") {
      out.push(`${e.name}==${e.version}`);
    }
  }
  return out.sort();
}
