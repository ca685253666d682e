/** "Did you mean" suggestions for misspelt keys and names. Pure. */

/** The Damerau-Levenshtein (optimal string alignment) distance between two strings. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < rows; i++) d[i][0] = i;
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The closest candidate within a third of the word's length (at least 2 edits), else
 * the one candidate the word is the first or last `_` part of, or null.
 */
export function suggest(word: string, candidates: readonly string[]): string | null {
  // Long garbage keys would otherwise cost a large matrix each; nothing close can be that far off.
  if (word.length > 64) return null;
  const lower = word.toLowerCase().replaceAll("-", "_");
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(lower, c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  if (best !== null && bestDistance <= limit && bestDistance < word.length) return best;
  // A word that is one `_` part of a longer name (`driver`, `uv` for venv_driver,
  // venv_uv) is far from it by letters, but means it when no other name has that part.
  if (lower.length < 2) return null;
  const parts = candidates.filter((c) => {
    const l = c.toLowerCase();
    return l.endsWith(`_${lower}`) || l.startsWith(`${lower}_`);
  });
  return parts.length === 1 ? parts[0] : null;
}

/** `; did you mean `x`?` or the empty string. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const s = suggest(word, candidates);
  return s === null ? "" : `; did you mean \`${s}\`?`;
}
