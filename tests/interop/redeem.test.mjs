// node --test: redeem-and-sign.mjs and sign-timed.mjs end to end against a loopback
// fake bunker (fake-bunker.mjs); the real target is the Rust sandbox bunker.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { verifyEvent } from 'nostr-tools/pure'
import { startFakeBunker } from './fake-bunker.mjs'

const here = fileURLToPath(new URL('.', import.meta.url))

function node(script, args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: here }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr })
    })
  })
}

let bunker
before(async () => {
  bunker = await startFakeBunker()
})
after(async () => {
  await bunker.close()
})

test('redeem-and-sign redeems the secret and prints one signed kind-21000 event', async () => {
  const { code, stdout, stderr } = await node('redeem-and-sign.mjs', [bunker.bunkerUrl, 'cash out 21'])
  assert.equal(code, 0, stderr)
  assert.equal(stdout.trimEnd().split('\n').length, 1, 'exactly one line on stdout')
  const event = JSON.parse(stdout)
  assert.ok(verifyEvent(event), 'signature must verify')
  assert.equal(event.pubkey, bunker.pubkey)
  assert.equal(event.kind, 21000)
  assert.equal(event.content, 'cash out 21')

  // The secret is single-use: a second redemption is refused with the bunker's message.
  const again = await node('redeem-and-sign.mjs', [bunker.bunkerUrl, 'again'])
  assert.equal(again.code, 3, again.stderr)
  assert.match(again.stderr, /Token already redeemed/)
})

test('sign-timed prints one sample per signature', async () => {
  const fresh = await startFakeBunker()
  try {
    const { code, stdout, stderr } = await node('sign-timed.mjs', [fresh.bunkerUrl, '3'])
    assert.equal(code, 0, stderr)
    const { samples_ms } = JSON.parse(stdout)
    assert.equal(samples_ms.length, 3)
    for (const ms of samples_ms) assert.ok(typeof ms === 'number' && ms >= 0)
  } finally {
    await fresh.close()
  }
})
