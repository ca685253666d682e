/** prime's own version; part of every stamp. */
export const PRIME_VERSION = "0.1.0";
