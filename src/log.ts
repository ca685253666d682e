/**
 * The only writer to stderr. Levels: -q (quiet) shows errors only, default shows
 * notes and warnings, -v adds decisions, -vv adds installer commands and output.
 */
import { writeAll } from "./core/files.ts";

let verbosity = 0;
let quiet = false;

/** Sets the level from the CLI flags. */
export function setVerbosity(v: number, q: boolean): void {
  verbosity = v;
  quiet = q;
}

/** The current -v count (0 when -q). */
export function getVerbosity(): number {
  return quiet ? -1 : verbosity;
}

function color(): boolean {
  return Deno.stderr.isTerminal() && !Deno.env.get("NO_COLOR");
}

/**
 * SGR codes of the few styles prime uses. Written out rather than node:util styleText:
 * loading the node compatibility layer costs every cold start several milliseconds.
 */
const SGR = { bold: [1, 22], red: [31, 39], yellow: [33, 39], cyan: [36, 39], dim: [2, 22] };

function paint(style: keyof typeof SGR | (keyof typeof SGR)[], text: string): string {
  if (!color()) return text;
  let out = text;
  for (const s of (Array.isArray(style) ? [...style] : [style]).reverse()) {
    out = `\x1b[${SGR[s][0]}m${out}\x1b[${SGR[s][1]}m`;
  }
  return out;
}

function write(line: string): void {
  writeAll(Deno.stderr, line + "\n");
}

/** An error message, always shown. */
export function error(message: string): void {
  write(`${paint(["bold", "red"], "error:")} ${message}`);
}

/**
 * The rest of an error (an installer's last lines, the hint), always shown: -q hides
 * progress, never the reason for a failure.
 */
export function errorDetail(text: string): void {
  writeAll(Deno.stderr, text.endsWith("\n") ? text : text + "\n");
}

/** A warning, hidden by -q. */
export function warn(message: string): void {
  if (!quiet) write(`${paint(["bold", "yellow"], "warning:")} ${message}`);
}

/** A normal progress note or summary, hidden by -q. */
export function info(message: string): void {
  if (!quiet) write(message);
}

/** A decision, shown with -v. */
export function debug(message: string): void {
  if (!quiet && verbosity >= 1) write(paint("dim", message));
}

/** Installer commands and their output, shown with -vv. */
export function trace(message: string): void {
  if (!quiet && verbosity >= 2) write(paint("dim", message));
}

/** Raw text (such as a child's output tail), shown unless quiet. */
export function raw(text: string): void {
  if (!quiet) writeAll(Deno.stderr, text.endsWith("\n") ? text : text + "\n");
}

/**
 * A piece of long work: a spinner with elapsed time on a terminal, a plain line otherwise.
 * `live` says whether updates are drawn; off a terminal (or with -vv or -q) nothing
 * moves, so a log gets plain lines only.
 */
export interface Progress {
  readonly live: boolean;
  /** What is happening now, after the label: `3/15 numpy`. Drawn on the next frame. */
  update(detail: string): void;
  done(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * A spinner's detail cut so that its line is `over` characters shorter (its space
 * included), ending in `…`; "" when that leaves nothing of it (`9/9 installed` on a
 * narrow terminal), so the line never wraps, which `\r` cannot redraw. Pure.
 */
export function fitDetail(detail: string, over: number): string {
  if (over <= 0) return detail;
  return detail.length > over + 1 ? detail.slice(0, detail.length - over - 1) + "…" : "";
}

/**
 * Shows `label` while work runs (nothing with -q; a plain line without a terminal or
 * with -vv, unless `plainLine` is false because a line already said it).
 */
export function progress(label: string, plainLine = true): Progress {
  if (quiet) return { live: false, update() {}, done() {} };
  if (!Deno.stderr.isTerminal() || verbosity >= 2) {
    if (plainLine) write(`prime: ${label}...`);
    return { live: false, update() {}, done() {} };
  }
  const t0 = performance.now();
  let i = 0;
  let detail = "";
  const draw = () => {
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    const what = detail ? ` ${paint("bold", detail)}` : "";
    // One line, cut to the terminal's width, so a redraw never wraps.
    let cols = 80;
    try {
      cols = Deno.consoleSize().columns;
    } catch { /* not a console after all */ }
    const plain = `X ${label}${detail ? " " + detail : ""} ${s}s`;
    // A pty that was never given a size (script -c, a CI runner's) reports 0 columns.
    const over = cols > 0 ? plain.length - (cols - 1) : 0;
    const fit = fitDetail(detail, over);
    const shown = fit === detail ? what : fit ? ` ${paint("bold", fit)}` : "";
    writeAll(
      Deno.stderr,
      `\r\x1b[K${paint("cyan", FRAMES[i++ % FRAMES.length])} ${label}${shown} ${
        paint("dim", s + "s")
      }`,
    );
  };
  // Its first tick comes in 100 ms, after the frame drawn below.
  const timer = setInterval(draw, 100);
  const clear = () => {
    clearInterval(timer);
    writeAll(Deno.stderr, "\r\x1b[K");
  };
  // Before the first frame: a signal never leaves one on the screen.
  holdSignals(clear);
  draw();
  return {
    live: true,
    update(d: string) {
      // Drawn at once, not on the next tick: a fast installer's steps still show.
      if (d === detail) return;
      detail = d;
      draw();
    },
    done() {
      clear();
      if (spinning === clear) releaseSignals();
    },
  };
}

/**
 * Ctrl-C (or a kill) while a spinner shows: its line is cleared first, then prime dies
 * of the same signal, as it would have without a listener (the listener gone, the
 * default action is back): the shell sees a SIGINT death, and the installer goes with
 * its supervisor. One listener per signal for all spinners, so that no second one runs
 * after the first has killed prime. It stays a moment after a spinner is done: a
 * signal that came just before (the same Ctrl-C ends the installer, whose end may be
 * seen first) would be lost if its listener went at once.
 */
let spinning: (() => void) | null = null;
let listening = false;
let graceTimer: ReturnType<typeof setTimeout> | undefined;

const STOP_HANDLERS = new Map<Deno.Signal, () => void>();

function onStopSignal(sig: Deno.Signal): void {
  const clear = spinning;
  spinning = null;
  unlisten();
  try {
    clear?.();
  } catch { /* the terminal is gone (SIGHUP) */ }
  Deno.kill(Deno.pid, sig);
}

function unlisten(): void {
  clearTimeout(graceTimer);
  if (!listening) return;
  listening = false;
  for (const [sig, h] of STOP_HANDLERS) Deno.removeSignalListener(sig, h);
}

function holdSignals(clear: () => void): void {
  spinning = clear;
  clearTimeout(graceTimer);
  if (listening) return;
  listening = true;
  for (const sig of STOP_SIGNALS) {
    let h = STOP_HANDLERS.get(sig);
    if (h === undefined) STOP_HANDLERS.set(sig, h = () => onStopSignal(sig));
    Deno.addSignalListener(sig, h);
  }
}

function releaseSignals(): void {
  spinning = null;
  clearTimeout(graceTimer);
  // Unref'd: it never keeps prime from exiting.
  const t = setTimeout(unlisten, SIGNAL_GRACE_MS);
  Deno.unrefTimer(t);
  graceTimer = t;
}

/**
 * The program takes over: a hold kept after the last spinner ends now. Under the spawn
 * fallback prime forwards signals to the program, and a held listener would send one
 * Ctrl-C to prime again, to be forwarded twice. The build is done, so no installer's
 * failure is left for a late signal to explain.
 */
export function handOverSignals(): void {
  if (spinning === null) unlisten();
}

/**
 * Lets a signal held for a spinner take effect before prime reports an error: the same
 * Ctrl-C that ends prime ends the installer, and its failure can reach the report
 * before the signal's listener ran (a failure seen without a turn of the event loop).
 * Waits a moment only while a spinner holds the signals; then a pending one ends prime.
 */
export async function settleSignals(): Promise<void> {
  if (listening) await new Promise((r) => setTimeout(r, 10));
}

/** How long listening goes on after a spinner is done (see above). */
const SIGNAL_GRACE_MS = 200;

/** The signals that end prime while a spinner shows (see progress()). */
const STOP_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
