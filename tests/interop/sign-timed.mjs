// Usage: node sign-timed.mjs <bunker-url> <n>
// Redeems once, then signs <n> kind-21000 events one after another and prints
// {"samples_ms":[…]}: the round trip of each sign_event, for the benchmark.
// Exit codes: see bunker.mjs. Timeout per step: INTEROP_TIMEOUT_MS (default 20000).
import { performance } from 'node:perf_hooks'
import { openSigner, withTimeout, atmEvent, checkSigned, finish, die, run, EXIT_USAGE } from './bunker.mjs'

const [url, countArg] = process.argv.slice(2)
const count = Number(countArg)
if (!url || !Number.isInteger(count) || count < 1) die(EXIT_USAGE, 'usage: node sign-timed.mjs <bunker-url> <n >= 1>')

run(async () => {
  const session = await openSigner(url)
  await withTimeout('connect (redeem the secret)', session.signer.connect())
  const samples = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    const signed = await withTimeout(`sign_event #${i + 1}`, session.signer.signEvent(atmEvent(`timed ${i + 1}`)))
    samples.push(performance.now() - started)
    checkSigned(signed, session.bp)
  }
  await session.close()
  finish(JSON.stringify({ samples_ms: samples }))
})
