// Test double for redeem.test.mjs only: a loopback relay with a one-key NIP-46 bunker
// built in, just enough to drive the scripts end to end without the Rust sandbox.
// Single-use secrets and "Not authorized" for unredeemed clients, as nsecbunkerd does
// (protocol/nsecbunkerd.md §1.8, §4.2), but NIP-44 like nostr-tools 2.x expects.
import { WebSocketServer } from 'ws'
import { matchFilters } from 'nostr-tools/filter'
import { finalizeEvent, generateSecretKey, getPublicKey, verifyEvent } from 'nostr-tools/pure'
import { getConversationKey, encrypt, decrypt } from 'nostr-tools/nip44'

export async function startFakeBunker() {
  const key = generateSecretKey()
  const pubkey = getPublicKey(key)
  const secret = Buffer.from(generateSecretKey()).toString('hex')
  const redeemedSecrets = new Set()
  const clients = new Set()
  const subs = new Map() // socket -> Map(subId -> filters)

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((resolve) => wss.once('listening', resolve))
  const url = `ws://127.0.0.1:${wss.address().port}`

  function broadcast(event) {
    for (const [socket, bySub] of subs) {
      for (const [subId, filters] of bySub) {
        if (matchFilters(filters, event)) socket.send(JSON.stringify(['EVENT', subId, event]))
      }
    }
  }

  function answer(request, client) {
    const { id, method, params } = request
    if (method === 'connect') {
      const given = params[1] ?? ''
      if (given === '') return clients.has(client) ? { id, result: 'ack' } : { id, result: '', error: 'Not authorized' }
      if (given !== secret) return { id, result: '', error: 'Token not found' }
      if (redeemedSecrets.has(given)) return { id, result: '', error: 'Token already redeemed' }
      redeemedSecrets.add(given)
      clients.add(client)
      return { id, result: 'ack' }
    }
    if (method === 'sign_event') {
      if (!clients.has(client)) return { id, result: '', error: 'Not authorized' }
      const template = JSON.parse(params[0])
      return { id, result: JSON.stringify(finalizeEvent(template, key)) }
    }
    return { id, result: '', error: `unsupported method ${method}` }
  }

  function handleRequest(event) {
    const convKey = getConversationKey(key, event.pubkey)
    const response = answer(JSON.parse(decrypt(event.content, convKey)), event.pubkey)
    broadcast(
      finalizeEvent(
        {
          kind: 24133,
          tags: [['p', event.pubkey]],
          content: encrypt(JSON.stringify(response), convKey),
          created_at: Math.floor(Date.now() / 1000),
        },
        key,
      ),
    )
  }

  wss.on('connection', (socket) => {
    subs.set(socket, new Map())
    socket.on('close', () => subs.delete(socket))
    socket.on('message', (data) => {
      const [type, ...rest] = JSON.parse(data.toString())
      if (type === 'REQ') {
        const [subId, ...filters] = rest
        subs.get(socket).set(subId, filters)
        socket.send(JSON.stringify(['EOSE', subId]))
      } else if (type === 'CLOSE') {
        subs.get(socket).delete(rest[0])
      } else if (type === 'EVENT') {
        const [event] = rest
        const ok = verifyEvent(event)
        socket.send(JSON.stringify(['OK', event.id, ok, ok ? '' : 'invalid: bad signature']))
        if (!ok) return
        broadcast(event)
        const toBunker = event.kind === 24133 && event.tags.some((t) => t[0] === 'p' && t[1] === pubkey)
        if (toBunker) handleRequest(event)
      }
    })
  })

  return {
    pubkey,
    bunkerUrl: `bunker://${pubkey}?relay=${encodeURIComponent(url)}&secret=${secret}`,
    close: () => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate()
      wss.close(resolve)
    }),
  }
}
