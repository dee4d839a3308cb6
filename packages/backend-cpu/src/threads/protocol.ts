/**
 * The mailbox of one worker, a block of the shared heap: eight int32 header words, then up to 30
 * float64 arguments. The main thread writes a call and bumps SEQ; the worker runs it, stores
 * FAILED, then sets DONE to SEQ. Both sides block with Atomics.wait where the engine lets them.
 */
export const SLOT_BYTES = 32 + 30 * 8;
export const SEQ = 0;
export const DONE = 1;
export const FN = 2;
export const ARGC = 3;
export const FAILED = 4;
/** Byte offset of the float64 arguments within a slot. */
export const ARGS = 32;
/** Written to SEQ to end a worker. */
export const STOP = -1;
/** How long a worker spins on its mailbox after a call before it sleeps (milliseconds). */
export const SPIN_MS = 10;
