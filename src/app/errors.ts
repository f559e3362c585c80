/**
 * A mistake in how Ratchet was invoked (an option out of range, an unknown tenant id): the CLI and `ratchet serve`
 * both report it as a usage error (exit 2, DESIGN §3) rather than a runtime failure.
 */
export class UsageError extends Error {}
