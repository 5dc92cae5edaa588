// Usage: node parse-url.mjs <bunker-url>
// Prints {"pubkey","relays","secret"} as nostr-tools' parseBunkerInput sees the URL,
// or exits 1 when it returns null (protocol/nsecbunkerd.md §1.5).
import { parseUrl, finish, die, EXIT_USAGE } from './bunker.mjs'

const [url] = process.argv.slice(2)
if (!url) die(EXIT_USAGE, 'usage: node parse-url.mjs <bunker-url>')

const bp = await parseUrl(url)
if (!bp) die(EXIT_USAGE, 'nostr-tools parseBunkerInput rejected the URL (returned null)')
finish(JSON.stringify({ pubkey: bp.pubkey, relays: bp.relays, secret: bp.secret }))
