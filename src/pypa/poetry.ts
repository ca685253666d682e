/**
 * Poetry's version constraints (`^3.10`, `~3.10`, `>=3.8,<4.0`, `3.10.*`, `*`, joined
 * by `||`) as PEP 440 specifiers, for `[tool.poetry.dependencies] python`. Pure.
 */

/** The release parts of `3`, `3.10`, `3.10.2`, or null. */
function release(v: string): number[] | null {
  return /^\d+(\.\d+){0,2}$/.test(v) ? v.split(".").map(Number) : null;
}

/** One poetry constraint (no `||`) as a PEP 440 specifier set, `""` for any, or null. */
function oneConstraint(text: string): string | null {
  const parts = text.split(/\s*,\s*|\s+(?=[<>=!~^])/).map((p) => p.trim()).filter(Boolean);
  const out: string[] = [];
  for (const p of parts) {
    if (p === "*") continue;
    const caret = /^\^\s*(.+)$/.exec(p);
    const tilde = /^~(?!=)\s*(.+)$/.exec(p);
    if (caret || tilde) {
      const v = (caret ?? tilde)![1];
      const r = release(v);
      if (r === null) return null;
      // ^X.Y.Z: below the next release of the first non-zero part (`^0.2` < 0.3);
      // ~X.Y(.Z): below the next minor (`~3` below 4).
      let upper: number[];
      if (caret) {
        const i = r.findIndex((n) => n !== 0);
        const at = i === -1 ? r.length - 1 : i;
        upper = [...r.slice(0, at), r[at] + 1];
      } else {
        upper = r.length === 1 ? [r[0] + 1] : [r[0], r[1] + 1];
      }
      out.push(`>=${v}`, `<${upper.join(".")}`);
      continue;
    }
    if (/^(===?|!=|<=?|>=?|~=)\s*\d/.test(p)) {
      out.push(p.replace(/\s+/g, ""));
      continue;
    }
    // A bare version: `3.10.*` or `3.10` (poetry's exact version, any patch here).
    const bare = /^(\d+(?:\.\d+){0,2})(\.\*)?$/.exec(p);
    if (bare) {
      out.push(bare[2] || bare[1].split(".").length < 3 ? `==${bare[1]}.*` : `==${bare[1]}`);
      continue;
    }
    return null;
  }
  return out.join(",");
}

/**
 * A poetry constraint as PEP 440 alternatives (one per `||`); `""` stands for any
 * version. Null when poetry's syntax is not understood.
 */
export function poetryConstraint(text: string): string[] | null {
  const alts = text.split("||").map((a) => a.trim());
  const out: string[] = [];
  for (const a of alts) {
    const c = oneConstraint(a);
    if (c === null) return null;
    out.push(c);
  }
  return out;
}

/** Whether prime can install from a poetry.lock of this `lock-version` (2.1 and later 2.x). */
export function poetryLockReadable(version: unknown): boolean {
  if (typeof version !== "string") return false;
  const m = /^2\.(\d+)$/.exec(version.trim());
  return m !== null && Number(m[1]) >= 1;
}

/** The `lock-version` of a poetry.lock text, read without parsing it all, or null. */
export function poetryLockVersion(text: string): string | null {
  const m = /^lock-version\s*=\s*"([^"]*)"/m.exec(text);
  return m ? m[1] : null;
}
