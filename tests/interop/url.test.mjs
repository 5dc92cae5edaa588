// node --test: our bunker:// URL form parses in nostr-tools; the legacy nsecbunkerd
// connection string does not (protocol/nsecbunkerd.md §1.5, §4.1 step 5).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const KEY = '3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d'
const SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'

function node(script, args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: here, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr })
    })
  })
}

test('percent-encoded two-relay URL parses to pubkey, relays and secret', async () => {
  const url = `bunker://${KEY}?relay=wss%3A%2F%2Frelay.example.com&relay=ws%3A%2F%2F127.0.0.1%3A7777&secret=${SECRET}`
  const { code, stdout, stderr } = await node('parse-url.mjs', [url])
  assert.equal(code, 0, stderr)
  assert.deepEqual(JSON.parse(stdout), {
    pubkey: KEY,
    relays: ['wss://relay.example.com', 'ws://127.0.0.1:7777'],
    secret: SECRET,
  })
})

test('legacy bunker://npub…@relay connection string is rejected', async () => {
  const url = 'bunker://npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6@relay.nsecbunker.com'
  const { code, stdout, stderr } = await node('parse-url.mjs', [url])
  assert.equal(code, 1, 'parseBunkerInput must return null for the nsecbunkerd admin string')
  assert.equal(stdout, '')
  assert.match(stderr, /returned null/)
})

test('uppercase hex pubkey is rejected', async () => {
  const url = `bunker://${KEY.toUpperCase()}?relay=ws%3A%2F%2F127.0.0.1%3A7777&secret=${SECRET}`
  const { code } = await node('parse-url.mjs', [url])
  assert.equal(code, 1)
})

test('redeem-and-sign refuses relays off the loopback interface', async () => {
  const url = `bunker://${KEY}?relay=wss%3A%2F%2Frelay.example.com&secret=${SECRET}`
  const { code, stderr } = await node('redeem-and-sign.mjs', [url, 'hello'])
  assert.equal(code, 1)
  assert.match(stderr, /refusing non-loopback relays/)
})

test('redeem-and-sign fails with a message when the relay is down', async () => {
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
  const url = `bunker://${KEY}?relay=ws%3A%2F%2F127.0.0.1%3A${port}&secret=${SECRET}`
  const { code, stdout, stderr } = await node('redeem-and-sign.mjs', [url, 'hello'], { INTEROP_TIMEOUT_MS: '5000' })
  assert.ok(code === 2 || code === 3, `expected timeout (2) or error (3), got ${code}: ${stderr}`)
  assert.equal(stdout, '')
  assert.match(stderr, /connect/)
})
