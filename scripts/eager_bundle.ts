/**
 * Rewrites the warm bundle (src/.build/warm.js) so that V8 compiles all of its functions
 * when it compiles the file, not one by one at their first call. scripts/prime runs it
 * right after `deno bundle`:
 *
 *     deno run --no-config --no-lock --allow-read --allow-write --allow-run \
 *       scripts/eager_bundle.ts BUNDLE
 *
 * Why: V8 compiles a function lazily, at its first call, unless it is parenthesized
 * (its "likely called" hint). Deno keeps a code cache of each module (DENO_DIR's
 * v8_code_cache_v2), but it makes it right after compiling the file, so it holds only
 * what was compiled then: the top level. Every warm start compiled again the hundred or
 * so functions it calls, about 2 ms of its ~6 ms of JavaScript. Parenthesized, they are
 * compiled with the file, cached with it, and read back from the cache.
 *
 * The rewrite, on esbuild's output and nothing else:
 * - each function or arrow expression (not a method, which cannot be parenthesized) is
 *   wrapped in parentheses;
 * - each top-level function declaration becomes `var NAME=(function NAME(...){...});`,
 *   moved to the top of the file in its order: a declaration is initialized before any
 *   statement runs, and so is each of these (a function's body reads other bindings
 *   only when it is called).
 *
 * The syntax tree is Deno's own (SWC's), through a `deno lint` plugin: this file's
 * default export, which reports each node with its byte range. The result is parsed
 * again and written only when it parses and names the same functions; anything else
 * leaves the bundle as it was (correct, only slower), and exits non-zero.
 */

const SCRIPT = new URL(import.meta.url);

/** What the plugin reports: a function node and how to rewrite it. */
type Edit =
  | { kind: "decl"; start: number; end: number; name: string }
  | { kind: "expr"; start: number; end: number };

/** The `deno lint` plugin: one diagnostic per node to rewrite (its message says how). */
const plugin: Deno.lint.Plugin = {
  name: "eager",
  rules: {
    functions: {
      create(ctx) {
        return {
          FunctionDeclaration(node) {
            // Nested declarations are left alone (lazy): they are block-scoped, and
            // esbuild's output for the warm path has none.
            if (node.parent?.type !== "Program" || node.id === null) return;
            ctx.report({ node, message: `decl ${node.id.name}` });
          },
          "FunctionExpression, ArrowFunctionExpression"(node) {
            const p = node.parent;
            if (p?.type === "MethodDefinition") return;
            if (p?.type === "Property" && (p.method || p.kind !== "init")) return;
            ctx.report({ node, message: "expr" });
          },
        };
      },
    },
  },
};
export default plugin;

/**
 * The plugin's reports on each of `files`, through one `deno lint --json` (null: it
 * failed or could not parse one of them). A file with no function has no entry.
 */
async function functionNodes(files: string[]): Promise<Map<string, Edit[]> | null> {
  const config = `${files[0]}.lint.json`;
  const json = `${files[0]}.lint.out`;
  Deno.writeTextFileSync(
    config,
    JSON.stringify({ lint: { plugins: [SCRIPT.href], rules: { tags: [] } } }),
  );
  try {
    // The report goes to a file, not a pipe: through a pipe, `deno lint` loses what
    // passes 64 KiB when the reader is slow (seen under load: the JSON cut at 65536).
    await new Deno.Command("/bin/sh", {
      args: [
        "-c",
        'out=$1 config=$2; shift 2; exec "$0" lint --json --config "$config" "$@" >"$out"',
        Deno.execPath(),
        json,
        config,
        ...files,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    const report = JSON.parse(Deno.readTextFileSync(json)) as {
      diagnostics: {
        filename: string;
        range: { start: { bytePos: number }; end: { bytePos: number } };
        message: string;
        code: string;
      }[];
      errors: unknown[];
    };
    if (report.errors.length > 0) return null;
    // Reports name files by URL; each is matched to its argument by real path.
    const byReal = new Map(files.map((f) => [Deno.realPathSync(f), f]));
    const out = new Map<string, Edit[]>();
    for (const d of report.diagnostics) {
      if (d.code !== "eager/functions") return null;
      const file = byReal.get(Deno.realPathSync(decodeURIComponent(new URL(d.filename).pathname)));
      if (file === undefined) return null;
      const edits = out.get(file) ?? [];
      out.set(file, edits);
      const start = d.range.start.bytePos;
      const end = d.range.end.bytePos;
      if (d.message === "expr") edits.push({ kind: "expr", start, end });
      else if (d.message.startsWith("decl ")) {
        edits.push({ kind: "decl", start, end, name: d.message.slice(5) });
      } else return null;
    }
    return out;
  } catch {
    return null;
  } finally {
    for (const f of [config, json]) {
      try {
        Deno.removeSync(f);
      } catch { /* not written */ }
    }
  }
}

const enc = new TextEncoder();

/** The bundle with every function parenthesized and the top-level declarations hoisted. */
export function rewrite(src: Uint8Array, edits: Edit[]): Uint8Array {
  return rewriteMapped(src, edits).out;
}

/**
 * rewrite(), and where each byte of `src` went in its output (`at`: an offset of `src`
 * to one of the output), for the bundle's source map.
 */
export function rewriteMapped(
  src: Uint8Array,
  edits: Edit[],
): { out: Uint8Array; at: (offset: number) => number } {
  // Parentheses first, as insertions at byte offsets: at one offset, every `)` before
  // any `(` (a node that ends where the next begins).
  const inserts: { at: number; text: string }[] = [];
  for (const e of edits) {
    if (e.kind !== "expr") continue;
    inserts.push({ at: e.start, text: "(" }, { at: e.end, text: ")" });
  }
  inserts.sort((a, b) => a.at - b.at || (a.text === ")" ? -1 : 1));
  const parts: Uint8Array[] = [];
  /** Where each original offset went, for the declarations cut out below. */
  const moved = (at: number, side: "start" | "end") =>
    at + inserts.filter((i) => i.at < at || (side === "end" && i.at === at && i.text === ")"))
      .length;
  let last = 0;
  for (const i of inserts) {
    parts.push(src.subarray(last, i.at), enc.encode(i.text));
    last = i.at;
  }
  parts.push(src.subarray(last));
  const body = concat(parts);
  const decls = edits.filter((e) => e.kind === "decl")
    .map((e) => ({ start: moved(e.start, "start"), end: moved(e.end, "end"), name: e.name }))
    .sort((a, b) => a.start - b.start);
  const head: Uint8Array[] = [];
  const rest: Uint8Array[] = [];
  /** Each declaration's offset in the output, and the bytes cut before its end. */
  const placed: { start: number; end: number; to: number; cutBefore: number }[] = [];
  let headLength = 0;
  let cut = 0;
  last = 0;
  for (const d of decls) {
    rest.push(body.subarray(last, d.start));
    const open = enc.encode(`var ${d.name}=(`);
    head.push(open, body.subarray(d.start, d.end), enc.encode(");"));
    placed.push({ start: d.start, end: d.end, to: headLength + open.length, cutBefore: cut });
    headLength += open.length + (d.end - d.start) + 2;
    cut += d.end - d.start;
    last = d.end;
  }
  rest.push(body.subarray(last));
  const insertAt = inserts.map((i) => i.at);
  const at = (x: number): number => {
    // A byte comes after every insertion at or before it.
    const y = x + countAtMost(insertAt, x);
    let cutBefore = 0;
    for (const p of placed) {
      if (y < p.start) break;
      if (y < p.end) return p.to + (y - p.start);
      cutBefore = p.cutBefore + (p.end - p.start);
    }
    return headLength + 1 + y - cutBefore;
  };
  return { out: concat([...head, enc.encode("\n"), ...rest]), at };
}

/** How many of the sorted numbers are at most `x`. */
function countAtMost(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A source map's `mappings`, decoded: per generated line, its segments (fields absolute). */
function decodeMappings(mappings: string): number[][][] {
  const fields = [0, 0, 0, 0, 0];
  return mappings.split(";").map((line) => {
    fields[0] = 0; // the generated column starts again on each line
    return line.split(",").filter((s) => s !== "").map((seg) => {
      const out: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64.indexOf(ch);
        if (digit < 0) throw new Error(`bad source map digit ${ch}`);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          const n = value & 1 ? -(value >>> 1) : value >>> 1;
          fields[out.length] += n;
          out.push(fields[out.length]);
          value = 0;
          shift = 0;
        }
      }
      return out;
    });
  });
}

/** `mappings` from segments per generated line (fields absolute), as decodeMappings reads it. */
function encodeMappings(lines: number[][][]): string {
  const prev = [0, 0, 0, 0, 0];
  const vlq = (n: number) => {
    let v = n < 0 ? (-n << 1) | 1 : n << 1;
    let s = "";
    do {
      let digit = v & 31;
      v >>>= 5;
      if (v > 0) digit |= 32;
      s += B64[digit];
    } while (v > 0);
    return s;
  };
  return lines.map((segs) => {
    prev[0] = 0;
    return segs.map((seg) =>
      seg.map((f, i) => {
        const d = f - prev[i];
        prev[i] = f;
        return vlq(d);
      }).join("")
    ).join(",");
  }).join(";");
}

/**
 * A linked source map of `src` made to describe `out`, rewriteMapped()'s output: each
 * mapping moves with the byte it names. Columns count UTF-16 units, as source maps do.
 */
export function remapSourceMap(
  map: string,
  src: Uint8Array,
  out: Uint8Array,
  at: (offset: number) => number,
): string {
  const doc = JSON.parse(map) as { mappings: string };
  // Input: (line, column) to a byte offset. Output: a byte offset to (line, column).
  const toByte: number[][] = [[]];
  walk(src, (byte, line, col) => {
    if (line === toByte.length) toByte.push([]);
    toByte[line][col] = byte;
  });
  const lineOf = new Int32Array(out.length + 1);
  const colOf = new Int32Array(out.length + 1);
  walk(out, (byte, line, col) => {
    lineOf[byte] = line;
    colOf[byte] = col;
  });
  const moved: number[][][] = [];
  decodeMappings(doc.mappings).forEach((segs, line) => {
    for (const seg of segs) {
      const byte = toByte[line]?.[seg[0]];
      if (byte === undefined) continue; // past its line's end: names nothing
      const to = at(byte);
      const l = lineOf[to];
      while (moved.length <= l) moved.push([]);
      moved[l].push([colOf[to], ...seg.slice(1)]);
    }
  });
  for (const segs of moved) segs.sort((a, b) => a[0] - b[0]);
  return JSON.stringify({ ...doc, mappings: encodeMappings(moved) });
}

/** Calls `f` with each character's byte offset, line and UTF-16 column (and each line's end). */
function walk(bytes: Uint8Array, f: (byte: number, line: number, col: number) => void): void {
  let line = 0;
  let col = 0;
  let i = 0;
  while (i < bytes.length) {
    f(i, line, col);
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    if (b === 0x0a) {
      line++;
      col = 0;
    } else col += len === 4 ? 2 : 1;
    i += len;
  }
  f(i, line, col);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

/**
 * Rewrites each file (a bundle, or the chunks of a code-split one) in place, with its
 * linked source map (`FILE.map`, when there is one). A file is written only when its
 * output parses with as many functions and no declaration left; the others stay as
 * they were (correct, only slower), and the exit code says so. Files that import one
 * another in a circle are all left as they were: a hoisted declaration is set only
 * when its module runs, and in a circle another module may call it before.
 */
async function main(bundles: string[]): Promise<number> {
  if (bundles.length === 0) return 2;
  if (importCycle(bundles)) return 1;
  // `deno lint` knows a file's syntax by its extension: it reads copies named `.js`.
  const inputs = bundles.map((b) => `${b}.in.js`);
  const outputs = bundles.map((b) => `${b}.out.js`);
  let failed = 0;
  try {
    const srcs = bundles.map((b) => Deno.readFileSync(b));
    srcs.forEach((src, i) => Deno.writeFileSync(inputs[i], src));
    const edits = await functionNodes(inputs);
    if (edits === null) return 1;
    const done: { i: number; out: Uint8Array; map: string | null }[] = [];
    for (const [i, src] of srcs.entries()) {
      const e = edits.get(inputs[i]);
      if (e === undefined) continue; // no function: nothing to compile early
      const { out, at } = rewriteMapped(src, e);
      let map: string | null = null;
      try {
        map = remapSourceMap(Deno.readTextFileSync(`${bundles[i]}.map`), src, out, at);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) {
          failed++;
          continue;
        }
      }
      Deno.writeFileSync(outputs[i], out);
      done.push({ i, out, map });
    }
    if (done.length === 0) return failed ? 1 : 0;
    // Each parses, with as many functions as before and no declaration left: each is
    // now an expression.
    const again = await functionNodes(done.map((d) => outputs[d.i]));
    if (again === null) return 1;
    for (const d of done) {
      const now = again.get(outputs[d.i]) ?? [];
      if (now.length !== edits.get(inputs[d.i])!.length || now.some((e) => e.kind === "decl")) {
        failed++;
        continue;
      }
      if (d.map !== null) Deno.writeTextFileSync(`${bundles[d.i]}.map`, d.map);
      Deno.renameSync(outputs[d.i], bundles[d.i]);
    }
    return failed ? 1 : 0;
  } finally {
    for (const f of [...inputs, ...outputs]) {
      try {
        Deno.removeSync(f);
      } catch { /* renamed, or never written */ }
    }
  }
}

/** Whether the files' static imports of one another (`from"./x.js"`) run in a circle. */
function importCycle(files: string[]): boolean {
  const real = (f: string) => {
    try {
      return Deno.realPathSync(f);
    } catch {
      return f;
    }
  };
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = new TextDecoder().decode(Deno.readFileSync(f));
    const dir = f.slice(0, f.lastIndexOf("/") + 1) || "./";
    const deps = [...text.matchAll(/(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+)["']/g)]
      .map((m) => real(dir + m[1]));
    graph.set(real(f), deps);
  }
  const state = new Map<string, 1 | 2>();
  const visit = (f: string): boolean => {
    state.set(f, 1);
    for (const d of graph.get(f) ?? []) {
      const s = state.get(d);
      if (s === 1 || (s === undefined && graph.has(d) && visit(d))) return true;
    }
    state.set(f, 2);
    return false;
  };
  return [...graph.keys()].some((f) => !state.has(f) && visit(f));
}

if (import.meta.main) Deno.exit(await main(Deno.args));
