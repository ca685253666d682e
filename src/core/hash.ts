/**
 * A fast non-cryptographic hash for naming cache files (pointers, routes). Collisions
 * are harmless by design: each such file stores the full request it was written for,
 * and the reader compares it. It replaces WebCrypto on the warm path, whose first
 * digest costs about 0.3 ms of set-up per start. Pure.
 */

/** 128 bits of `s` (four 32-bit lanes, MurmurHash3's mixing) as 32 hex digits. */
export function fastHash(s: string): string {
  let h1 = 0x9747b28c, h2 = 0x85ebca6b, h3 = 0xc2b2ae35, h4 = 0x27d4eb2f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h3 = Math.imul(h3 ^ c, 0x85ebca77);
    h4 = Math.imul(h4 ^ c, 0xc2b2ae3d);
    h1 = (h1 << 13) | (h1 >>> 19);
    h3 = (h3 << 17) | (h3 >>> 15);
  }
  const mix = (h: number, seed: number) => {
    h ^= seed ^ s.length;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(8, "0");
  };
  return mix(h1, h2) + mix(h2, h3) + mix(h3, h4) + mix(h4, h1);
}
