// The emulator-only control API under /emulator/ (no token): what WeCom users
// and the vendor's servers do (incoming messages, friend requests, member
// changes, dropped connections, expired tokens, busy answers), switches for
// tagging, and the state tests inspect.
'use strict';

const {RequestError, readString, readInt, readUserId, readArray} = require('./params');
const {isWeChatUser} = require('./world');

const kIncomingTypes = [1, 2, 5, 7, 8, 9, 13, 29, 78];

// The content fields of each received contentType (3.2) before the request's
// own `content` overrides them; "{i}" becomes the message's 1-based index.
const kIncomingDefaults = {
  1: {content: '消息{i}'},
  2: {content: '手机端发出的消息{i}'},
  5: {fileName: 'http://media.yjiyun.com/video{i}.mp4'},
  7: {pic: 'http://media.yjiyun.com/image{i}.png'},
  8: {fileName: 'http://media.yjiyun.com/file{i}.xls'},
  9: {content: 'http://media.yjiyun.com/voice{i}.amr'},
  13: {
    title: '链接标题{i}',
    link: 'https://www.yjiyun.com/community/group.html',
    description: '链接描述内容',
    coverImgFile: 'https://media.yjiyun.com/cover.png',
  },
  29: {pic: 'http://media.yjiyun.com/emoji{i}.gif'},
  78: {
    title: '微信读书',
    content: '向上生长{i}',
    senderName: '凯撒',
    senderHeadImg: 'https://wework.qpic.cn/wwhead/sender/0',
    logo: 'http://wx.qlogo.cn/mmhead/logo/96',
  },
};

function fill(template, index) {
  const filled = {};
  for (const [key, value] of Object.entries(template)) {
    filled[key] = typeof value === 'string' ? value.replaceAll('{i}', String(index)) : value;
  }
  return filled;
}

function ok(data) {
  return {status: 200, body: {code: '0', msg: 'OK', data}};
}

function robotOf(world, fields) {
  const robotKey = readString(fields, 'robotKey', {required: true});
  const robot = world.robots.get(robotKey);
  if (!robot) throw new RequestError(`robotKey无效: ${robotKey}`);
  return robot;
}

function readBoolean(fields, name) {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new RequestError(`${name}必须是true或false`);
  return value;
}

// POST /emulator/messages: `count` messages received by the robot in
// `chatUser` from `from`, stored for chat/message and pushed to connected
// owners (nobody connected: stored only).
function injectMessages(world, fields) {
  const robot = robotOf(world, fields);
  const chatUser = readString(fields, 'chatUser', {required: true});
  const contentType = readInt(fields, 'contentType', {allowed: kIncomingTypes}) ?? 1;
  const count = readInt(fields, 'count', {min: 1, max: 100000}) ?? 1;
  const isGroup = chatUser.startsWith('R:');
  if (isGroup) {
    const group = world.groupFor(robot, chatUser, 'chatUser');
    if (!world.robotInGroup(robot, group)) throw new RequestError(`机器人不在群内: ${chatUser}`);
  } else if (!world.isFriend(robot, chatUser)) {
    throw new RequestError(`不是机器人的好友: ${chatUser}`);
  }
  const from = contentType === 2 ? robot.wxid :
                                   (readUserId(fields, 'from') ?? (isGroup ? undefined : chatUser));
  if (from === undefined) throw new RequestError('from不能为空(群消息的发送者)');
  if (isGroup && robot.groups.get(chatUser).members.get(from)?.status !== 1) {
    throw new RequestError(`from不在群内: ${from}`);
  }
  const override = fields.content;
  if (override !== undefined && typeof override !== 'string' &&
      (typeof override !== 'object' || override === null)) {
    throw new RequestError('content必须是字符串或对象');
  }
  const template = {
    ...kIncomingDefaults[contentType],
    ...(typeof override === 'string' ? {content: override} : override),
  };
  const mentions = readString(fields, 'atUserList')?.split(',') ?? [];
  if (readBoolean(fields, 'atRobot')) mentions.push(robot.wxid);
  if (mentions.length > 0) {
    if (!isGroup || contentType !== 1)
      throw new RequestError('atUserList/atRobot只能用于群文本消息');
    template.atUserList = mentions.join(',');
  }
  const messages = [];
  let delivered = 0;
  for (let index = 1; index <= count; ++index) {
    const result = world.recordMessage(robot, chatUser, {
      from: world.sender(robot, chatUser, from),
      content: {contentType, ...fill(template, index)},
      incoming: contentType !== 2,
    });
    const {messageId, msgSvrID, timestamp} = result.message;
    messages.push({messageId, msgSvrID, timestamp});
    if (result.delivered) delivered += 1;
  }
  return ok({messages, delivered});
}

// POST /emulator/chats: sets a chat's lastMsgActive and/or unreadCount, e.g.
// to give chats one time (yjiyun's times are often whole seconds, the
// emulator's strictly increasing milliseconds).
function changeChat(world, fields) {
  const robot = robotOf(world, fields);
  const chatUser = readString(fields, 'chatUser', {required: true});
  const chat = robot.chats.get(chatUser);
  if (!chat) throw new RequestError(`没有该会话: ${chatUser}`);
  const lastMsgActive = readInt(fields, 'lastMsgActive', {min: 1});
  const unreadCount = readInt(fields, 'unreadCount', {min: 0});
  if (lastMsgActive !== undefined) chat.lastMsgActive = lastMsgActive;
  if (unreadCount !== undefined) chat.unreadCount = unreadCount;
  return ok({chat});
}

function memberEntries(fields, name) {
  return (readArray(fields, name) ?? []).map(entry => {
    const value = typeof entry === 'object' && entry !== null ? entry : {userId: entry};
    const userId = readUserId(value, 'userId', {required: true});
    return {
      userId,
      name: readString(value, 'name') ?? readString(value, 'nickName'),
      avatorUrl: readString(value, 'avatorUrl') ?? readString(value, 'headImg'),
      gender: readInt(value, 'gender', {allowed: [0, 1, 2]}),
    };
  });
}

// POST /emulator/events: robot.on.new.friend.request (3.8) and
// robot.group.members.changed (3.22).
function injectEvent(world, actions, fields) {
  const robot = robotOf(world, fields);
  const type = readString(fields, 'type', {required: true});
  if (type === 'robot.on.new.friend.request') {
    const userId = readUserId(fields, 'userId', {required: true});
    const request = {
      userId,
      name: readString(fields, 'name') ?? '',
      reason: readString(fields, 'reason') ?? '',
      wechatImgUrl: readString(fields, 'wechatImgUrl') ?? '',
      gender: readInt(fields, 'gender', {allowed: [0, 1, 2]}) ?? 0,
      remarks: readString(fields, 'remarks') ?? '',
      isOuterUser:
          readInt(fields, 'isOuterUser', {allowed: [0, 1]}) ?? (isWeChatUser(userId) ? 1 : 0),
    };
    robot.friendRequests.set(request.userId, request);
    const event = {
      messageId: world.newMessageId(world.nowMs()),
      type,
      robotKey: robot.robotKey,
      code: '0',
      reason: request.reason,
      wechatImgUrl: request.wechatImgUrl,
      name: request.name,
      userId: Number(request.userId),
      gender: request.gender,
      remarks: request.remarks,
      isOuterUser: request.isOuterUser,
    };
    return ok({event, delivered: world.pushAction(robot, event)});
  }
  if (type === 'robot.group.members.changed') {
    const group = world.groupFor(robot, readString(fields, 'conversationId', {required: true}));
    const added = memberEntries(fields, 'newMembers');
    const removed = memberEntries(fields, 'delMembers').map(entry => entry.userId);
    for (const userId of removed) {
      if (group.members.get(userId)?.status !== 1) throw new RequestError(`不在群内: ${userId}`);
    }
    if (added.length === 0 && removed.length === 0)
      throw new RequestError('newMembers和delMembers不能都为空');
    return ok({delivered: actions.changeMembers(robot, group, added, removed)});
  }
  throw new RequestError(`不支持的事件type: ${type}`);
}

function describeCustomer({userId, name, realRemarks, remarks, status, tags}) {
  return {userId, name, realRemarks, remarks, status, tags};
}

function describeGroup({conversationId, name, notice, creatorId, admins, members}) {
  const memberList =
      [...members.values()].map(({userId, name, status}) => ({userId, name, status}));
  return {conversationId, name, notice, creatorId, admins, members: memberList};
}

function describeRobot(robot) {
  return {
    robotKey: robot.robotKey,
    wxid: robot.wxid,
    nickName: robot.nickName,
    robotStatus: robot.robotStatus,
    alias: robot.alias,
    gender: robot.gender,
    phone: robot.phone,
    mobile: robot.mobile,
    position: robot.position,
    customers: [...robot.customers.values()].map(describeCustomer),
    groups: [...robot.groups.values()].map(describeGroup),
    chats: [...robot.chats.values()],
    friendRequests: [...robot.friendRequests.values()],
    messageCount: robot.messages.length,
  };
}

function state(world, realtime) {
  const now = Date.now();
  const tokens = [...world.tokens.values()];
  return {
    sockets: realtime.describe(),
    refusingSockets: now < world.refuseSocketsUntil,
    busyRemaining: world.busyRemaining,
    tokens: {issued: tokens.length, valid: tokens.filter(t => t.expiresAt > now).length},
    tagging: {
      failConcurrent: world.failConcurrentTagging,
      processingMs: world.tagProcessingMs,
      conflicts: world.log.tagConflicts,
    },
    sent: world.log.sent,
    actions: world.log.actions,
    tasks: world.log.tasks,
    groupSettings: world.log.groupSettings,
    contactSyncs: world.log.contactSyncs,
    unreadCleans: world.log.unreadCleans,
    robots: [...world.robots.values()].map(describeRobot),
  };
}

// Answers one control call: {status, body} (body a string for downloads).
// `resetConnections` destroys every TCP connection but the caller's.
function answerControl(world, actions, realtime, {method, path, fields, resetConnections}) {
  try {
    if (method === 'GET' && path === '/emulator/state') return ok(state(world, realtime));
    if (method === 'GET' && path.startsWith('/emulator/downloads/')) {
      const file =
          world.downloads.get(decodeURIComponent(path.slice('/emulator/downloads/'.length)));
      if (file === undefined) return {status: 404, body: {code: '404', msg: 'no such download'}};
      return {status: 200, body: file, contentType: 'text/csv; charset=utf-8'};
    }
    if (method !== 'POST') return {status: 405, body: {code: '405', msg: `${method} not allowed`}};
    switch (path) {
      case '/emulator/messages':
        return injectMessages(world, fields);
      case '/emulator/events':
        return injectEvent(world, actions, fields);
      case '/emulator/chats':
        return changeChat(world, fields);
      case '/emulator/drop': {
        const mode = readString(fields, 'mode') ?? 'transport';
        if (!['transport', 'server', 'reset'].includes(mode)) {
          throw new RequestError(`mode必须是transport/server/reset之一: ${mode}`);
        }
        const refuseMs = readInt(fields, 'refuseMs', {min: 0}) ?? 0;
        if (refuseMs > 0) world.refuseSocketsUntil = Date.now() + refuseMs;
        const accessKey = readString(fields, 'accessKey');
        if (mode === 'reset' && accessKey !== undefined)
          throw new RequestError('mode reset drops everyone');
        const dropped =
            mode === 'reset' ? realtime.connections.size : realtime.drop(mode, accessKey);
        if (mode === 'reset') resetConnections();
        return ok({dropped});
      }
      case '/emulator/refuse': {
        const refuse = readBoolean(fields, 'refuse');
        if (refuse === undefined) throw new RequestError('refuse不能为空');
        const ms = readInt(fields, 'ms', {min: 1});
        world.refuseSocketsUntil = !refuse ? 0 : ms === undefined ? Infinity : Date.now() + ms;
        return ok({refusing: refuse});
      }
      case '/emulator/tokens/expire': {
        world.expireAllTokens();
        const dropped = readBoolean(fields, 'disconnect') ? realtime.drop('transport') : 0;
        return ok({dropped});
      }
      case '/emulator/busy': {
        world.busyRemaining = readInt(fields, 'count', {min: 0}) ?? 1;
        world.busyCode = readString(fields, 'code') ?? '5000';
        return ok({busyRemaining: world.busyRemaining});
      }
      case '/emulator/tagging': {
        const failConcurrent = readBoolean(fields, 'failConcurrent');
        const processingMs = readInt(fields, 'processingMs', {min: 0, max: 60000});
        if (failConcurrent !== undefined) world.failConcurrentTagging = failConcurrent;
        if (processingMs !== undefined) world.tagProcessingMs = processingMs;
        return ok(
            {failConcurrent: world.failConcurrentTagging, processingMs: world.tagProcessingMs});
      }
      case '/emulator/robots': {
        const robot = robotOf(world, fields);
        robot.robotStatus = readInt(fields, 'robotStatus', {required: true, min: 0, max: 4});
        return ok({robotKey: robot.robotKey, robotStatus: robot.robotStatus});
      }
      default:
        return {status: 404, body: {code: '404', msg: `no such control endpoint: ${path}`}};
    }
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    return {status: 400, body: {code: error.code, msg: error.message}};
  }
}

module.exports = {answerControl};
