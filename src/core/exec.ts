/**
 * Replaces prime with the program (execve through FFI to libc), so the program
 * keeps prime's PID, gets signals directly and owns its exit status. Where exec is
 * impossible, the program is spawned, signals are forwarded, and its status is
 * returned (128+N when signal N killed it). Deno APIs only: this is the warm path.
 */

import { errorMessage, PrimeError } from "./errors.ts";

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
/** Signal numbers by platform, for the 128+N exit status of the spawn fallback. */
const COMMON_SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};
/**
 * Signal numbers for this platform. A function, not a module constant: only the spawn
 * fallback needs them, and the warm bundle evaluates every module's top level on each
 * start (these objects and SIG_IGN's pointer cost about 0.07 ms there).
 */
const signalNumbers = (): Record<string, number> =>
  Deno.build.os === "darwin"
    ? {
      ...COMMON_SIGNALS,
      SIGBUS: 10,
      SIGSYS: 12,
      SIGURG: 16,
      SIGSTOP: 17,
      SIGTSTP: 18,
      SIGCONT: 19,
      SIGCHLD: 20,
      SIGTTIN: 21,
      SIGTTOU: 22,
      SIGIO: 23,
      SIGXCPU: 24,
      SIGXFSZ: 25,
      SIGVTALRM: 26,
      SIGPROF: 27,
      SIGWINCH: 28,
      SIGINFO: 29,
      SIGUSR1: 30,
      SIGUSR2: 31,
    }
    : {
      ...COMMON_SIGNALS,
      SIGBUS: 7,
      SIGUSR1: 10,
      SIGUSR2: 12,
      SIGSTKFLT: 16,
      SIGCHLD: 17,
      SIGCONT: 18,
      SIGSTOP: 19,
      SIGTSTP: 20,
      SIGTTIN: 21,
      SIGTTOU: 22,
      SIGURG: 23,
      SIGXCPU: 24,
      SIGXFSZ: 25,
      SIGVTALRM: 26,
      SIGPROF: 27,
      SIGWINCH: 28,
      SIGIO: 29,
      SIGPWR: 30,
      SIGSYS: 31,
    };

const enc = new TextEncoder();

/**
 * Deno ignores SIGPIPE, and an ignored signal stays ignored across execve, so the
 * program would get EPIPE errors where a shell's child dies quietly (`yes | head`).
 * exec resets it to the default first, as a shell does, and restores it if exec fails.
 */
const SIGPIPE = 13; // the same number on Linux and macOS
const SIG_DFL = null;

function cString(s: string): Uint8Array<ArrayBuffer> {
  return enc.encode(s + "\0") as Uint8Array<ArrayBuffer>;
}

/**
 * A NULL-terminated array of C strings; `keep` holds the buffers alive. One encode and
 * one pointer for all the strings, each next one after the NUL that ends the one before
 * (the environment's 40-odd entries: 0.05 ms against 0.12 for one buffer and one
 * pointer lookup each). A string that holds a NUL itself (a `vars` value written with
 * \u0000) gets a buffer of its own, ending there as C reads it.
 */
function cArray(items: string[]): { ptrs: Uint8Array<ArrayBuffer>; keep: Uint8Array[] } {
  const ptrs = new BigUint64Array(items.length + 1);
  if (items.some((s) => s.includes("\0"))) {
    const keep = items.map(cString);
    for (let i = 0; i < keep.length; i++) {
      ptrs[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(keep[i])));
    }
    return { ptrs: new Uint8Array(ptrs.buffer), keep };
  }
  const all = enc.encode(items.join("\0") + "\0");
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(all)));
  for (let i = 0, at = 0; i < items.length; i++) {
    ptrs[i] = base + BigInt(at);
    at = all.indexOf(0, at) + 1;
  }
  return { ptrs: new Uint8Array(ptrs.buffer), keep: [all] };
}

function libcName(): string | null {
  if (Deno.build.os === "linux") return "libc.so.6";
  if (Deno.build.os === "darwin") return "libSystem.B.dylib";
  return null;
}

/** Why exec cannot even be tried here, or null. */
function execUnavailable(): string | null {
  if (Deno.env.get("PRIME_NO_EXEC")) return "PRIME_NO_EXEC is set";
  if (!libcName()) return `exec is not supported on ${Deno.build.os}`;
  return null;
}

const LIBC_SYMBOLS = {
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32", nonblocking: true },
  signal: { parameters: ["i32", "pointer"], result: "pointer", nonblocking: true },
  // open(2) is variadic only past its flags; a lock file is opened without O_CREAT.
  open: { parameters: ["buffer", "i32"], result: "i32", nonblocking: true },
  flock: { parameters: ["i32", "i32"], result: "i32", nonblocking: true },
  close: { parameters: ["i32"], result: "i32", nonblocking: true },
  faccessat: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
} as const;

let libcHandle: Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | string | null = null;

/** libc, loaded once; a string says why it cannot be. */
function loadLibc(): Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | string {
  if (libcHandle !== null) return libcHandle;
  const lib = libcName();
  if (!lib) return libcHandle = `exec is not supported on ${Deno.build.os}`;
  try {
    libcHandle = Deno.dlopen(lib, LIBC_SYMBOLS);
  } catch (e) {
    libcHandle = `cannot load ${lib}: ${errorMessage(e)}`;
  }
  return libcHandle;
}

/** statx(2) through a handle of its own (see libcStatx). */
const STATX_SYMBOLS = {
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
} as const;

/** statx(dirfd, NUL-ended path, flags, mask, out): 0 on success. */
export type Statx = (
  dirfd: number,
  path: Uint8Array,
  flags: number,
  mask: number,
  out: Uint8Array,
) => number;

let statxFn: Statx | null | undefined;

/**
 * libc's statx(2) as a synchronous call, for stat'ing thousands of files (declared
 * inputs): a fast call costs about 0.1 µs, where Deno.statSync costs 2–3 µs (it builds
 * an object with Dates). The path is bytes (NUL-ended, in a buffer reused for every
 * call), so no string or object is made per file. A handle of its own,
 * opened on first use: binding a synchronous symbol compiles a trampoline (about
 * 0.7 ms), which the nonblocking symbols above avoid, and most starts stat a few files.
 * Linux on x86_64 and aarch64 only (little-endian; statx's layout is the same on every
 * architecture); null elsewhere, or where libc has no statx (glibc before 2.28, musl).
 */
export function libcStatx(): Statx | null {
  if (statxFn !== undefined) return statxFn;
  statxFn = null;
  if (Deno.build.os !== "linux" || !["x86_64", "aarch64"].includes(Deno.build.arch)) return null;
  try {
    statxFn = Deno.dlopen("libc.so.6", STATX_SYMBOLS).symbols.statx;
  } catch { /* no libc.so.6 (musl), or no statx in it */ }
  return statxFn;
}

const O_RDONLY = 0;
// A lock file in a clone's committed generation can be a FIFO (an open would wait for
// a writer forever) or a link: neither is prime's, and neither blocks or is followed.
const O_NONBLOCK = Deno.build.os === "darwin" ? 0x4 : 0o4000;
// Linux's O_NOFOLLOW differs by architecture: 0o400000 on x86_64 (asm-generic), 0o100000
// on aarch64 (arch/arm64's fcntl.h, where 0o400000 is O_LARGEFILE and would follow links).
const O_NOFOLLOW = Deno.build.os === "darwin"
  ? 0x100
  : Deno.build.arch === "aarch64"
  ? 0o100000
  : 0o400000;
const LOCK_SH = 1;
const LOCK_NB = 4;

/**
 * Takes a shared flock on `path` through a descriptor without close-on-exec, so the
 * program prime execs (and prime itself, in the spawn fallback) goes on holding it
 * until it exits. Returns the descriptor, "busy" when someone holds the lock
 * exclusively (the file is being removed), or "absent" when there is no such file
 * (or no libc to ask).
 */
export async function holdShared(path: string): Promise<number | "busy" | "absent"> {
  const libc = loadLibc();
  if (typeof libc === "string") return "absent";
  const p = cString(path);
  const fd = await libc.symbols.open(p, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
  void p;
  if (fd < 0) return "absent";
  if (await libc.symbols.flock(fd, LOCK_SH | LOCK_NB) !== 0) {
    await libc.symbols.close(fd);
    return "busy";
  }
  return fd;
}

/** Closes a descriptor from holdShared (releasing its lock). */
export async function releaseShared(fd: number): Promise<void> {
  const libc = loadLibc();
  if (typeof libc !== "string") await libc.symbols.close(fd);
}

const F_OK = 0;
const X_OK = 1;
const AT_FDCWD = Deno.build.os === "darwin" ? -2 : -100;
const AT_SYMLINK_NOFOLLOW = Deno.build.os === "darwin" ? 0x20 : 0x100;

/**
 * Which of `paths` are certainly not there, asked of libc where Deno's stat would
 * throw: in a directory too large to list (a shared /tmp), the first exception of a
 * process, and the first from each new call stack, cost 0.1-0.3 ms each while V8
 * collects the source positions of every frame. A path is absent when nothing of that
 * name is in its directory (`faccessat` with AT_SYMLINK_NOFOLLOW: lstat's answer, a
 * dangling link is there) and that directory can be searched (X_OK on `DIR/.`): then
 * its stat and lstat fail with NotFound (or NotADirectory). One that may be there, or
 * cannot be told (a directory that is missing or cannot be searched, no libc), is
 * left out: the caller stats it as before. The directory is asked through faccessat
 * with the same flag, so a faccessat that fails whatever the name (glibc tries
 * faccessat2 first, which an older container runtime's seccomp profile refuses with
 * EPERM, not ENOSYS) answers "cannot be told", never "absent". Each call is a round
 * trip to Deno's blocking thread (the one the in-use lock and exec use anyway).
 */
export async function absentPaths(paths: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  if (paths.length === 0) return out;
  const libc = loadLibc();
  if (typeof libc === "string") return out;
  const searchable = new Map<string, boolean>();
  for (const p of paths) {
    const name = cString(p);
    const there = await libc.symbols.faccessat(AT_FDCWD, name, F_OK, AT_SYMLINK_NOFOLLOW);
    void name;
    if (there === 0) continue;
    const i = p.lastIndexOf("/");
    if (i < 0) continue;
    const dir = i === 0 ? "/" : p.slice(0, i);
    let ok = searchable.get(dir);
    if (ok === undefined) {
      const d = cString(`${dir === "/" ? "" : dir}/.`);
      searchable.set(
        dir,
        ok = await libc.symbols.faccessat(AT_FDCWD, d, X_OK, AT_SYMLINK_NOFOLLOW) === 0,
      );
      void d;
    }
    if (ok) out.add(p);
  }
  return out;
}

/**
 * execve(2) `program` with `args` (argv[1..]) and `env`, made from one of Deno's
 * helper threads.
 * Binding a synchronous FFI symbol compiles a fast-call trampoline (about 0.7 ms on
 * every start); a non-blocking one does not. Exec from any thread replaces the whole
 * process and the caller takes over the PID, so the program sees no difference.
 * Resolves only if exec failed or is unavailable, with the reason.
 */
export async function execveAsync(
  program: string,
  args: string[],
  env: Record<string, string>,
): Promise<string> {
  const why = execUnavailable();
  if (why) return why;
  const libc = loadLibc();
  if (typeof libc === "string") return libc;
  const path = cString(program);
  const argv = cArray([program, ...args]);
  const envp = cArray(Object.entries(env).map(([k, v]) => `${k}=${v}`));
  // Dispositions are per process, so setting it from a helper thread is the same.
  await libc.symbols.signal(SIGPIPE, SIG_DFL);
  await libc.symbols.execve(path, argv.ptrs, envp.ptrs);
  // Still here: exec failed. The buffers stayed referenced until the call returned.
  void [path, argv.keep, envp.keep];
  await libc.symbols.signal(SIGPIPE, Deno.UnsafePointer.create(1n)); // SIG_IGN
  return `execve ${program} failed`;
}

/** Spawns the program with inherited stdio, forwards signals, and returns its exit status. */
export async function spawnAndWait(
  program: string,
  args: string[],
  env: Record<string, string>,
): Promise<number> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      env,
      clearEnv: true,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (e) {
    // The shell's codes: 127 for a program that is not there (or whose #! interpreter
    // is not), 126 for one that cannot be executed.
    const notFound = e instanceof Deno.errors.NotFound;
    throw new PrimeError(
      `cannot run ${program}: ${errorMessage(e)}`,
      notFound ? 127 : 126,
      { hint: notFound ? "check the path and its #! line" : "check that it is executable" },
    );
  }
  const handlers: [Deno.Signal, () => void][] = [];
  for (const sig of SIGNALS) {
    const h = () => {
      try {
        child.kill(sig);
      } catch { /* already exited */ }
    };
    try {
      Deno.addSignalListener(sig, h);
      handlers.push([sig, h]);
    } catch { /* signal not supported here */ }
  }
  const status = await child.status;
  for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
  if (status.signal) return 128 + (signalNumbers()[status.signal] ?? 0);
  return status.code;
}

/**
 * Runs the program in place of prime: exec when possible, else spawn. Returns the
 * exit code only in the spawn case; a failed spawn throws.
 */
export async function replaceProcess(
  program: string,
  args: string[],
  env: Record<string, string>,
): Promise<number> {
  await execveAsync(program, args, env);
  return await spawnAndWait(program, args, env);
}
