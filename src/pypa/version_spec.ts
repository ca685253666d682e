/** PEP 440 checks shared by the config schema, PEP 723 and PEP 508 parsing. Pure. */
import { valid, validRange } from "@renovatebot/pep440";

/** True when `text` is a non-empty PEP 440 specifier set such as `>=3.10,<3.13` or `~=3.12`. */
export function isSpecifierSet(text: string): boolean {
  const t = text.trim();
  if (t === "" || t.split(",").some((p) => p.trim() === "")) return false;
  return validRange(t);
}

/** True when `text` is a PEP 440 version (`3.12`, `3.13.0rc1`). */
export function isVersion(text: string): boolean {
  const t = text.trim();
  return t !== "" && valid(t) !== null;
}
