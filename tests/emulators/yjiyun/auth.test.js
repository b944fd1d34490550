// Token auth (2.1, code 1000), token expiry over HTTP, the bridge and the
// socket, injected 5000 answers, and the binary's config errors.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const {
  baseConfig,
  startEmulator,
  runEmulatorToExit,
  kRobotKey,
  kCustomer,
} = require('./harness');

test('auth, token expiry and busy answers', async t => {
  const emulator = await startEmulator();
  t.after(() => emulator.stop());

  await t.test('auth answers the document shape', async () => {
    const {status, body} = await emulator.api('/robotapi/client/auth', {
      accessKey: 'user1',
      accessSecret: 'Q3KR21ME',
    });
    assert.equal(status, 200);
    assert.equal(body.code, '0');
    assert.equal(body.data.expireMinutes, 120);
    assert.equal(body.data.username, 'jiangxiaohong');
    assert.match(body.data.accessToken, /^[0-9a-f]{32}$/);
    assert.ok(Math.abs(body.data.createTime - Date.now()) < 60000);
  });

  await t.test('auth over a form body works too', async () => {
    const {body} = await emulator.api(
        '/robotapi/client/auth',
        {accessKey: 'user1', accessSecret: 'Q3KR21ME'},
        {form: true},
    );
    assert.equal(body.code, '0');
  });

  await t.test('a second auth while valid extends the same token', async () => {
    const first = (await emulator.api(
                       '/robotapi/client/auth', {accessKey: 'user1', accessSecret: 'Q3KR21ME'}))
                      .body.data;
    const second = (await emulator.api(
                        '/robotapi/client/auth', {accessKey: 'user1', accessSecret: 'Q3KR21ME'}))
                       .body.data;
    assert.equal(second.accessToken, first.accessToken);
    assert.ok(second.createTime >= first.createTime);
  });

  await t.test('wrong secret, unknown key and missing fields', async () => {
    const wrong =
        await emulator.api('/robotapi/client/auth', {accessKey: 'user1', accessSecret: 'nope'});
    assert.equal(wrong.body.code, '1000');
    const unknown =
        await emulator.api('/robotapi/client/auth', {accessKey: 'ghost', accessSecret: 'x'});
    assert.equal(unknown.body.code, '1000');
    const missing = await emulator.api('/robotapi/client/auth', {accessKey: 'user1'});
    assert.equal(missing.body.code, '1');
    assert.match(missing.body.msg, /accessSecret/);
  });

  await t.test('calls without, with unknown and with a body token', async () => {
    const none = await emulator.api('/wxworkapi/robot/list');
    assert.deepEqual([none.status, none.body.code], [200, '1000']);
    const unknown = await emulator.api('/wxworkapi/robot/list', {}, {token: 'f'.repeat(32)});
    assert.equal(unknown.body.code, '1000');
    const token = await emulator.token();
    const inBody = await emulator.api('/wxworkapi/robot/list', {token});
    assert.equal(inBody.body.code, '0');
  });

  await t.test('an account sees only its own robots', async () => {
    const robots =
        (await emulator.api('/wxworkapi/robot/list', {}, {token: await emulator.token()})).body;
    assert.deepEqual(
        robots.data.map(r => r.robotKey),
        [kRobotKey],
    );
    const other = await emulator.token('user2', 'other-secret');
    const denied =
        await emulator.api('/wxworkapi/external/user/list', {robotKey: kRobotKey}, {token: other});
    assert.equal(denied.body.code, '1');
    assert.match(denied.body.msg, /robotKey/);
  });

  await t.test('expired tokens answer 1000 on HTTP, bridge and socket until re-auth', async () => {
    const token = await emulator.token();
    const socket = await emulator.connect(token);
    const before = await socket.act(
        {type: 'robot.tags.sync', robotKey: kRobotKey, messageId: emulator.messageId()});
    assert.equal(before.code, '0');

    await emulator.control('tokens/expire');

    const http = await emulator.api('/wxworkapi/robot/list', {}, {token});
    assert.equal(http.body.code, '1000');
    assert.match(http.body.msg, /过期/);
    const bridge = await emulator.api(
        '/wxworkapi/bridge',
        {type: 'robot.tags.sync', robotKey: kRobotKey, messageId: emulator.messageId()},
        {token},
    );
    assert.equal(bridge.body.code, '1000');
    const overSocket = await socket.act(
        {type: 'robot.tags.sync', robotKey: kRobotKey, messageId: emulator.messageId()});
    assert.equal(overSocket.code, '1000');
    const sendId = emulator.messageId();
    socket.emit('message', {
      chatId: `S:1688853470427542_${kCustomer}`,
      messageId: sendId,
      message: {contentType: 1, content: 'after expiry'},
    });
    const refusedSend = await socket.next('message', m => m.messageId === sendId);
    assert.equal(refusedSend.code, '1000');

    // A fresh token works everywhere, including as a request's own token on
    // the socket opened with the expired one.
    const fresh = await emulator.token();
    assert.notEqual(fresh, token);
    assert.equal((await emulator.api('/wxworkapi/robot/list', {}, {token: fresh})).body.code, '0');
    const withOwnToken = await socket.act({
      type: 'robot.tags.sync',
      robotKey: kRobotKey,
      messageId: emulator.messageId(),
      token: fresh,
    });
    assert.equal(withOwnToken.code, '0');
    assert.equal(withOwnToken.token, undefined, 'answers never echo the token');
    socket.close();

    // A new connection with the expired token is refused with code 1000.
    const late = emulator.openSocket(token);
    const refusal = await late.next('connect_error');
    assert.equal(refusal.data.code, '1000');
    late.close();
  });

  await t.test('expiry with disconnect drops the sockets', async () => {
    const socket = await emulator.connect(await emulator.token());
    const {dropped} = await emulator.control('tokens/expire', {disconnect: true});
    assert.equal(dropped, 1);
    assert.equal(await socket.next('disconnect'), 'transport close');
    socket.close();
  });

  await t.test('injected busy answers: the next calls get 5000, then normal', async () => {
    const token = await emulator.token();
    await emulator.control('busy', {count: 2});
    const first = await emulator.api('/wxworkapi/robot/list', {}, {token});
    const second =
        await emulator.api('/robotapi/client/auth', {accessKey: 'user1', accessSecret: 'Q3KR21ME'});
    const third = await emulator.api('/wxworkapi/robot/list', {}, {token});
    assert.deepEqual([first.body.code, second.body.code, third.body.code], ['5000', '5000', '0']);
    assert.equal(first.body.msg, '服务器繁忙');
  });
});

test('config errors name the key and the binary exits 2', async () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'yjiyun-config-'));
  try {
    const config = baseConfig();
    config.robots[0].typo = 1;
    const file = path.join(directory, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const {code, output} = await runEmulatorToExit(['--config', file]);
    assert.equal(code, 2);
    assert.match(output, /config\.robots\[0\]\.typo: unknown key/);

    const badEngine = {...baseConfig(), engineIo: '5'};
    fs.writeFileSync(file, JSON.stringify(badEngine));
    assert.match(
        (await runEmulatorToExit(['--config', file])).output,
        /config\.engineIo: must be one of 3, 4, both/);

    const noSecret = baseConfig();
    delete noSecret.users[0].accessSecret;
    fs.writeFileSync(file, JSON.stringify(noSecret));
    const secretless = await runEmulatorToExit(['--config', file]);
    assert.match(secretless.output, /config\.users\[0\]\.accessSecret: is required/);

    const example =
        path.join(__dirname, '..', '..', '..', 'emulators', 'yjiyun', 'example-config.json');
    const usage = await runEmulatorToExit(['--config', example, '--listen', 'nowhere']);
    assert.equal(usage.code, 2);
    assert.match(usage.output, /--listen must be HOST:PORT/);
  } finally {
    fs.rmSync(directory, {recursive: true, force: true});
  }
});

test('the README example config starts', async () => {
  const fs = require('node:fs');
  const example =
      path.join(__dirname, '..', '..', '..', 'emulators', 'yjiyun', 'example-config.json');
  const emulator = await startEmulator(JSON.parse(fs.readFileSync(example, 'utf8')));
  try {
    const list = await emulator.api('/wxworkapi/external/user/list', {robotKey: kRobotKey}, {
      token: await emulator.token(),
    });
    assert.equal(list.body.total, 52, 'two configured and fifty generated customers');
  } finally {
    await emulator.stop();
  }
});
