// The socket.io side (section 3): namespace /imchat on the HTTP server's port,
// `?token=` checked on connect, `&msgFilter=1` honoured, "message" / "action"
// (and "chat" heartbeats) from clients handled by Actions, and the world's
// events pushed to the sockets of the robot's owners.
//
// engineIo "4" is the npm socket.io 4 server (engine.io v4 only), "3" the
// socket.io 2 server (engine.io v3 only, package alias socket.io-v2), "both"
// socket.io 4 with allowEIO3.
'use strict';

const {RequestError} = require('./params');

const kEngineIoV3Forbidden = 4;  // engine.io 3's Server.errors.FORBIDDEN

function createIo(httpServer, config, refusing) {
  const common = {
    serveClient: false,
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
  };
  if (config.engineIo === '3') {
    const createServer = require('socket.io-v2');
    return createServer(httpServer, {
      ...common,
      allowRequest: (req, callback) =>
          callback(refusing() ? kEngineIoV3Forbidden : null, !refusing()),
    });
  }
  const {Server} = require('socket.io');
  return new Server(httpServer, {
    ...common,
    allowEIO3: config.engineIo === 'both',
    allowRequest: (req, callback) =>
        refusing() ? callback('connections refused (emulator)', false) : callback(null, true),
  });
}

// Clients may emit a JSON text instead of an object.
function payloadOf(raw) {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

// msgFilter=1 (3.1): "message" only for one-to-one text and group text that
// @s the robot; "chat" not at all; "action" unfiltered.
function passesFilter(robot, event, payload) {
  if (event === 'chat') return false;
  if (event !== 'message') return true;
  if (payload.content?.contentType !== 1) return false;
  if (payload.isGroupChat !== 1) return true;
  return String(payload.content.atUserList ?? '').split(',').some(id => id.trim() === robot.wxid);
}

class Realtime {
  constructor(httpServer, world, actions) {
    this.world = world;
    this.actions = actions;
    this.connections = new Set();  // {socket, user, token, msgFilter}
    this.io = createIo(httpServer, world.config, () => Date.now() < world.refuseSocketsUntil);
    const namespace = this.io.of('/imchat');
    namespace.use((socket, next) => {
      const token = socket.handshake.query.token ?? socket.handshake.auth?.token;
      try {
        socket.yjiyunUser = world.userForToken(token);
        socket.yjiyunToken = token;
        next();
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        const refusal = new Error(error.message);
        refusal.data = {code: error.code, msg: error.message};
        next(refusal);
      }
    });
    namespace.on('connection', socket => this.accept(socket));
    world.setPusher({deliver: (robot, event, payload) => this.deliver(robot, event, payload)});
  }

  accept(socket) {
    const connection = {
      socket,
      user: socket.yjiyunUser,
      token: socket.yjiyunToken,
      msgFilter: String(socket.handshake.query.msgFilter) === '1',
    };
    this.connections.add(connection);
    socket.on('disconnect', () => this.connections.delete(connection));
    // A request's own `token` (the document lists it among the common
    // fields) wins over the one the connection was opened with; either must
    // still be valid when the request arrives.
    const authorize = request => this.world.userForToken(request?.token ?? connection.token);
    socket.on('message', raw => {
      const request = payloadOf(raw);
      const {failure} = this.actions.handleSend(() => authorize(request), request, 'socket');
      if (failure) socket.emit('message', failure);
    });
    const act = async raw => {
      const request = payloadOf(raw);
      socket.emit(
          'action', await this.actions.handleAction(() => authorize(request), request, 'socket'));
    };
    socket.on('action', act);
    socket.on('chat', act);
  }

  // Emits to every socket of the robot's owners that its filter lets through;
  // returns how many sockets got it.
  deliver(robot, event, payload) {
    const owners = this.world.owners(robot);
    let receivers = 0;
    for (const connection of this.connections) {
      if (!owners.includes(connection.user)) continue;
      if (connection.msgFilter && !passesFilter(robot, event, payload)) continue;
      connection.socket.emit(event, payload);
      receivers += 1;
    }
    return receivers;
  }

  // Drops socket connections: "transport" closes the engine.io connection
  // (clients see "transport close" and reconnect), "server" sends the
  // socket.io disconnect (clients see "io server disconnect" and do not
  // reconnect by themselves).
  drop(mode, accessKey) {
    let dropped = 0;
    for (const connection of [...this.connections]) {
      if (accessKey !== undefined && connection.user.accessKey !== accessKey) continue;
      if (mode === 'server')
        connection.socket.disconnect(true);
      else
        connection.socket.conn.close();
      dropped += 1;
    }
    return dropped;
  }

  describe() {
    const view = ({socket, user, msgFilter}) => ({
      id: socket.id,
      accessKey: user.accessKey,
      engineIo: socket.conn.protocol ?? 3,
      transport: socket.conn.transport.name,
      msgFilter,
    });
    return [...this.connections].map(view);
  }
}

module.exports = {Realtime};
