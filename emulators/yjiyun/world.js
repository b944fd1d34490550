// The emulator's world: accounts and their tokens, robots with customers,
// colleagues, groups, conversations (chats) and the stored messages, plus the
// logs tests read through GET /emulator/state. Delivery to socket.io clients
// goes through a pusher the realtime front installs (setPusher).
'use strict';

const crypto = require('crypto');
const {RequestError} = require('./params');

const kTokenInvalid = '1000';
const kChinaOffsetMs = 8 * 3600 * 1000;

// "2020-03-06 17:31:24": the vendor's times, in China time.
function formatTime(ms) {
  return new Date(ms + kChinaOffsetMs).toISOString().slice(0, 19).replace('T', ' ');
}

function isWeChatUser(userId) {
  return userId.startsWith('788');
}

// A robot's one-to-one chatId puts the smaller id first ("S:1688…_7881…", as
// WeCom does); a group chatId is "S:<robot wxid>_R:…".
function chatIdOf(robot, chatUser) {
  if (chatUser.startsWith('R:')) return `S:${robot.wxid}_${chatUser}`;
  const [a, b] = [robot.wxid, chatUser].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
  return `S:${a}_${b}`;
}

const kPushSummaries = {
  5: '[视频]',
  7: '[图片]',
  8: '[文件]',
  9: '[语音]',
  13: '[链接]',
  29: '[表情]',
  78: '[小程序]',
};

function summary(content) {
  if (content.contentType === 1 || content.contentType === 2) return String(content.content ?? '');
  return kPushSummaries[content.contentType] ?? '[消息]';
}

class World {
  constructor(config) {
    this.config = config;
    this.users = config.users.map(u => ({...u}));
    this.tokens = new Map();  // token → {user, createTime, expiresAt}
    this.strangers = config.strangers;
    this.corps = new Map(config.corps.map(c => [c.corpid, c]));
    this.robots = new Map();
    for (const robotConfig of config.robots)
      this.robots.set(robotConfig.robotKey, this.buildRobot(robotConfig));
    this.lastTimestamp = 0;
    this.messageSequence = 0;
    this.nextMsgSvrId = 1000000;
    this.nextTaskId = 1;
    this.pusher = {deliver: () => 0};
    // Switches the control API sets.
    this.busyRemaining = 0;
    this.busyCode = '5000';
    this.failConcurrentTagging = config.failConcurrentTagging;
    this.tagProcessingMs = config.tagProcessingMs;
    this.refuseSocketsUntil = 0;
    // What tests inspect.
    this.log = {
      sent: [],
      actions: [],
      tasks: [],
      groupSettings: [],
      contactSyncs: [],
      unreadCleans: [],
      tagConflicts: 0,
    };
    this.downloads = new Map();
  }

  buildRobot(config) {
    const robot = {
      ...config,
      customers: new Map(config.customers.map(c => [c.userId, {...c, tags: [...c.tags]}])),
      colleagues: new Map(config.colleagues.map(c => [c.userId, {...c}])),
      groups: new Map(),
      chats: new Map(),
      messages: [],
      friendRequests: new Map(),
      alias: config.aliasName ?? '',
      gender: 0,
      phone: '',
      mobile: '',
      position: '',
      tagRequestsInProgress: 0,
      tagQueue: Promise.resolve(),
    };
    for (const g of config.groups) {
      const group = {...g, admins: [...g.admins], members: new Map()};
      for (const m of g.members) {
        group.members.set(m.userId, this.memberRecord(robot, m));
      }
      // status 0: the robot has left the group.
      if (g.status === 0) group.members.get(robot.wxid).status = 0;
      robot.groups.set(g.conversationId, group);
    }
    return robot;
  }

  // A group member as stored: its name and avatar from the entry, else from
  // the robot's customers or colleagues.
  memberRecord(robot, entry) {
    const known =
        (robot.wxid === entry.userId && {name: robot.nickName, avatorUrl: robot.headImg}) ||
        robot.customers.get(entry.userId) || robot.colleagues.get(entry.userId) || {};
    return {
      userId: entry.userId,
      name: entry.name ?? known.name ?? '',
      avatorUrl: entry.avatorUrl ?? known.avatorUrl ?? '',
      gender: entry.gender ?? known.gender ?? 0,
      status: 1,
      gmtCreate: formatTime(Date.now()),
    };
  }

  setPusher(pusher) {
    this.pusher = pusher;
  }

  // --- time and ids ---

  // Never behind a timestamp already given out, so a query "up to now" sees
  // every message, even a burst injected faster than 1 per ms.
  nowMs() {
    return Math.max(Date.now(), this.lastTimestamp);
  }

  // Strictly increasing: messages of one burst stay ordered by timestamp.
  issueTimestamp() {
    this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1);
    return this.lastTimestamp;
  }

  // The document's "时间戳+0001" form, at most 32 characters.
  newMessageId(timestamp) {
    this.messageSequence = (this.messageSequence + 1) % 1000000;
    const time = new Date(timestamp + kChinaOffsetMs).toISOString().replace(/\D/g, '').slice(0, 17);
    return `${time}${String(this.messageSequence).padStart(6, '0')}`;
  }

  newMsgSvrId() {
    return String(this.nextMsgSvrId++);
  }

  // --- accounts and tokens ---

  // A second call while the token is valid extends it (the document's 备注)
  // and returns the same token; after expiry a new token is issued.
  authenticate(accessKey, accessSecret) {
    const user = this.users.find(u => u.accessKey === accessKey);
    const secretMatches = user &&
        Buffer.byteLength(user.accessSecret) === Buffer.byteLength(accessSecret) &&
        crypto.timingSafeEqual(Buffer.from(user.accessSecret), Buffer.from(accessSecret));
    if (!secretMatches) throw new RequestError('用户认证失败', kTokenInvalid);
    const now = Date.now();
    const lifetimeMs = this.config.expireMinutes * 60 * 1000;
    for (const [token, entry] of this.tokens) {
      if (entry.user === user && entry.expiresAt > now) {
        entry.createTime = now;
        entry.expiresAt = now + lifetimeMs;
        return {token, entry};
      }
    }
    const token = crypto.randomBytes(16).toString('hex');
    const entry = {user, createTime: now, expiresAt: now + lifetimeMs};
    this.tokens.set(token, entry);
    return {token, entry};
  }

  // The user a token belongs to; code 1000 when it is missing, unknown or
  // expired.
  userForToken(token) {
    if (typeof token !== 'string' || token === '') {
      throw new RequestError('token不能为空', kTokenInvalid);
    }
    const entry = this.tokens.get(token);
    if (!entry) throw new RequestError('用户认证失败', kTokenInvalid);
    if (entry.expiresAt <= Date.now()) throw new RequestError('token已过期', kTokenInvalid);
    return entry.user;
  }

  expireAllTokens() {
    const now = Date.now();
    for (const entry of this.tokens.values()) entry.expiresAt = Math.min(entry.expiresAt, now);
  }

  // The next `count` API calls answer `code` (5000, 服务器繁忙).
  takeBusy() {
    if (this.busyRemaining <= 0) return null;
    this.busyRemaining -= 1;
    return this.busyCode;
  }

  // --- robots and their contacts ---

  ownsRobot(user, robot) {
    return robot.clientCode === user.username || robot.masterClientCode === user.username;
  }

  robotsOf(user) {
    return [...this.robots.values()].filter(robot => this.ownsRobot(user, robot));
  }

  owners(robot) {
    return this.users.filter(user => this.ownsRobot(user, robot));
  }

  robotFor(user, robotKey) {
    if (robotKey === undefined || robotKey === '') throw new RequestError('robotKey不能为空');
    const robot = this.robots.get(robotKey);
    if (!robot || !this.ownsRobot(user, robot)) throw new RequestError(`robotKey无效: ${robotKey}`);
    return robot;
  }

  requireOnline(robot) {
    if (robot.robotStatus !== 1) {
      throw new RequestError(`机器人不在线(robotStatus ${robot.robotStatus})`);
    }
  }

  groupFor(robot, conversationId, name = 'conversationId') {
    if (conversationId === undefined || conversationId === '') {
      throw new RequestError(`${name}不能为空`);
    }
    const group = robot.groups.get(conversationId);
    if (!group) throw new RequestError(`${name}无效: ${conversationId}`);
    return group;
  }

  robotInGroup(robot, group) {
    return group.members.get(robot.wxid)?.status === 1;
  }

  // Name, avatar and other fields of anyone the robot knows: itself, a
  // customer, a colleague or a member of one of its groups.
  person(robot, userId) {
    if (userId === robot.wxid) {
      return {userId, name: robot.nickName, avatorUrl: robot.headImg, gender: robot.gender};
    }
    const known = robot.customers.get(userId) ?? robot.colleagues.get(userId);
    if (known) return known;
    for (const group of robot.groups.values()) {
      const member = group.members.get(userId);
      if (member) return member;
    }
    return null;
  }

  // Whom the robot can message one-to-one: a customer not deleted, or a
  // colleague.
  isFriend(robot, userId) {
    return robot.customers.get(userId)?.status === 1 || robot.colleagues.has(userId);
  }

  isCorpMember(robot, userId) {
    return userId === robot.wxid || robot.colleagues.has(userId);
  }

  labelsOf(robot) {
    const corp = this.corps.get(robot.corpid);
    return corp ? corp.tagGroups : [];
  }

  findLabel(robot, labelId) {
    for (const tagGroup of this.labelsOf(robot)) {
      const found = tagGroup.labels.find(l => l.labelId === labelId);
      if (found) return found;
    }
    return null;
  }

  // --- conversations and messages ---

  // "S:<wxid>_<chatUser>" (either order) → the robot and the chat's other
  // side. `robotKey`, when given, must agree.
  resolveChatId(user, chatId, robotKey) {
    if (typeof chatId !== 'string' || chatId === '') throw new RequestError('chatId不能为空');
    const match = /^S:([^_]+)_(.+)$/.exec(chatId);
    if (!match) throw new RequestError(`chatId无效: ${chatId}`);
    const candidates = robotKey ? [this.robotFor(user, robotKey)] : this.robotsOf(user);
    for (const robot of candidates) {
      if (match[1] === robot.wxid) return {robot, chatUser: match[2]};
      if (match[2] === robot.wxid) return {robot, chatUser: match[1]};
    }
    throw new RequestError(`chatId不属于该账号的机器人: ${chatId}`);
  }

  chatName(robot, chatUser) {
    if (chatUser.startsWith('R:')) return robot.groups.get(chatUser)?.name ?? '';
    const person = this.person(robot, chatUser);
    return person ? person.realRemarks || person.name : '';
  }

  chatFor(robot, chatUser) {
    let chat = robot.chats.get(chatUser);
    if (!chat) {
      const isGroup = chatUser.startsWith('R:');
      chat = {
        chatId: chatIdOf(robot, chatUser),
        chatUser,
        chatName: this.chatName(robot, chatUser),
        chatHeadImg: isGroup ? '' : (this.person(robot, chatUser)?.avatorUrl ?? ''),
        isGroupChat: isGroup ? 1 : 0,
        lastMsgActive: 0,
        unreadCount: 0,
        pushContent: '',
        assignTo: robot.assignTo,
      };
      robot.chats.set(chatUser, chat);
    }
    return chat;
  }

  botInfo(robot) {
    return {
      robotKey: robot.robotKey,
      wxid: robot.wxid,
      nickName: robot.nickName,
      headImg: robot.headImg,
      robotStatus: robot.robotStatus,
    };
  }

  chatEvent(robot, chat) {
    return {...chat, botInfo: this.botInfo(robot)};
  }

  // Stores a message of a chat and pushes the document's pair of events
  // ("chat", then "message") to the robot's connected owners. Returns the
  // stored message and whether any socket received it.
  recordMessage(robot, chatUser, {from, content, messageId, sendStatus, incoming}) {
    const timestamp = this.issueTimestamp();
    const chat = this.chatFor(robot, chatUser);
    chat.chatName = this.chatName(robot, chatUser) || chat.chatName;
    chat.lastMsgActive = timestamp;
    const text = summary(content);
    chat.pushContent = chat.isGroupChat ? `${from.nickName}: ${text}` : text;
    if (incoming) chat.unreadCount += 1;
    const message = {
      messageId: messageId ?? this.newMessageId(timestamp),
      msgSvrID: this.newMsgSvrId(),
      timestamp,
      robotKey: robot.robotKey,
      chatId: chat.chatId,
      chatUser,
      chatName: chat.chatName,
      from,
      isGroupChat: chat.isGroupChat,
      content,
      assignTo: robot.assignTo,
    };
    if (sendStatus !== undefined) message.sendStatus = sendStatus;
    robot.messages.push(message);
    const receivers = this.pusher.deliver(robot, 'chat', this.chatEvent(robot, chat));
    const messageReceivers = this.pusher.deliver(robot, 'message', message);
    return {message, delivered: receivers + messageReceivers > 0};
  }

  // The `from` of a message sent by `userId` in the chat.
  sender(robot, chatUser, userId) {
    const isGroup = chatUser.startsWith('R:');
    const person = this.person(robot, userId) ?? {name: '', avatorUrl: ''};
    const from = {
      contactId: userId,
      nickName: person.realRemarks || person.name || '',
      headImg: person.avatorUrl || '',
      isGroupContact: isGroup ? 1 : 0,
    };
    if (userId === robot.wxid) from.isSelf = 1;
    return from;
  }

  findMessage(robot, msgSvrID) {
    return robot.messages.find(m => m.msgSvrID === msgSvrID) ?? null;
  }

  // Pushes an action event (results and notifications) to the robot's owners.
  pushAction(robot, payload) {
    return this.pusher.deliver(robot, 'action', payload) > 0;
  }
}

module.exports = {
  World,
  formatTime,
  isWeChatUser
};
