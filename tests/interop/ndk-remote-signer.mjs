// Usage: node ndk-remote-signer.mjs <relay> <user-secret-hex> <connection-secret>
// Plays "the phone" for the console's admin key: NDK's NIP-46 backend (NDKNip46Backend,
// @nostr-dev-kit/ndk 2.18.1) holding <user-secret-hex>, listening on <relay> (loopback only).
// Prints its bunker:// URL on one line, then serves until stdin closes (the test ends it).
// An app connecting must present <connection-secret>; every other request is approved.
// NDK answers in the scheme it was asked in (NIP-44 from rust-nostr's NostrConnect).
import WebSocket from 'ws'
import NDK, { NDKNip46Backend, NDKPrivateKeySigner } from '@nostr-dev-kit/ndk'
import { getPublicKey } from 'nostr-tools/pure'
import { isLoopback, die, EXIT_USAGE } from './bunker.mjs'

// Node 20 has no global WebSocket; NDK's relays use the global one.
globalThis.WebSocket ??= WebSocket

const [relay, userHex, secret] = process.argv.slice(2)
if (!relay || !/^[0-9a-f]{64}$/.test(userHex ?? '') || !secret) {
  die(EXIT_USAGE, 'usage: node ndk-remote-signer.mjs <relay> <user-secret-hex> <connection-secret>')
}
if (!isLoopback(relay)) die(EXIT_USAGE, `refusing relay ${relay}: loopback only`)

const ndk = new NDK({ explicitRelayUrls: [relay] })
await ndk.connect(5000)
const key = Uint8Array.from(Buffer.from(userHex, 'hex'))
const backend = new NDKNip46Backend(ndk, new NDKPrivateKeySigner(key), async () => true)
// NDK leaves connection tokens to the application: ours is the secret in the URL.
backend.applyToken = async (_pubkey, token) => {
  if (token !== secret) throw new Error('wrong connection secret')
}
await backend.start()
const pubkey = getPublicKey(key)
process.stdout.write(`bunker://${pubkey}?relay=${encodeURIComponent(relay)}&secret=${secret}\n`)
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
process.stdin.on('close', () => process.exit(0))
