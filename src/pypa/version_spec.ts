/** PEP 440 checks shared by the config schema, PEP 723 and PEP 508 parsing. Pure. */
import { valid, validRange } from "@renovatebot/pep440";

/**
 * A release-only version (`3`, `3.13.0`): digits and dots, nothing PEP 440 would
 * normalize away but leading zeros. The common case, checked here without
 * @renovatebot/pep440, whose version pattern V8 compiles at its first use (about half
 * a millisecond for each of its two patterns, on every cold start that asked).
 */
export const RELEASE = /^\d+(?:\.\d+)*$/;

/**
 * One clause that is a comparison with a release-only version, as `parse()` of
 * @renovatebot/pep440 accepts it (`===` and everything else go to it): `~=` needs two
 * release parts, `.*` goes only with `==` and `!=`.
 */
const SIMPLE_CLAUSE = /^(~=|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?$/;

function simpleClause(clause: string): boolean {
  const m = SIMPLE_CLAUSE.exec(clause);
  if (m === null) return false;
  if (m[1] === "~=" && !m[2].includes(".")) return false;
  return m[3] === undefined || m[1] === "==" || m[1] === "!=";
}

/** True when `text` is a non-empty PEP 440 specifier set such as `>=3.10,<3.13` or `~=3.12`. */
export function isSpecifierSet(text: string): boolean {
  const t = text.trim();
  if (t === "" || t.split(",").some((p) => p.trim() === "")) return false;
  if (t.split(",").every((p) => simpleClause(p.trim()))) return true;
  return validRange(t);
}

/** True when `text` is a PEP 440 version (`3.12`, `3.13.0rc1`). */
export function isVersion(text: string): boolean {
  const t = text.trim();
  return t !== "" && (RELEASE.test(t) || valid(t) !== null);
}
