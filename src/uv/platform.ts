/** What wheel this host can run: OS, architecture, C library and its version. */
import { run, type Runner } from "../process.ts";
import type { WheelPlatform } from "../pypa/wheel.ts";

/** Darwin kernel major -> macOS [major, minor]. Pure. */
export function macosFromDarwin(release: string): [number, number] | null {
  const major = parseInt(release, 10);
  if (!(major > 0)) return null;
  if (major >= 20) return [major - 9, 0];
  return [10, major - 4];
}

/** Learns what wheel this host can run (C library and its version on Linux). */
export async function detectWheelPlatform(runner: Runner = run): Promise<WheelPlatform> {
  const host: WheelPlatform = {
    os: Deno.build.os,
    arch: Deno.build.arch,
    libc: null,
    glibc: null,
    macos: null,
  };
  if (host.os === "darwin") {
    host.macos = macosFromDarwin(Deno.osRelease());
  } else if (host.os === "linux") {
    try {
      for (const e of Deno.readDirSync("/lib")) {
        if (/^ld-musl-.*\.so\.1$/.test(e.name)) host.libc = "musl";
      }
    } catch { /* no /lib: decide from getconf below */ }
    if (host.libc === null) {
      const r = await runner("getconf", ["GNU_LIBC_VERSION"], { timeoutMs: 5_000 });
      let m = /glibc (\d+)\.(\d+)/.exec(r.stdout);
      if (!m) {
        const l = await runner("ldd", ["--version"], { timeoutMs: 5_000 });
        if (/musl/i.test(l.stdout + l.stderr)) host.libc = "musl";
        m = /(\d+)\.(\d+)\s*$/m.exec(l.stdout.split("\n")[0] ?? "");
      }
      if (host.libc === null) {
        host.libc = "glibc";
        if (m) host.glibc = [Number(m[1]), Number(m[2])];
      }
    }
  }
  return host;
}

export function describeHost(h: WheelPlatform): string {
  const libc = h.libc === "glibc" && h.glibc ? `glibc ${h.glibc.join(".")}` : h.libc;
  const mac = h.macos ? `macOS ${h.macos.join(".")}` : null;
  return [h.os, h.arch, libc, mac].filter(Boolean).join(" ");
}
