// Usage: node ndk-sign-timed.mjs <bunker-url> <n>
// NDK's NIP-46 signer (NDKNip46Signer, @nostr-dev-kit/ndk 2.18.1) with ONE warm connection:
// redeems the URL's secret once (blockUntilReady), then signs <n> kind-21000 events one after
// another and prints {"samples_ms":[…]}, the round trip of each sign, for the warm benchmark.
// Each signature is checked (id, signature, the URL's key, kind 21000).
// NDK 2.18.1 starts in NIP-04 and follows the bunker's replies; run it against a sandbox in
// auto mode (or the 0.11 flavour), never against a nip04_only key that NDK might NIP-44.
// Exit codes: see bunker.mjs. Timeout per step: INTEROP_TIMEOUT_MS (default 20000).
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import NDK, { NDKNip46Signer } from '@nostr-dev-kit/ndk'
import { getEventHash, verifyEvent } from 'nostr-tools/pure'
import { parseUrl, isLoopback, withTimeout, atmEvent, checkSigned, finish, die, run, StepError, EXIT_USAGE, EXIT_REMOTE_ERROR } from './bunker.mjs'

// Node 20 has no global WebSocket; NDK's relays use the global one.
globalThis.WebSocket ??= WebSocket

const [url, countArg] = process.argv.slice(2)
const count = Number(countArg)
if (!url || !Number.isInteger(count) || count < 1) die(EXIT_USAGE, 'usage: node ndk-sign-timed.mjs <bunker-url> <n >= 1>')

run(async () => {
  const bp = await parseUrl(url)
  if (!bp) throw new StepError(EXIT_USAGE, 'not a bunker:// URL')
  const remote = bp.relays.filter((r) => !isLoopback(r))
  if (bp.relays.length === 0 || (remote.length > 0 && process.env.INTEROP_ALLOW_REMOTE !== '1')) {
    throw new StepError(EXIT_USAGE, `refusing relays ${bp.relays.join(', ')} (loopback only unless INTEROP_ALLOW_REMOTE=1)`)
  }
  const ndk = new NDK({ explicitRelayUrls: bp.relays })
  const signer = NDKNip46Signer.bunker(ndk, url)
  await withTimeout('connect (redeem the secret)', signer.blockUntilReady())
  const samples = []
  for (let i = 0; i < count; i++) {
    const template = { ...atmEvent(`ndk timed ${i + 1}`), pubkey: bp.pubkey }
    const started = performance.now()
    const sig = await withTimeout(`sign #${i + 1}`, signer.sign(template))
    samples.push(performance.now() - started)
    const event = { ...template, id: getEventHash(template), sig }
    if (!verifyEvent(event)) throw new StepError(EXIT_REMOTE_ERROR, `sign #${i + 1}: the signature does not verify`)
    checkSigned(event, bp)
  }
  signer.stop()
  finish(JSON.stringify({ samples_ms: samples }))
})
