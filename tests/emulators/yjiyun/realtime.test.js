// The socket.io channel: msgFilter, messages while away (only via
// chat/message), dropping and refusing connections, 500 messages during an
// outage recovered once and in order, bursts, concurrent tagging, and both
// engine.io versions (v4: socket.io 4; v3: socket.io 2; both).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const {
  baseConfig,
  startEmulator,
  waitFor,
  kRobotKey,
  kRobotWxid,
  kCustomer,
  kCustomer2,
  kGroup,
  kLabelConsumer,
  kLabelRetail,
  kLabelPersonal,
} = require('./harness');

async function socketCount(emulator) {
  return (await emulator.state()).sockets.length;
}

test('msgFilter=1 lets through one-to-one text, group text @robot and actions', async t => {
  const emulator = await startEmulator();
  t.after(() => emulator.stop());
  const token = await emulator.token();
  const all = await emulator.connect(token);
  const filtered = await emulator.connect(token, {msgFilter: true});
  t.after(() => [all, filtered].forEach(s => s.close()));
  const inject = fields => emulator.control('messages', {robotKey: kRobotKey, ...fields});

  await inject({chatUser: kCustomer, content: 'private text'});
  await inject({chatUser: kCustomer, contentType: 7});
  await inject({chatUser: kGroup, from: kCustomer, content: 'group text'});
  await inject({chatUser: kGroup, from: kCustomer, content: 'group @robot', atRobot: true});
  await inject(
      {chatUser: kGroup, from: kCustomer, content: 'group @other', atUserList: kCustomer2});
  await emulator.control('events', {
    type: 'robot.on.new.friend.request',
    robotKey: kRobotKey,
    userId: '7881300000000001',
  });
  await inject({chatUser: kCustomer2, content: 'marker'});

  // Events arrive in order, so once the marker is in nothing else will come.
  await all.next('message', m => m.content.content === 'marker');
  await filtered.next('message', m => m.content.content === 'marker');
  const texts = socket => socket.events.filter(e => e.name === 'message')
                              .map(e => e.payload.content.content ?? e.payload.content.pic);
  assert.deepEqual(texts(filtered), ['private text', 'group @robot', 'marker']);
  assert.equal(texts(all).length, 6);
  assert.equal(filtered.count('chat'), 0);
  assert.equal(all.count('chat'), 6);
  assert.equal(filtered.count('action', a => a.type === 'robot.on.new.friend.request'), 1);
  const at = filtered.events.find(
      e => e.name === 'message' && e.payload.content.content === 'group @robot');
  assert.equal(at.payload.content.atUserList, kRobotWxid);
});

test('messages that arrive while no socket is connected are only in chat/message', async t => {
  const emulator = await startEmulator();
  t.after(() => emulator.stop());
  const token = await emulator.token();
  const first = await emulator.connect(token);
  first.close();
  await waitFor(async () => (await socketCount(emulator)) === 0, 'the socket to go');

  const away = await emulator.control('messages', {
    robotKey: kRobotKey,
    chatUser: kCustomer,
    count: 5,
    content: 'away {i}',
  });
  assert.equal(away.delivered, 0);

  const second = await emulator.connect(token);
  t.after(() => second.close());
  const present = await emulator.control(
      'messages', {robotKey: kRobotKey, chatUser: kCustomer, content: 'back'});
  assert.equal(present.delivered, 1);
  await second.next('message', m => m.content.content === 'back');
  assert.equal(second.count('message'), 1, 'nothing from the outage is replayed');

  const history =
      (await emulator.api(
           '/wxworkapi/chat/message', {robotKey: kRobotKey, chatUser: kCustomer}, {token}))
          .body;
  assert.deepEqual(
      history.model.map(m => m.content.content),
      ['back', 'away 5', 'away 4', 'away 3', 'away 2', 'away 1'],
  );
  const chat = (await emulator.api('/wxworkapi/chat/list', {count: 5}, {token})).body.chats[0];
  assert.equal(chat.unreadCount, 6);
});

// What a client does after an outage: pages chat/message from the last
// timestamp it saw up to a fixed end, oldest first, skipping what it has.
async function backfill(emulator, token, chatUser, sinceTimestamp, seen) {
  const until = Date.now() + 1000;
  const pages = [];
  for (let offset = 0;;) {
    const page = (await emulator.api(
                      '/wxworkapi/chat/message',
                      {
                        robotKey: kRobotKey,
                        chatUser,
                        s_timestamp: sinceTimestamp,
                        timestamp: until,
                        offset,
                        count: 500
                      },
                      {token},
                      ))
                     .body;
    assert.equal(page.code, '0');
    pages.push(...page.model);
    offset += page.model.length;
    if (page.model.length === 0 || offset >= page.total) break;
  }
  return pages.reverse().filter(m => !seen.has(m.messageId));
}

for (const version of [4, 3]) {
  test(
      `engine.io v${version}: an outage with 500 messages, recovered once and in order`,
      async t => {
        const emulator =
            await startEmulator(baseConfig(), ['--engine-io', version === 4 ? '4' : '3']);
        t.after(() => emulator.stop());
        const token = await emulator.token();
        const socket = emulator.openSocket(token, {version, reconnection: true});
        t.after(() => socket.close());
        await socket.next('connect');

        await emulator.control(
            'messages', {robotKey: kRobotKey, chatUser: kCustomer, content: 'before'});
        const before = await socket.next('message', m => m.content.content === 'before');

        const {dropped} = await emulator.control('drop', {refuseMs: 60000});
        assert.equal(dropped, 1);
        assert.equal(await socket.next('disconnect'), 'transport close');
        // The client keeps trying and is refused.
        await socket.next('connect_error');
        assert.ok((await emulator.state()).refusingSockets);

        const outage = await emulator.control('messages', {
          robotKey: kRobotKey,
          chatUser: kCustomer,
          count: 500,
          content: 'outage {i}',
        });
        assert.equal(outage.delivered, 0);
        const stamps = outage.messages.map(m => m.timestamp);
        assert.ok(
            stamps.every((stamp, i) => i === 0 || stamp > stamps[i - 1]), 'timestamps increase');

        await emulator.control('refuse', {refuse: false});
        await socket.next('connect', () => true, 10000);
        await emulator.control(
            'messages', {robotKey: kRobotKey, chatUser: kCustomer, content: 'after'});
        const after = await socket.next('message', m => m.content.content === 'after');

        const seen = new Set([before.messageId, after.messageId]);
        const recovered = await backfill(emulator, token, kCustomer, before.timestamp, seen);
        const stream = [before, ...recovered, after].map(m => m.content.content);
        assert.equal(stream.length, 502);
        assert.deepEqual(stream, [
          'before',
          ...Array.from({length: 500}, (_, i) => `outage ${i + 1}`),
          'after',
        ]);
        assert.equal(new Set(recovered.map(m => m.messageId)).size, 500);
      });
}

test('drop modes: server disconnect and TCP reset', async t => {
  const emulator = await startEmulator();
  t.after(() => emulator.stop());
  const token = await emulator.token();

  const kicked = await emulator.connect(token, {reconnection: true});
  t.after(() => kicked.close());
  await emulator.control('drop', {mode: 'server'});
  assert.equal(await kicked.next('disconnect'), 'io server disconnect');
  kicked.close();

  const reset = await emulator.connect(token, {reconnection: true, transports: ['websocket']});
  t.after(() => reset.close());
  await emulator.control('drop', {mode: 'reset'});
  assert.match(await reset.next('disconnect'), /^transport (close|error)$/);
  await reset.next('connect');
  await emulator.control(
      'messages', {robotKey: kRobotKey, chatUser: kCustomer, content: 'reconnected'});
  await reset.next('message', m => m.content.content === 'reconnected');

  await assert.rejects(emulator.control('drop', {mode: 'sideways'}), /mode/);

  // Only the named account's sockets.
  const mine = await emulator.connect(token);
  const theirs = await emulator.connect(await emulator.token('user2', 'other-secret'));
  t.after(() => [mine, theirs].forEach(s => s.close()));
  assert.equal((await emulator.control('drop', {accessKey: 'user2'})).dropped, 1);
  assert.equal(await theirs.next('disconnect'), 'transport close');
  await waitFor(async () => (await socketCount(emulator)) === 2, 'user2 to go');
  assert.ok(mine.socket.connected);
});

test('a burst of 500 messages arrives in order on a connected socket', async t => {
  const emulator = await startEmulator();
  t.after(() => emulator.stop());
  const token = await emulator.token();
  const socket = await emulator.connect(token);
  t.after(() => socket.close());
  const started = Date.now();
  const burst = await emulator.control('messages', {
    robotKey: kRobotKey,
    chatUser: kGroup,
    from: kCustomer2,
    count: 500,
    content: 'burst {i}',
  });
  assert.ok(Date.now() - started < 5000, 'injecting 500 messages is quick');
  assert.equal(burst.delivered, 500);
  await socket.next('message', m => m.content.content === 'burst 500', 10000);
  const received = socket.events.filter(e => e.name === 'message').map(e => e.payload);
  assert.deepEqual(
      received.map(m => m.content.content),
      Array.from({length: 500}, (_, i) => `burst ${i + 1}`),
  );
  assert.deepEqual(
      received.map(m => m.messageId),
      burst.messages.map(m => m.messageId),
  );
  assert.equal(socket.count('chat'), 500);
});

test('tagging: concurrent requests for one robot fail, queued ones succeed', async t => {
  const emulator = await startEmulator();
  t.after(() => emulator.stop());
  const token = await emulator.token();
  const socket = await emulator.connect(token);
  t.after(() => socket.close());
  const tag = labelId => ({
    type: 'robot.cust.tags',
    robotKey: kRobotKey,
    messageId: emulator.messageId(),
    userId: kCustomer,
    tags: [labelId],
  });

  // Long enough that the second request surely arrives while the first is in
  // progress, even on a loaded machine.
  await emulator.control('tagging', {processingMs: 1500});

  // Two on the socket at once: the second arrives while the first is in progress.
  const [first, second] = [tag(kLabelRetail), tag(kLabelPersonal)];
  socket.emit('action', first);
  socket.emit('action', second);
  const answers = await Promise.all([
    socket.next('action', a => a.messageId === first.messageId),
    socket.next('action', a => a.messageId === second.messageId),
  ]);
  assert.deepEqual(
      answers.map(a => a.code),
      ['0', '1'],
  );
  assert.match(answers[1].msg, /打标签/);

  // Over the bridge, concurrently, too.
  const overBridge = await Promise.all(
      [tag(kLabelPersonal), tag(kLabelConsumer)].map(
          body => emulator.api('/wxworkapi/bridge', body, {token})),
  );
  assert.deepEqual(
      overBridge.map(r => r.body.code).sort(),
      ['0', '1'],
  );

  // One after another, all succeed.
  await emulator.control('tagging', {processingMs: 50});
  for (const labelId of [kLabelPersonal, kLabelConsumer]) {
    assert.equal((await socket.act(tag(labelId))).code, '0');
  }
  const state = await emulator.state();
  assert.equal(state.tagging.conflicts, 2);
  assert.deepEqual(
      state.robots[0].customers.find(c => c.userId === kCustomer).tags.sort(),
      [kLabelConsumer, kLabelRetail, kLabelPersonal].sort(),
  );

  // With the switch off the emulator queues concurrent requests itself.
  await emulator.control('tagging', {failConcurrent: false});
  const queued = [tag(kLabelRetail), tag(kLabelPersonal), tag(kLabelConsumer)];
  queued.forEach(request => socket.emit('action', request));
  const queuedAnswers =
      await Promise.all(queued.map(q => socket.next('action', a => a.messageId === q.messageId)));
  assert.deepEqual(
      queuedAnswers.map(a => a.code),
      ['0', '0', '0'],
  );
});

test('engine.io versions: 4 only, 3 only, and both', async t => {
  const handshake = async (emulator, eio) => {
    const response = await fetch(`${emulator.baseUrl}/socket.io/?EIO=${eio}&transport=polling`);
    return {status: response.status, body: await response.text()};
  };

  await t.test('engineIo 4 speaks engine.io v4 only', async () => {
    const emulator = await startEmulator({...baseConfig(), pingIntervalMs: 300});
    try {
      const v4 = await handshake(emulator, 4);
      assert.equal(v4.status, 200);
      assert.match(v4.body, /^0\{.*"maxPayload"/);
      assert.match(v4.body, /"pingInterval":300/);
      assert.equal((await handshake(emulator, 3)).status, 400);
      await emulator.control('refuse', {refuse: true});
      assert.equal((await handshake(emulator, 4)).status, 403);
      await emulator.control('refuse', {refuse: false});
      assert.equal((await handshake(emulator, 4)).status, 200);
      const token = await emulator.token();
      const modern = await emulator.connect(token);
      assert.deepEqual(
          (await emulator.state()).sockets.map(s => s.engineIo),
          [4],
      );
      modern.close();
      const old = emulator.openSocket(token, {version: 3});
      await old.next('connect_error');
      old.close();
    } finally {
      await emulator.stop();
    }
  });

  await t.test('engineIo 3 speaks engine.io v3 only, and everything works on it', async () => {
    const config = {...baseConfig(), engineIo: '3', pingIntervalMs: 400};
    const emulator = await startEmulator(config);
    try {
      const v3 = await handshake(emulator, 3);
      assert.equal(v3.status, 200);
      assert.match(v3.body, /^\d+:0\{"sid":/, 'length-prefixed v3 payload');
      assert.doesNotMatch(v3.body, /maxPayload/);
      assert.match(v3.body, /"pingInterval":400/);
      // Asked for v4, engine.io 3 still answers in v3 framing.
      assert.match((await handshake(emulator, 4)).body, /^\d+:0\{/);
      await emulator.control('refuse', {refuse: true, ms: 60000});
      const refusedHandshake = await handshake(emulator, 3);
      assert.equal(refusedHandshake.status, 400);
      assert.match(refusedHandshake.body, /Forbidden/);
      await emulator.control('refuse', {refuse: false});

      const token = await emulator.token();
      const modern = emulator.openSocket(token, {version: 4});
      await modern.next('connect_error');
      modern.close();

      const socket = await emulator.connect(token, {version: 3, msgFilter: true});
      assert.deepEqual(
          (await emulator.state()).sockets.map(s => [s.engineIo, s.msgFilter]),
          [[3, true]],
      );
      const sync = await socket.act(
          {type: 'robot.tags.sync', robotKey: kRobotKey, messageId: emulator.messageId()});
      assert.equal(sync.code, '0');
      const messageId = emulator.messageId();
      socket.emit('message', {
        chatId: `S:${kRobotWxid}_${kCustomer}`,
        messageId,
        message: {contentType: 1, content: 'over v3'},
      });
      const echo = await socket.next('message', m => m.messageId === messageId);
      assert.equal(echo.content.content, 'over v3');
      await emulator.control(
          'messages', {robotKey: kRobotKey, chatUser: kCustomer, content: 'to v3'});
      await socket.next('message', m => m.content.content === 'to v3');
      socket.close();

      const expired = await emulator.token();
      await emulator.control('tokens/expire');
      const refused = emulator.openSocket(expired, {version: 3});
      // socket.io 2 has no connect_error for a refused namespace: an "error"
      // event carries the refusal's data.
      assert.deepEqual(await refused.next('error'), {code: '1000', msg: 'token已过期'});
      refused.close();
    } finally {
      await emulator.stop();
    }
  });

  await t.test('engineIo both accepts either client', async () => {
    const emulator = await startEmulator(baseConfig(), ['--engine-io', 'both']);
    try {
      assert.equal((await handshake(emulator, 3)).status, 200);
      assert.equal((await handshake(emulator, 4)).status, 200);
      const token = await emulator.token();
      const v4 = await emulator.connect(token, {version: 4});
      const v3 = await emulator.connect(token, {version: 3});
      assert.deepEqual(
          (await emulator.state()).sockets.map(s => s.engineIo).sort(),
          [3, 4],
      );
      await emulator.control(
          'messages', {robotKey: kRobotKey, chatUser: kCustomer, content: 'to both'});
      await Promise.all([v4, v3].map(s => s.next('message', m => m.content.content === 'to both')));
      v4.close();
      v3.close();
    } finally {
      await emulator.stop();
    }
  });
});
