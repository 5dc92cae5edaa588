// Usage: node redeem-and-sign.mjs <bunker-url> <content>
// Redeems the URL's secret with a fresh client key (nostr-tools BunkerSigner.connect),
// signs one kind-21000 event with <content> and prints it as one JSON line.
// Exit codes: see bunker.mjs. Timeout per step: INTEROP_TIMEOUT_MS (default 20000).
import { openSigner, withTimeout, atmEvent, checkSigned, finish, die, run, EXIT_USAGE } from './bunker.mjs'

const [url, content] = process.argv.slice(2)
if (!url || content === undefined) die(EXIT_USAGE, 'usage: node redeem-and-sign.mjs <bunker-url> <content>')

run(async () => {
  const session = await openSigner(url)
  await withTimeout('connect (redeem the secret)', session.signer.connect())
  const signed = await withTimeout('sign_event kind 21000', session.signer.signEvent(atmEvent(content)))
  checkSigned(signed, session.bp)
  await session.close()
  finish(JSON.stringify(signed))
})
