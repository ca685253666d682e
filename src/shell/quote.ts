/** Quoting values for the shells prime writes code for. Pure. */

/** Quotes a value for POSIX sh: single quotes, with `'` written as `'\''`. Pure. */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quotes a value for fish: single quotes, where only `\\` and `\'` are escapes. Pure. */
export function fishQuote(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
