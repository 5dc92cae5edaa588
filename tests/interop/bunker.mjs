// Shared plumbing for the interop scripts: parsing with nostr-tools, a loopback-only
// network guard, per-step timeouts and exit codes.
//
// Exit codes (all scripts): 0 ok, 1 bad arguments or URL, 2 a step timed out,
// 3 the bunker or relay answered with an error.
//
// nostr-tools 2.25.2's BunkerSigner speaks NIP-44 only (protocol/nsecbunkerd.md §1.4, §4.2):
// it works against our sandbox bunker, but would crash a stock NDK-2.8.1 nsecbunkerd.

import WebSocket from 'ws'
import { useWebSocketImplementation, SimplePool } from 'nostr-tools/pool'
import { parseBunkerInput, useFetchImplementation, BunkerSigner } from 'nostr-tools/nip46'
import { generateSecretKey } from 'nostr-tools/pure'

// Node 20 has no global WebSocket.
useWebSocketImplementation(WebSocket)

// parseBunkerInput falls back to a NIP-05 HTTPS lookup for anything that is not a
// bunker:// URL (e.g. the legacy `bunker://npub1…@relay`); these tests must never
// leave the machine, so that lookup always fails, which makes it return null.
useFetchImplementation(async () => {
  throw new Error('network lookups are disabled in interop scripts')
})

export const EXIT_OK = 0
export const EXIT_USAGE = 1
export const EXIT_TIMEOUT = 2
export const EXIT_REMOTE_ERROR = 3

export const STEP_TIMEOUT_MS = Number(process.env.INTEROP_TIMEOUT_MS ?? 20000)

/** Thrown by withTimeout; carries the exit code. */
export class StepError extends Error {
  constructor(code, message) {
    super(message)
    this.code = code
  }
}

/** Rejects with a StepError(EXIT_TIMEOUT) when `promise` takes longer than the step timeout. */
export async function withTimeout(step, promise, ms = STEP_TIMEOUT_MS) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new StepError(EXIT_TIMEOUT, `timed out after ${ms} ms: ${step}`)),
      ms,
    )
  })
  try {
    return await Promise.race([promise, timeout])
  } catch (err) {
    if (err instanceof StepError) throw err
    // nostr-tools rejects with the bunker's error string, or an AggregateError from publish.
    const detail = err instanceof AggregateError ? err.errors.map(String).join('; ') : String(err)
    throw new StepError(EXIT_REMOTE_ERROR, `${step} failed: ${detail}`)
  } finally {
    clearTimeout(timer)
  }
}

/** Prints `message` on stderr and exits with `code`. */
export function die(code, message) {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

/** Writes one line on stdout, then exits with `code` once it is flushed. */
export function finish(line, code = EXIT_OK) {
  process.stdout.write(`${line}\n`, () => process.exit(code))
}

/** parseBunkerInput, or null; never touches the network (see above). */
export async function parseUrl(url) {
  return parseBunkerInput(url)
}

export function isLoopback(relay) {
  try {
    const host = new URL(relay).hostname
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]'
  } catch {
    return false
  }
}

/**
 * A BunkerSigner with a fresh client key on a pool we own, so `close()` can shut the
 * sockets and let the process exit. Refuses non-loopback relays unless
 * INTEROP_ALLOW_REMOTE=1: these scripts are test tools.
 */
export async function openSigner(url) {
  const bp = await parseUrl(url)
  if (!bp) throw new StepError(EXIT_USAGE, 'not a bunker:// URL that nostr-tools accepts')
  if (bp.relays.length === 0) throw new StepError(EXIT_USAGE, 'the bunker URL names no relay')
  const remote = bp.relays.filter((r) => !isLoopback(r))
  if (remote.length > 0 && process.env.INTEROP_ALLOW_REMOTE !== '1') {
    throw new StepError(EXIT_USAGE, `refusing non-loopback relays ${remote.join(', ')} (set INTEROP_ALLOW_REMOTE=1)`)
  }
  const pool = new SimplePool()
  const signer = BunkerSigner.fromBunker(generateSecretKey(), bp, { pool })
  return {
    bp,
    signer,
    async close() {
      await signer.close()
      pool.destroy()
    },
  }
}

/** A kind-21000 template as the ATM signs it (protocol/nsecbunkerd.md §4.2 step 7). */
export function atmEvent(content) {
  return { kind: 21000, content, tags: [], created_at: Math.floor(Date.now() / 1000) }
}

/**
 * signEvent already verifies id and signature; also check it is the key from the URL
 * and the kind we asked for, as §4.2 step 7 requires.
 */
export function checkSigned(event, bp) {
  if (event.pubkey !== bp.pubkey) {
    throw new StepError(EXIT_REMOTE_ERROR, `signed by ${event.pubkey}, expected ${bp.pubkey}`)
  }
  if (event.kind !== 21000) {
    throw new StepError(EXIT_REMOTE_ERROR, `signed kind ${event.kind}, expected 21000`)
  }
  return event
}

/** Runs `main`, mapping StepErrors (and anything else) to exit codes and stderr. */
export function run(main) {
  main().catch((err) => {
    if (err instanceof StepError) die(err.code, err.message)
    die(EXIT_REMOTE_ERROR, `unexpected error: ${err?.stack ?? err}`)
  })
}
