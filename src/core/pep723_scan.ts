/**
 * Finds PEP 723 `# /// TYPE` blocks line by line, following the canonical regex
 * `(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$` exactly:
 * the closing line is the last `# ///` of the run of comment lines that follows the
 * opening line. No npm imports: the warm path uses extractPep723Raw().
 */

const OPEN = /^# \/\/\/ ([a-zA-Z0-9-]+)$/;
const CLOSE = "# ///";

/** One closed block. Line numbers are 1-based lines of the normalised text. */
export interface ScannedBlock {
  type: string;
  /** The `# /// TYPE` line. */
  openLine: number;
  /** The `# ///` line. */
  closeLine: number;
  /** The comment lines between them, as written (`# x = 1`, `#`). */
  lines: string[];
  /** The embedded text: `# ` or `#` taken off each line, each line ending in `\n`. */
  content: string;
}

/** The outcome of a scan: closed blocks in order, and opening lines that never closed. */
export interface Pep723Scan {
  blocks: ScannedBlock[];
  unclosed: Array<{ type: string; line: number }>;
}

/** Strips a BOM and turns CRLF into LF, as PEP 723 readers see the text. */
export function normaliseScriptText(text: string): string {
  const t = text.startsWith("\uFEFF") ? text.slice(1) : text;
  return t.includes("\r\n") ? t.replaceAll("\r\n", "\n") : t;
}

/** Scans normalised or raw script text for every metadata block, of any type. */
export function scanPep723(text: string): Pep723Scan {
  const blocks: ScannedBlock[] = [];
  const unclosed: Array<{ type: string; line: number }> = [];
  const src = normaliseScriptText(text);
  if (!src.includes("# ///")) return { blocks, unclosed };
  const lines = src.split("\n");
  const n = lines.length;
  // Every line but the last was followed by "\n"; the regex needs that newline after
  // the opening line and after each content line, but not after the closing line.
  const isContent = (j: number) => j < n - 1 && (lines[j] === "#" || lines[j].startsWith("# "));
  let i = 0;
  while (i < n) {
    const m = i < n - 1 ? OPEN.exec(lines[i]) : null;
    if (m === null) {
      i++;
      continue;
    }
    let runEnd = i + 1;
    while (isContent(runEnd)) runEnd++;
    let close = -1;
    for (let k = Math.min(runEnd, n - 1); k >= i + 2; k--) {
      if (lines[k] === CLOSE) {
        close = k;
        break;
      }
    }
    if (close < 0) {
      unclosed.push({ type: m[1], line: i + 1 });
      i++;
      continue;
    }
    const body = lines.slice(i + 1, close);
    blocks.push({
      type: m[1],
      openLine: i + 1,
      closeLine: close + 1,
      lines: body,
      content: body.map((l) => (l.startsWith("# ") ? l.slice(2) : l.slice(1)) + "\n").join(""),
    });
    i = close + 1;
  }
  return { blocks, unclosed };
}

/**
 * The embedded TOML of the script's `# /// script` block, normalised, or null when
 * there is none. With several blocks (an error on the cold path) it returns their
 * contents joined by NUL, which no single valid block can equal, so no cached env
 * ever matches and the cold path gets to report the error.
 */
export function extractPep723Raw(text: string): string | null {
  const scripts = scanPep723(text).blocks.filter((b) => b.type === "script");
  if (scripts.length === 0) return null;
  return scripts.map((b) => b.content).join("\0");
}
