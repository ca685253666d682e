/**
 * What a build changed, for the summary line: distributions installed, upgraded,
 * downgraded and removed, by comparing the venv's dist-info directories (PEP 376)
 * before and after. The installers' own words are not needed: the venv says it.
 */
import { normalizeName } from "../pypa/pep508.ts";
import { compareVersions } from "../pypa/specifier.ts";
import { sitePackagesOf } from "../installers/progress.ts";

/** Counts of what a build changed. */
export interface PackageChanges {
  installed: number;
  upgraded: number;
  downgraded: number;
  removed: number;
}

/** name (normalized) -> version of every distribution in a venv's site-packages. */
export function packagesIn(venvDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const site = sitePackagesOf(venvDir);
  if (site === null) return out;
  try {
    for (const e of Deno.readDirSync(site)) {
      const m = /^(.+?)-([^-]+)\.dist-info$/.exec(e.name);
      if (m) out.set(normalizeName(m[1]), m[2]);
    }
  } catch { /* no venv there */ }
  return out;
}

/** The changes from `before` to `after`. Pure. */
export function diffPackages(
  before: Map<string, string>,
  after: Map<string, string>,
): PackageChanges {
  const c: PackageChanges = { installed: 0, upgraded: 0, downgraded: 0, removed: 0 };
  for (const [name, v] of after) {
    const old = before.get(name);
    if (old === undefined) c.installed++;
    else if (old !== v) {
      let cmp = 0;
      try {
        cmp = compareVersions(v, old);
      } catch { /* not PEP 440: call it an upgrade */ }
      if (cmp < 0) c.downgraded++;
      else c.upgraded++;
    }
  }
  for (const name of before.keys()) if (!after.has(name)) c.removed++;
  return c;
}

/**
 * What changed, one line a package, as uv lists it: `+ name==new`, `- name==old`, and
 * `~ name old -> new` for a version change; sorted by name. Pure.
 */
export function changeLines(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: string[] = [];
  for (const n of names) {
    const [a, b] = [before.get(n), after.get(n)];
    if (a === undefined) out.push(`+ ${n}==${b}`);
    else if (b === undefined) out.push(`- ${n}==${a}`);
    else if (a !== b) out.push(`~ ${n} ${a} -> ${b}`);
  }
  return out;
}

/** `6 installed, 1 upgraded, 2 removed` (installed always shown, the rest when not 0). Pure. */
export function describeChanges(c: PackageChanges): string {
  const parts = [`${c.installed} installed`];
  if (c.upgraded) parts.push(`${c.upgraded} upgraded`);
  if (c.downgraded) parts.push(`${c.downgraded} downgraded`);
  if (c.removed) parts.push(`${c.removed} removed`);
  return parts.join(", ");
}
