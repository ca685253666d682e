/**
 * The only subprocess runner. Every child prime starts (probes, selector, venv,
 * pip, uv) goes through `run`, so tests can swap it for a fake at this seam.
 */
import { isExecutableFile, writeAll } from "./core/files.ts";
import { errorMessage } from "./core/errors.ts";

/** How to start a child. */
export interface RunOptions {
  cwd?: string;
  /** Variables added to (or, with clearEnv, replacing) prime's environment. */
  env?: Record<string, string>;
  /** Names removed from the inherited environment. */
  unsetEnv?: string[];
  clearEnv?: boolean;
  /** Kill the child after this many milliseconds; the result has timedOut set. */
  timeoutMs?: number;
  stdin?: string;
  /** Copy the child's output to prime's stderr as it arrives (for -vv). */
  echo?: boolean;
  /**
   * Called with each complete line of output (stdout and stderr alike) as it arrives,
   * without its newline: how installers' progress is read while they run.
   */
  onLine?: (line: string) => void;
  /**
   * A Python interpreter that starts the child with a parent-death signal (Linux), so
   * the child is killed when prime dies, even by `kill -9`. For installers: an
   * orphaned pip or uv must never go on writing into a venv.
   */
  dieWithPrime?: string;
}

/** What a child did. `code` is 127 when the program could not be started. */
export interface RunResult {
  code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program does not exist or could not be executed. */
  spawnError?: string;
}

/** The runner signature, the seam that unit tests fake. */
export type Runner = (cmd: string, args: string[], opts?: RunOptions) => Promise<RunResult>;

const dec = new TextDecoder();
const NEVER_PASSED = ["PYTHONHOME", "PYTHONPATH"];

async function pump(
  stream: ReadableStream<Uint8Array>,
  chunks: Uint8Array[],
  echo: boolean,
  onLine?: (line: string) => void,
  /** The stream of a Perl supervisor: its first byte, a NUL, is taken off and noted here. */
  began?: { seen: boolean },
): Promise<void> {
  const lines = onLine ? new TextDecoder() : null;
  let partial = "";
  for await (let chunk of stream) {
    if (began !== undefined && !began.seen && chunks.length === 0 && chunk[0] === 0) {
      began.seen = true;
      chunk = chunk.subarray(1);
      if (chunk.length === 0) continue;
    }
    chunks.push(chunk);
    if (echo) writeAll(Deno.stderr, chunk);
    if (lines !== null) {
      const parts = (partial + lines.decode(chunk, { stream: true })).split(/\r?\n|\r/);
      partial = parts.pop() ?? "";
      for (const l of parts) safely(onLine!, l);
    }
  }
  if (lines !== null && partial !== "") safely(onLine!, partial);
}

/** A progress display must never break the run it watches. */
function safely(f: (line: string) => void, line: string): void {
  try {
    f(line);
  } catch { /* progress only */ }
}

function join(chunks: Uint8Array[]): string {
  let n = 0;
  for (const c of chunks) n += c.length;
  const all = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return dec.decode(all);
}

/**
 * A small supervisor between prime and an installer (Linux). It asks the kernel for
 * SIGTERM when prime dies (PR_SET_PDEATHSIG: also after `kill -9` of prime alone),
 * reads what to run from its stdin (cwd, argv and environment, NUL-separated), starts
 * the installer in a process group of its own, and on that signal, or on
 * SIGINT/SIGTERM, kills the whole group with SIGKILL, so neither pip or uv nor a build
 * backend they started can go on writing. `kill -9` of prime's whole process group (a
 * shell job, `timeout -s KILL`) kills the supervisor before it can act, and left pip
 * downloading on as an orphan, or a build backend it started: so the supervisor's child
 * is a keeper in that group, which asks for SIGTERM when the supervisor dies and then
 * kills its group; the installer, the keeper's child, asks for SIGKILL when the keeper
 * dies. Otherwise it passes the installer's exit status through. An empty
 * stdin (a supervisor started ahead and not needed, or prime gone) ends it with 0.
 * Deno spawns children from its main thread, which lives as long as prime, so the
 * signal comes only when prime itself is gone. argv: PRIME_PID.
 *
 * What to run comes through stdin so that the supervisor can start while prime still
 * works out the installer's command line: prestartSupervisor(). It is written twice,
 * with the same steps: in Perl (SUPERVISOR_PL), run where the system has
 * /usr/bin/perl (Debian's and Ubuntu's perl-base is essential), about 4 ms of CPU; and
 * in Python, run by the build's own interpreter (always at hand) elsewhere, about 10
 * ms. The Python one imports only C modules (posix, _signal, _ctypes; `os`, `signal`
 * and `ctypes` took 17 ms on Python 3.13) and reaches prctl(2) through _ctypes as
 * ctypes itself does; ctypes, then none, where that fails.
 */
const SUPERVISOR = `import posix as os, sys
try:
    import _signal as signal
except ImportError:
    import signal  # Python 3.4, where the C module is \`signal\` itself
def libc_prctl():
    try:
        import _ctypes
        class Lib(object):
            _handle = _ctypes.dlopen(None, 0)
        class Int(_ctypes._SimpleCData):
            _type_ = "i"
        class Fn(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL
            _restype_ = Int
        return Fn(("prctl", Lib()))
    except Exception:
        pass
    try:
        import ctypes
        return ctypes.CDLL(None).prctl
    except Exception:
        return None  # no ctypes: the private build dir still keeps an orphan harmless
pid = 0
def stop(*_):
    if pid > 0:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    os._exit(137)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, stop)
prctl = libc_prctl()
if prctl is not None:
    prctl(1, signal.SIGTERM, 0, 0, 0)
if os.getppid() != int(sys.argv[1]):
    stop()
spec = sys.stdin.buffer.read().split(b"\\0")
if len(spec) < 3:
    os._exit(0)
n = int(spec[1])
argv = spec[2:2 + n]
env = dict(e.split(b"=", 1) for e in spec[2 + n:] if b"=" in e)
def finish(child):
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            pass
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL, SIGSTOP: default already
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status))
def end_group(*_):
    os.killpg(0, signal.SIGKILL)
me = os.getpid()
pid = os.fork()
if pid == 0:
    # The keeper, in the installer's group: it kills that group when the supervisor
    # dies (its parent-death signal), so a kill -9 of prime's whole group (the
    # supervisor with it) leaves nothing the installer started.
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGTERM, end_group)
        if prctl is not None:
            prctl(1, signal.SIGTERM, 0, 0, 0)
            if os.getppid() != me:
                os._exit(137)
        keeper = os.getpid()
        pid = os.fork()
        if pid == 0:
            try:
                if prctl is not None:
                    prctl(1, signal.SIGKILL, 0, 0, 0)
                    if os.getppid() != keeper:
                        os._exit(137)
                os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
                os.chdir(spec[0])
                os.execve(argv[0], argv, env)
            except OSError as e:
                sys.stderr.write("%s: %s\\n" % (argv[0].decode(errors="replace"), e))
            os._exit(127)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        finish(pid)
    except OSError as e:
        sys.stderr.write("%s: %s\\n" % (argv[0].decode(errors="replace"), e))
    os._exit(127)
try:
    os.setpgid(pid, pid)
except OSError:
    pass
finish(pid)
`;

/**
 * SUPERVISOR in Perl, builtins only. argv: PRIME_PID, prctl(2)'s syscall number (Perl
 * reaches prctl through syscall()). Perl defers a signal's handler to a safe point,
 * which a blocking read or waitpid reaches at once (EINTR).
 */
const SUPERVISOR_PL = String.raw`my ($prime, $nr) = @ARGV;
syswrite(STDERR, "\0");
my $pid = 0;
my %num = (TERM => 15, INT => 2, HUP => 1);
sub stop { kill('KILL', -$pid) if $pid > 0; exit 137 }
$SIG{$_} = \&stop for keys %num;
syscall($nr + 0, 1, 15, 0, 0, 0);
stop() if getppid() != $prime;
binmode STDIN;
my $spec = do { local $/; <STDIN> };
my @s = split /\0/, defined $spec ? $spec : '', -1;
exit 0 if @s < 3;
my $n = $s[1];
my @argv = @s[2 .. $n + 1];
my %env;
for (@s[$n + 2 .. $#s]) { my $i = index($_, '='); $env{substr($_, 0, $i)} = substr($_, $i + 1) if $i > 0 }
sub finish {
  my $child = shift;
  1 while waitpid($child, 0) == -1 && $! == 4;
  my $st = $?;
  if ($st & 127) {
    my $sig = $st & 127;
    for (keys %num) { $SIG{$_} = 'DEFAULT' if $num{$_} == $sig }
    kill($sig, $$);
    exit 128 + $sig;
  }
  exit($st >> 8);
}
my $me = $$;
$pid = fork;
if (!defined $pid) { print STDERR "fork: $!\n"; exit 127 }
if ($pid == 0) {
  # The keeper, in the installer's group: it kills that group when the supervisor dies
  # (its parent-death signal), so a kill -9 of prime's whole group (the supervisor with
  # it) leaves nothing the installer started.
  setpgrp(0, 0);
  $SIG{TERM} = sub { kill('KILL', -$$) };
  $SIG{INT} = $SIG{HUP} = 'DEFAULT';
  syscall($nr + 0, 1, 15, 0, 0, 0);
  exit 137 if getppid() != $me;
  my $keeper = $$;
  my $k = fork;
  if (!defined $k) { print STDERR "fork: $!\n"; exit 127 }
  if ($k == 0) {
    syscall($nr + 0, 1, 9, 0, 0, 0);
    exit 137 if getppid() != $keeper;
    open(STDIN, '<', '/dev/null');
    chdir($s[0]) or do { print STDERR "cd $s[0]: $!\n"; exit 127 };
    %ENV = %env;
    { exec { $argv[0] } @argv };
    print STDERR "$argv[0]: $!\n";
    exit 127;
  }
  finish($k);
}
setpgrp($pid, $pid);
finish($pid);
`;

/** Signals that end prime too (a Ctrl-C, a kill): a supervisor they ended is not broken. */
const ENDING = ["SIGINT", "SIGTERM", "SIGHUP", "SIGKILL"];

/** prctl(2)'s system call number on the architectures Deno runs Linux on. */
const PRCTL_NR: Partial<Record<string, number>> = { x86_64: 157, aarch64: 167 };

/**
 * The Perl that runs the supervisor, or null for the Python one. A test seam:
 * tests/unit/process_test.ts runs each case under both.
 */
export const supervisorPerl: { path: string | null } = { path: "/usr/bin/perl" };

/** A supervisor waiting for its installer's command line (prestartSupervisor). */
let prestarted: { python: string; child: Deno.ChildProcess; perl: boolean } | null = null;

/**
 * The Perl that failed to run the supervisor in this process (a broken /usr/bin/perl:
 * a missing libperl, a stub): the Python supervisor serves from then on.
 */
let brokenPerl: string | null = null;

/** The Perl to run the supervisor with, or null for the Python one. */
function perlForSupervisor(): string | null {
  const perl = supervisorPerl.path;
  return perl !== null && perl !== brokenPerl && PRCTL_NR[Deno.build.arch] !== undefined &&
      isExecutableFile(perl)
    ? perl
    : null;
}

/** The supervisor's command line: in `perl` where given, else on `python`. */
function supervisorCommand(
  python: string,
  perl: string | null,
): [string, string[], Record<string, string>] {
  // Perl gets no environment of its own (the installer's comes through stdin): no
  // PERL5OPT or PERL5LIB to load a module into it, no locale for it to warn about.
  return perl !== null
    ? [perl, ["-e", SUPERVISOR_PL, String(Deno.pid), String(PRCTL_NR[Deno.build.arch])], {}]
    : [python, ["-I", "-S", "-c", SUPERVISOR, String(Deno.pid)], withoutNeverPassed()];
}

/**
 * Starts a supervisor (in Perl where there is one, else on `python`), or says why it
 * cannot be started.
 */
function spawnSupervisor(
  python: string,
  detached: boolean,
  perl: string | null,
): Deno.ChildProcess | string {
  const [cmd, args, env] = supervisorCommand(python, perl);
  try {
    return new Deno.Command(cmd, {
      args,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached,
    }).spawn();
  } catch (e) {
    return errorMessage(e);
  }
}

/**
 * Starts the supervisor for a coming `run()` with `dieWithPrime: python` now (Linux),
 * so its start overlaps what prime does before that run: the next such run (without
 * a timeout) takes it. One not taken is ended by discardSupervisor().
 */
export function prestartSupervisor(python: string): void {
  if (Deno.build.os !== "linux" || prestarted !== null) return;
  const perl = perlForSupervisor();
  const child = spawnSupervisor(python, false, perl);
  if (typeof child !== "string") prestarted = { python, child, perl: perl !== null };
}

/** Ends a prestarted supervisor that no run took (it exits on its empty stdin). */
export async function discardSupervisor(): Promise<void> {
  const p = prestarted;
  if (p === null) return;
  prestarted = null;
  await p.child.stdin.close().catch(() => {});
  await Promise.all([
    p.child.status,
    p.child.stdout.cancel().catch(() => {}),
    p.child.stderr.cancel().catch(() => {}),
  ]);
}

/** prime's environment less NEVER_PASSED. */
function withoutNeverPassed(): Record<string, string> {
  const env = Deno.env.toObject();
  for (const k of NEVER_PASSED) delete env[k];
  return env;
}

/** The supervisor's stdin: cwd, the argument count, argv, then KEY=VALUE entries. */
function supervisorSpec(
  cwd: string,
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Uint8Array {
  const parts = [cwd, String(args.length + 1), cmd, ...args];
  for (const [k, v] of Object.entries(env)) parts.push(`${k}=${v}`);
  return new TextEncoder().encode(parts.join("\0"));
}

/** Runs a program to completion and captures its output. Never throws for a failing child. */
export const run: Runner = async (cmd, args, opts = {}) => {
  const supervised = opts.dieWithPrime !== undefined && Deno.build.os === "linux";
  let env: Record<string, string> | undefined = opts.env;
  // PYTHONHOME and PYTHONPATH would point every Python prime starts (venv, pip, uv's
  // interpreter) at someone else's stdlib or packages; they are never passed on.
  const unset = [...(opts.unsetEnv ?? []), ...NEVER_PASSED];
  if (!opts.clearEnv) {
    env = { ...Deno.env.toObject(), ...(opts.env ?? {}) };
    for (const k of unset) delete env[k];
  }
  // A child with a deadline (probe, selector) gets its own process group, so a
  // timeout also kills what it started (a selector's `sleep`), not just the child.
  // Long installer runs stay in prime's group, so Ctrl-C reaches them too.
  const detached = opts.timeoutMs !== undefined;
  let child: Deno.ChildProcess;
  // The Perl that supervises this run, if one does (see the end).
  let viaPerl: string | null = null;
  if (supervised) {
    const python = opts.dieWithPrime!;
    let sup: Deno.ChildProcess | string;
    if (prestarted?.python === python && !detached) {
      viaPerl = prestarted.perl ? supervisorPerl.path : null;
      sup = prestarted.child;
      prestarted = null;
    } else {
      viaPerl = perlForSupervisor();
      sup = spawnSupervisor(python, detached, viaPerl);
    }
    if (typeof sup === "string") {
      if (viaPerl !== null) {
        // A Perl that cannot even be started: the Python supervisor serves.
        brokenPerl = viaPerl;
        return await run(cmd, args, opts);
      }
      return { code: 127, signal: null, stdout: "", stderr: sup, timedOut: false, spawnError: sup };
    }
    child = sup;
    const w = child.stdin.getWriter();
    await w.write(supervisorSpec(opts.cwd ?? Deno.cwd(), cmd, args, env ?? {})).catch(() => {});
    await w.close().catch(() => {});
  } else {
    try {
      child = new Deno.Command(cmd, {
        args,
        cwd: opts.cwd,
        env,
        clearEnv: true,
        stdin: opts.stdin !== undefined ? "piped" : "null",
        stdout: "piped",
        stderr: "piped",
        detached,
      }).spawn();
    } catch (e) {
      const msg = errorMessage(e);
      return { code: 127, signal: null, stdout: "", stderr: msg, timedOut: false, spawnError: msg };
    }
    if (opts.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(opts.stdin)).catch(() => {});
      await w.close().catch(() => {});
    }
  }
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (opts.timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      if (supervised) {
        // The supervisor kills the installer's whole group, then exits.
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
        return;
      }
      try {
        Deno.kill(-child.pid, "SIGKILL");
      } catch {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }
    }, Math.min(opts.timeoutMs, 2 ** 31 - 1)); // a longer timer would fire at once
  }
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const echo = opts.echo ?? false;
  const began = { seen: false };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, out, echo, opts.onLine),
    pump(child.stderr, err, echo, opts.onLine, viaPerl !== null ? began : undefined),
  ]);
  if (timer !== undefined) clearTimeout(timer);
  // A Perl supervisor's first byte on stderr is a NUL, written before it reads the
  // command line. None: that Perl is present but broken (no libperl, a stub, an empty
  // file that exits 0), the installer never started, and the run is made again under
  // the Python supervisor, which serves every later run too. (Not when a signal that
  // ends prime too ended it: a Ctrl-C during its start.)
  if (viaPerl !== null && !began.seen && !timedOut && !ENDING.includes(status.signal ?? "")) {
    brokenPerl = viaPerl;
    return await run(cmd, args, opts);
  }
  return {
    code: status.code,
    signal: status.signal ?? null,
    stdout: join(out),
    stderr: join(err),
    timedOut,
  };
};

/** How a child ended, for "X exited ...": `1`, `on signal SIGKILL`, `137 (timed out)`. */
export function exitText(r: RunResult): string {
  if (r.spawnError) return `127 (${r.spawnError})`;
  if (r.timedOut) return `${r.code} (timed out)`;
  return r.signal ? `on signal ${r.signal}` : String(r.code);
}

/** The last `n` lines of a child's combined output, for error messages. */
export function tail(result: RunResult, n = 25): string {
  const text = (result.stdout + (result.stdout && result.stderr ? "\n" : "") + result.stderr)
    .trimEnd();
  const lines = text.split("\n");
  return lines.slice(-n).join("\n");
}
