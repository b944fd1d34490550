#!/usr/bin/env node
// The yjiyun (有机云) emulator: the vendor's HTTP API, its socket.io channel
// (/imchat) and the /emulator/ control API, all on one port (README.md).
//
// Usage: node server.js --config FILE [--listen HOST:PORT] [--engine-io 3|4|both]
// Prints "yjiyun-emulator listening on HOST:PORT" once it accepts connections.
'use strict';

const fs = require('fs');
const http = require('http');
const {parseConfig} = require('./config');
const {World} = require('./world');
const {Actions} = require('./actions');
const {Realtime} = require('./realtime');
const {answerApi, isApiPath} = require('./http_api');
const {answerControl} = require('./control');
const {RequestError, parseBody} = require('./params');

const kMaxBodyBytes = 16 * 1024 * 1024;
const kUsage = 'usage: server.js --config FILE [--listen HOST:PORT] [--engine-io 3|4|both]';

function parseArgs(argv) {
  const args = {listen: '127.0.0.1:0'};
  const names = {'--config': 'config', '--listen': 'listen', '--engine-io': 'engineIo'};
  for (let i = 0; i < argv.length; i += 2) {
    const name = names[argv[i]];
    if (!name || i + 1 >= argv.length) throw new Error(`unexpected argument ${argv[i]}\n${kUsage}`);
    args[name] = argv[i + 1];
  }
  if (!args.config) throw new Error(kUsage);
  const match = /^(.+):(\d+)$/.exec(args.listen);
  if (!match) throw new Error(`--listen must be HOST:PORT, not ${args.listen}`);
  args.host = match[1];
  args.port = Number(match[2]);
  if (args.engineIo !== undefined && !['3', '4', 'both'].includes(args.engineIo)) {
    throw new Error(`--engine-io must be 3, 4 or both, not ${args.engineIo}`);
  }
  return args;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', chunk => {
      size += chunk.length;
      if (size > kMaxBodyBytes) {
        reject(new RequestError('请求体过大'));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res, status, body, contentType = 'application/json;charset=UTF-8') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text)});
  res.end(text);
}

function createServer(config) {
  const world = new World(config);
  const actions = new Actions(world);
  const tcpConnections = new Set();
  const server = http.createServer();
  server.on('connection', socket => {
    tcpConnections.add(socket);
    socket.on('close', () => tcpConnections.delete(socket));
  });

  // Request fields: the query string, overridden by the body's.
  async function fieldsOf(req, url) {
    const fields = Object.fromEntries(url.searchParams);
    try {
      return {fields: {...fields, ...parseBody(req.headers['content-type'], await readBody(req))}};
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      return {fields, parseError: error};
    }
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://emulator');
    const path = url.pathname;
    if (path.startsWith('/emulator/')) {
      const {fields, parseError} = await fieldsOf(req, url);
      if (parseError) return reply(res, 400, {code: parseError.code, msg: parseError.message});
      const resetConnections = () => {
        for (const socket of tcpConnections) {
          if (socket !== req.socket) socket.destroy();
        }
      };
      const answer = answerControl(world, actions, realtime, {
        method: req.method,
        path,
        fields,
        resetConnections,
      });
      return reply(res, answer.status, answer.body, answer.contentType);
    }
    if (!isApiPath(path)) return reply(res, 404, {code: '404', msg: `no such endpoint: ${path}`});
    if (req.method !== 'POST') return reply(res, 405, {code: '405', msg: `${path} takes POST`});
    const {fields, parseError} = await fieldsOf(req, url);
    const body = await answerApi(world, actions, {
      path,
      headers: req.headers,
      fields,
      parseError,
      baseUrl: `http://${req.headers.host}`,
    });
    return reply(res, 200, body);
  }

  // Attached before socket.io, which then wraps it so that only requests
  // outside /socket.io/ reach it.
  server.on('request', (req, res) => {
    handle(req, res).catch(error => {
      process.stderr.write(
          `yjiyun-emulator: ${req.method} ${req.url.split('?')[0]}: ${error.stack}\n`);
      if (!res.headersSent) reply(res, 500, {code: '500', msg: String(error.message)});
    });
  });
  const realtime = new Realtime(server, world, actions);
  return server;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const config = parseConfig(fs.readFileSync(args.config, 'utf8'));
  if (args.engineIo !== undefined) config.engineIo = args.engineIo;
  const server = createServer(config);
  server.on('error', error => {
    process.stderr.write(`yjiyun-emulator: ${error.message}\n`);
    process.exit(2);
  });
  server.listen(args.port, args.host, () => {
    const {address, port} = server.address();
    process.stdout.write(`yjiyun-emulator listening on ${address}:${port}\n`);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
}

try {
  main();
} catch (error) {
  process.stderr.write(`yjiyun-emulator: ${error.message}\n`);
  process.exit(2);
}
