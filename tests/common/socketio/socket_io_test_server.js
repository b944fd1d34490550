#!/usr/bin/env node
// A socket.io 4 server (allowEIO3) for what SocketIoClient's tests need and
// the yjiyun emulator does not do:
//   --refuse-eio4        refuse engine.io v4 handshakes (HTTP 400), as
//                        servers that speak only engine.io v3 do;
//   --echo-token-refusal refuse namespace /imchat with a message that quotes
//                        the `token` query parameter.
// Prints "listening on HOST:PORT" once it accepts connections.
'use strict';

const http = require('http');
const {Server} = require('socket.io');

const refuseEio4 = process.argv.includes('--refuse-eio4');
const echoTokenRefusal = process.argv.includes('--echo-token-refusal');

const server = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
const io = new Server(server, {
  serveClient: false,
  allowEIO3: true,
  allowRequest: (req, callback) => {
    const eio4 = new URL(req.url, 'http://server').searchParams.get('EIO') === '4';
    if (refuseEio4 && eio4) return callback('engine.io v4 refused', false);
    callback(null, true);
  },
});
io.of('/imchat').use((socket, next) => {
  if (!echoTokenRefusal) return next();
  const token = socket.handshake.query.token;
  const refusal = new Error(`token ${token} is not valid`);
  refusal.data = {code: '1000', msg: `用户认证失败: ${token}`};
  next(refusal);
});
io.of('/imchat').on('connection', socket => {
  socket.on('echo', payload => socket.emit('echo', payload));
});

server.listen(0, '127.0.0.1', () => {
  const {address, port} = server.address();
  process.stdout.write(`listening on ${address}:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
