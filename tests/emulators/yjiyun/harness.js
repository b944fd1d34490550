// Test support for the yjiyun emulator: starts emulators/yjiyun/server.js in a
// child process on a kernel-picked port with a config the test gives, and
// offers HTTP helpers and socket.io clients (socket.io-client 4 for engine.io
// v4, socket.io-client 2 for v3) whose events are recorded so tests await
// them with deadlines instead of sleeping.
'use strict';

const {spawn} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function requireClient(name) {
  try {
    return require(name);
  } catch (error) {
    throw new Error(
        `${name} is not installed (scripts/install-deps.sh runs npm ci): ${error.message}`);
  }
}

const ioV4 = requireClient('socket.io-client').io;
const ioV2 = requireClient('socket.io-client-v2');

const kServer = path.join(__dirname, '..', '..', '..', 'emulators', 'yjiyun', 'server.js');
const kDefaultTimeoutMs = 5000;

const kRobotKey = 'f16096caffd246acb5bb69b657a0894e';
const kRobotWxid = '1688853470427542';
const kOtherRobotKey = '03f16c3b9b6a46108c38b9f2aa49b27b';
const kColleague = '1688853470829406';
const kColleague2 = '1688853470829407';
const kCustomer = '7881299459945762';
const kCustomer2 = '7881300384921455';
const kCustomer3 = '7881300922264508';
const kGroup = 'R:10696051755024720';
const kLabelConsumer = '14073752703607623';
const kLabelRetail = '14073752703607625';
const kLabelPersonal = '14073750575623185';

// A small world: one account with two robots, tags, customers, colleagues
// and one group the robot owns.
function baseConfig() {
  return {
    users: [
      {accessKey: 'user1', accessSecret: 'Q3KR21ME', username: 'jiangxiaohong'},
      {accessKey: 'user2', accessSecret: 'other-secret', username: 'other'},
    ],
    tagProcessingMs: 100,
    corps: [
      {
        corpid: 'ww5484f5410f7f5445',
        companyId: '1970325046037717',
        companyName: '广州有机云计算有限责任公司',
        tagGroups: [
          {
            labelId: '14073752703607621',
            name: '行业',
            labels: [
              {labelId: kLabelConsumer, name: '消费品'},
              {labelId: kLabelRetail, name: '连锁零售'},
            ],
          },
          {
            labelId: '14073748971559027',
            name: '个人标签',
            personal: true,
            labels: [{labelId: kLabelPersonal, name: '中间客户'}],
          },
        ],
      },
    ],
    robots: [
      {
        robotKey: kRobotKey,
        wxid: kRobotWxid,
        nickName: '甜甜甜',
        headImg: 'http://wework.qpic.cn/bizmail/robot/0',
        corpid: 'ww5484f5410f7f5445',
        assignTo: 'xiaohong',
        colleagues: [
          {userId: kColleague, name: 'Ze'},
          {userId: kColleague2, name: 'Pe'},
        ],
        customers: [
          {userId: kCustomer, name: '聚焦职教2', realRemarks: '职教', tags: [kLabelConsumer]},
          {userId: kCustomer2, name: 'disten', status: 1},
          {userId: kCustomer3, name: '甜甜甜99', status: 0},
        ],
        groups: [
          {
            conversationId: kGroup,
            name: '99998',
            members: [kCustomer, kCustomer2, kColleague],
          },
        ],
      },
      {robotKey: kOtherRobotKey, wxid: '1688850000000002', nickName: 'Ke', clientCode: 'other'},
    ],
    strangers:
        [{phone: '15620000229', userId: '16888555558708', name: '陈xx', gender: 1, isOuterUser: 0}],
  };
}

// Resolves once `check()` returns a truthy value; rejects at the deadline.
async function waitFor(check, what, timeoutMs = kDefaultTimeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

// Records every event a socket receives; `next` consumes them in order.
class RecordedSocket {
  constructor(socket, version) {
    this.socket = socket;
    this.version = version;
    this.events = [];
    this.waiters = [];
    const record = (name, payload) => {
      this.events.push({name, payload});
      this.wake();
    };
    for (const name
             of ['chat', 'message', 'action', 'connect', 'disconnect', 'connect_error', 'error']) {
      socket.on(name, payload => record(name, payload));
    }
  }

  wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  // The first not yet consumed `name` event matching `predicate`.
  next(name, predicate = () => true, timeoutMs = kDefaultTimeoutMs) {
    return new Promise((resolve, reject) => {
      const look = () => {
        const index =
            this.events.findIndex(e => !e.consumed && e.name === name && predicate(e.payload));
        if (index < 0) return false;
        this.events[index].consumed = true;
        finish();
        resolve(this.events[index].payload);
        return true;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for socket event "${name}"`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter(w => w !== look);
      };
      if (!look()) this.waiters.push(look);
    });
  }

  count(name, predicate = () => true) {
    return this.events.filter(e => e.name === name && predicate(e.payload)).length;
  }

  emit(name, payload) {
    this.socket.emit(name, payload);
  }

  // Emits an action and resolves with its answer (matched by messageId).
  async act(payload, timeoutMs) {
    this.socket.emit('action', payload);
    return this.next('action', reply => reply.messageId === payload.messageId, timeoutMs);
  }

  close() {
    this.socket.close();
  }
}

class Emulator {
  constructor(child, port, configPath) {
    this.child = child;
    this.port = port;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.configPath = configPath;
    this.messageSequence = 0;
  }

  // POSTs to an API path: JSON unless `form` is set; `token` as the header.
  async api(apiPath, fields = {}, {token, form = false} = {}) {
    const headers = {};
    if (token !== undefined) headers.token = token;
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(fields)) {
        for (const item of Array.isArray(value) ? value : [value])
          params.append(name, String(item));
      }
      body = params.toString();
    } else {
      headers['content-type'] = 'application/json; charset=UTF-8';
      body = JSON.stringify(fields);
    }
    const response = await fetch(`${this.baseUrl}${apiPath}`, {method: 'POST', headers, body});
    return {status: response.status, body: await response.json()};
  }

  async token(accessKey = 'user1', accessSecret = 'Q3KR21ME') {
    const {body} = await this.api('/robotapi/client/auth', {accessKey, accessSecret});
    if (body.code !== '0') throw new Error(`auth failed: ${JSON.stringify(body)}`);
    return body.data.accessToken;
  }

  async control(controlPath, fields = {}) {
    const response = await fetch(`${this.baseUrl}/emulator/${controlPath}`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify(fields),
    });
    const body = await response.json();
    if (response.status !== 200) throw new Error(`control ${controlPath}: ${JSON.stringify(body)}`);
    return body.data;
  }

  async state() {
    const response = await fetch(`${this.baseUrl}/emulator/state`);
    return (await response.json()).data;
  }

  messageId() {
    this.messageSequence += 1;
    return `20200302162850${String(this.messageSequence).padStart(8, '0')}`;
  }

  // A socket.io client of /imchat: version 4 (socket.io-client 4) or 3
  // (socket.io-client 2). Resolves once connected.
  async connect(token, {version = 4, msgFilter, reconnection = false, transports} = {}) {
    const socket = this.openSocket(token, {version, msgFilter, reconnection, transports});
    await socket.next('connect');
    return socket;
  }

  openSocket(token, {version = 4, msgFilter, reconnection = false, transports} = {}) {
    let url = `${this.baseUrl}/imchat?token=${encodeURIComponent(token)}`;
    if (msgFilter) url += '&msgFilter=1';
    const options =
        {forceNew: true, reconnection, reconnectionDelay: 50, reconnectionDelayMax: 100};
    if (transports) options.transports = transports;
    const socket = version === 3 ? ioV2(url, options) : ioV4(url, options);
    return new RecordedSocket(socket, version);
  }

  async stop() {
    if (this.child.exitCode === null) {
      const exited = new Promise(resolve => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(path.dirname(this.configPath), {recursive: true, force: true});
  }
}

// Starts an emulator with `config` (baseConfig() when absent) and extra
// command-line arguments.
async function startEmulator(config = baseConfig(), extraArgs = []) {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'yjiyun-emulator-'));
  const configPath = path.join(directory, 'config.json');
  fs.writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(
      process.execPath,
      [kServer, '--config', configPath, '--listen', '127.0.0.1:0', ...extraArgs],
      {stdio: ['ignore', 'pipe', 'pipe']},
  );
  let stderr = '';
  child.stderr.on('data', chunk => (stderr += chunk));
  const port = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${stderr}`)), 10000);
    child.stdout.on('data', chunk => {
      stdout += chunk;
      const match = /^yjiyun-emulator listening on 127\.0\.0\.1:(\d+)\n/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code}: ${stderr}`));
    });
  });
  return new Emulator(child, port, configPath);
}

// Runs the emulator's binary to completion (for config errors).
function runEmulatorToExit(args) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [kServer, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
    let output = '';
    child.stdout.on('data', chunk => (output += chunk));
    child.stderr.on('data', chunk => (output += chunk));
    child.once('exit', code => resolve({code, output}));
  });
}

module.exports = {
  baseConfig,
  startEmulator,
  runEmulatorToExit,
  waitFor,
  kRobotKey,
  kRobotWxid,
  kOtherRobotKey,
  kColleague,
  kColleague2,
  kCustomer,
  kCustomer2,
  kCustomer3,
  kGroup,
  kLabelConsumer,
  kLabelRetail,
  kLabelPersonal,
};
