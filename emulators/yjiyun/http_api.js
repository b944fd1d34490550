// The document's HTTP API (sections 2.1-2.13): POST /robotapi/client/auth and
// the /wxworkapi/... endpoints, token in the `token` header. Answers are HTTP
// 200 with {"code": "0", "msg", "data" | "chats" | "model" | "downloadUrl",
// "total"} as each section's example shows.
'use strict';

const {
  RequestError,
  readString,
  readInt,
  readUserId,
  readArray,
  readStringArray,
} = require('./params');
const {isWeChatUser} = require('./world');

function ok(fields) {
  return {code: '0', msg: 'OK', ...fields};
}

// pageNum/pageSize (defaults 1 and 20); pages larger than maxPageSize are
// served at maxPageSize, as servers commonly clamp.
function page(world, items, fields) {
  const pageNum = readInt(fields, 'pageNum', {min: 1}) ?? 1;
  const pageSize = Math.min(readInt(fields, 'pageSize', {min: 1}) ?? 20, world.config.maxPageSize);
  const start = (pageNum - 1) * pageSize;
  return ok({total: items.length, data: items.slice(start, start + pageSize)});
}

// Filters: an absent criterion matches everything.
function contains(text, part) {
  return part === undefined || String(text).includes(part);
}

function equals(value, wanted) {
  return wanted === undefined || String(value) === String(wanted);
}

function robotView(robot) {
  return {
    robotKey: robot.robotKey,
    lastLoginTime: robot.lastLoginTime,
    aliasName: robot.aliasName,
    headImg: robot.headImg,
    color: null,
    serviceCode: null,
    robotStatus: robot.robotStatus,
    nickName: robot.nickName,
    clientCode: robot.clientCode,
    wxid: robot.wxid,
    officialUserId: robot.officialUserId,
    corpid: robot.corpid,
    masterClientCode: robot.masterClientCode,
  };
}

function customerView(robot, customer) {
  const active = customer.status === 1;
  return {
    robotKey: robot.robotKey,
    userId: Number(customer.userId),
    name: customer.name,
    realRemarks: customer.realRemarks,
    avatorUrl: customer.avatorUrl,
    status: customer.status,
    isOuterUser: isWeChatUser(customer.userId) ? 1 : 0,
    isExternalUser: 1,
    isDelete: active ? 0 : 1,
    mobile: customer.mobile,
    gender: customer.gender,
    remarks: customer.remarks,
    gmtCreate: customer.gmtCreate,
    gmtModify: customer.gmtCreate,
    corpid: customer.corpid,
    corp_wxid: `wm${customer.userId}`,
    name_pinyin: '',
    account: '',
    position: '',
    remark_image_url: '',
    remark_corp_name: '',
    mark_as_customer_time: customer.gmtCreate,
    source_type: 0,
    flag: active ? 2057 : 2049,
    state: active ? 1 : 3,
  };
}

function activeMembers(group) {
  return [...group.members.values()].filter(m => m.status === 1);
}

function groupView(world, robot, group) {
  const active = activeMembers(group);
  const creator = group.members.get(group.creatorId) ?? world.person(robot, group.creatorId);
  return {
    robotKey: robot.robotKey,
    conversationId: group.conversationId,
    name: group.name,
    creatorId: Number(group.creatorId),
    creatorName: creator?.name ?? '',
    memberCount: active.length,
    outerUserCount: active.filter(m => isWeChatUser(m.userId)).length,
    status: world.robotInGroup(robot, group) ? 1 : 0,
    isOuterGroupConversation: active.some(m => !world.isCorpMember(robot, m.userId)) ? 1 : 0,
    createTime: group.createTime,
    gmtCreate: group.createTime,
    gmtModify: group.createTime,
  };
}

function memberView(world, robot, group, member) {
  return {
    robotKey: robot.robotKey,
    conversationId: group.conversationId,
    conversationName: group.name,
    userId: Number(member.userId),
    name: member.name,
    avatorUrl: member.avatorUrl,
    status: member.status,
    isCreator: member.userId === group.creatorId ? 1 : 0,
    isOuterUser: isWeChatUser(member.userId) ? 1 : 0,
    isExternalUser: world.isCorpMember(robot, member.userId) ? 0 : 1,
    gmtCreate: member.gmtCreate,
    gmtModify: member.gmtCreate,
  };
}

function listRobots(world, user) {
  const robots = world.robotsOf(user).map(robotView);
  return ok({total: robots.length, data: robots});
}

function listCustomers(world, user, fields) {
  const robot = world.robotFor(user, readString(fields, 'robotKey', {required: true}));
  const status = readInt(fields, 'status', {allowed: [0, 1]});
  const userId = readUserId(fields, 'userId');
  const name = readString(fields, 'name');
  const tagNames = readStringArray(fields, 'tagList');
  // tagList: customers carrying any of the named labels.
  const tagged = c =>
      !tagNames?.length || c.tags.some(id => tagNames.includes(world.findLabel(robot, id)?.name));
  const named = c => contains(c.name, name) || contains(c.realRemarks, name);
  const wanted = c => equals(c.status, status) && equals(c.userId, userId) && named(c) && tagged(c);
  const customers = [...robot.customers.values()].filter(wanted);
  return page(world, customers.map(c => customerView(robot, c)), fields);
}

function listGroups(world, user, fields) {
  const robot = world.robotFor(user, readString(fields, 'robotKey', {required: true}));
  const status = readInt(fields, 'status', {allowed: [0, 1]});
  const conversationId = readString(fields, 'conversationId');
  const creatorId = readUserId(fields, 'creatorId');
  const name = readString(fields, 'name');
  const wanted = g => equals(g.status, status) && equals(g.conversationId, conversationId) &&
      equals(g.creatorId, creatorId) && contains(g.name, name);
  const groups = [...robot.groups.values()].map(g => groupView(world, robot, g));
  return page(world, groups.filter(wanted), fields);
}

function listMembers(world, user, fields) {
  const robot = world.robotFor(user, readString(fields, 'robotKey', {required: true}));
  const group = world.groupFor(robot, readString(fields, 'conversationId', {required: true}));
  const status = readInt(fields, 'status', {allowed: [0, 1]});
  const memberUserId = readUserId(fields, 'memberUserId');
  const memberName = readString(fields, 'memberName');
  const wanted = m =>
      equals(m.status, status) && equals(m.userId, memberUserId) && contains(m.name, memberName);
  const members = [...group.members.values()].filter(wanted);
  return page(world, members.map(m => memberView(world, robot, group, m)), fields);
}

function csvCell(value) {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// 2.5, in either of its two request forms. The file is CSV with the excel
// example's columns (the real one is .xlsx), served under /emulator/downloads/.
function downloadGroups(world, user, fields, {baseUrl}) {
  let rows;
  if (fields.robotKeys !== undefined) {
    const robotKeys = readStringArray(fields, 'robotKeys', {nonEmpty: true});
    const robots = robotKeys.map(key => world.robotFor(user, key));
    const status = readInt(fields, 'status', {allowed: [0, 1]});
    const creatorName = readString(fields, 'creatorName');
    const creatorId = readUserId(fields, 'creatorId');
    const name = readString(fields, 'name');
    const atLeast = readInt(fields, 'memberCount', {min: 0});
    const atMost = readInt(fields, 'upmemberCount', {min: 0});
    const outer = readInt(fields, 'outerGroupChat', {allowed: [0, 1]});
    const orderBy = readInt(fields, 'orderBy', {allowed: [1, 2, 3, 4]}) ?? 4;
    const wanted = g => equals(g.status, status) && contains(g.creatorName, creatorName) &&
        equals(g.creatorId, creatorId) && contains(g.name, name) &&
        g.memberCount >= (atLeast ?? 0) && g.memberCount <= (atMost ?? Infinity) &&
        equals(g.isOuterGroupConversation, outer);
    const views = robot => [...robot.groups.values()].map(g => groupView(world, robot, g));
    rows = robots.flatMap(views).filter(wanted);
    const byName = (a, b) => a.name.localeCompare(b.name, 'zh');
    const byTime = (a, b) => a.createTime.localeCompare(b.createTime);
    const order = {1: byName, 2: (a, b) => byName(b, a), 3: byTime, 4: (a, b) => byTime(b, a)};
    rows.sort(order[orderBy]);
  } else {
    const robot = world.robotFor(user, readString(fields, 'robotKey', {required: true}));
    const ids = readStringArray(fields, 'conversationIds', {required: true, nonEmpty: true});
    rows = ids.map(id => groupView(world, robot, world.groupFor(robot, id, 'conversationIds')));
  }
  const lines = [['序号', '群名称', '群主', '状态', '群类型', '群人数', '创建时间', '更新时间']];
  rows.forEach(
      (g, index) => lines.push([
        index,
        g.name,
        g.creatorName,
        g.status === 1 ? '正常' : '解散',
        g.isOuterGroupConversation ? '外部群' : '内部群',
        g.memberCount,
        g.createTime,
        g.gmtModify,
      ]),
  );
  const fileName = `groups_${Date.now()}_${world.downloads.size + 1}.csv`;
  world.downloads.set(fileName, lines.map(line => line.map(csvCell).join(',')).join('\n') + '\n');
  return {code: '0', msg: 'OK', downloadUrl: `${baseUrl}/emulator/downloads/${fileName}`};
}

const kTaskMsgTypes = [1, 3, 16, 49, 78];
const kTaskContentFields = [
  'content',
  'appType',
  'link',
  'title',
  'description',
  'coverImgFile',
  'senderName',
  'senderHeadImg',
  'logo',
  'msgSvrID',
];
const kWeekdays =
    ['1', '2', '3', '4', '5', '6', '7', 'SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function taskContent(item, path) {
  if (item === null || typeof item !== 'object') throw new RequestError(`${path}必须是对象`);
  const msgType = readInt(item, 'msgType', {required: true, allowed: kTaskMsgTypes});
  const need = names => names.forEach(name => {
    if (readString(item, name) === undefined) throw new RequestError(`${path}.${name}不能为空`);
  });
  if (msgType === 16) {
    need(['link', 'title']);
    readInt(item, 'appType', {allowed: [1, 2]});
  } else if (msgType === 78) {
    need(['title', 'content', 'senderName']);
  } else if (item.msgSvrID === undefined) {
    need(['content']);
  }
  const content = {msgType};
  for (const field of kTaskContentFields) {
    if (item[field] !== undefined) content[field] = item[field];
  }
  return content;
}

// 2.7: validates a mass-send task and stores it (tasks are not executed).
// Takes the example's nested taskData as well as the table's flat fields.
function saveTask(world, user, fields) {
  const name = readString(fields, 'name', {required: true});
  const taskType = readInt(fields, 'taskType', {required: true, allowed: [1, 2]});
  const commandType = readString(fields, 'commandType', {required: true});
  if (commandType !== 'wxwork.robot.batch.send') {
    throw new RequestError(`commandType必须是wxwork.robot.batch.send: ${commandType}`);
  }
  const taskRule = readInt(fields, 'taskRule', {allowed: [1, 2]}) ?? 1;
  const suitCount = readInt(fields, 'suitCount', {required: true, min: 1});
  const perSuitSecond = readInt(fields, 'perSuitSecond', {required: taskRule === 2, min: 1});
  const perSuitSecondUpper =
      readInt(fields, 'perSuitSecondUpper', {required: taskRule === 2, min: 1});
  if (taskRule === 2 && perSuitSecondUpper < perSuitSecond) {
    throw new RequestError('perSuitSecondUpper不能小于perSuitSecond');
  }
  const startTime = readInt(fields, 'startTime', {min: 0});
  let execStartTime;
  let weekday;
  if (taskType === 2) {
    execStartTime = readString(fields, 'execStartTime', {required: true});
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(execStartTime)) {
      throw new RequestError(`execStartTime格式必须是hh:mm: ${execStartTime}`);
    }
    weekday = readStringArray(fields, 'weekday', {required: true, nonEmpty: true});
    for (const day of weekday) {
      if (!kWeekdays.includes(day.toUpperCase())) throw new RequestError(`weekday无效: ${day}`);
    }
  }
  const taskData = fields.taskData ?? {};
  if (taskData === null || typeof taskData !== 'object')
    throw new RequestError('taskData必须是对象');
  const items = readArray(taskData, 'contents') ?? [fields];
  const contents = items.map((item, index) => taskContent(item, `contents[${index}]`));
  const targets = readArray(taskData, 'acceptTarget') ?? [
    {robotKey: fields.robotKey, chatUser: fields.chatUser},
  ];
  const isGroupChat =
      readInt(taskData.isGroupChat !== undefined ? taskData : fields, 'isGroupChat', {
        required: true,
        allowed: [1, 2],
      });
  if (targets.length === 0) throw new RequestError('acceptTarget不能为空');
  const acceptTarget = targets.map((target, index) => {
    if (target === null || typeof target !== 'object')
      throw new RequestError(`acceptTarget[${index}]必须是对象`);
    const robot = world.robotFor(user, readString(target, 'robotKey', {required: true}));
    const chatUser = readStringArray(target, 'chatUser', {required: true, nonEmpty: true});
    for (const id of chatUser) {
      const valid = isGroupChat === 2 ?
          robot.groups.has(id) && world.robotInGroup(robot, robot.groups.get(id)) :
          world.isFriend(robot, id);
      if (!valid) {
        throw new RequestError(`chatUser无效(${
            isGroupChat === 2 ? '不是机器人所在的群' : '不是机器人的好友'}): ${id}`);
      }
    }
    return {robotKey: robot.robotKey, chatUser};
  });
  const task = {
    taskId: world.nextTaskId++,
    name,
    taskType,
    commandType,
    taskRule,
    suitCount,
    perSuitSecond,
    perSuitSecondUpper,
    startTime,
    execStartTime,
    weekday,
    isGroupChat,
    contents,
    acceptTarget,
    savedAt: Date.now(),
  };
  world.log.tasks.push(task);
  return {code: '0', msg: 'ok', data: {taskId: task.taskId}};
}

const kSettingModules = ['WELCOME_NEW_MEMBER', 'GROUP_KEYWORD_REPLY', 'PERIOD_AUTO_REPLY'];

// 2.9: chatroom[i] lists (";"-joined) the groups of robotKey[i] that take the
// settings of group g of robot r.
function duplicateGroupSetting(world, user, fields) {
  const chatroom = readStringArray(fields, 'chatroom', {required: true, nonEmpty: true});
  const template = readString(fields, 'g', {required: true});
  const modules = readStringArray(fields, 'module', {required: true, nonEmpty: true});
  for (const module of modules) {
    if (!kSettingModules.includes(module)) throw new RequestError(`module无效: ${module}`);
  }
  const templateRobot = world.robotFor(user, readString(fields, 'r', {required: true}));
  world.groupFor(templateRobot, template, 'g');
  const robotKeys = readStringArray(fields, 'robotKey', {required: true, nonEmpty: true});
  if (robotKeys.length !== chatroom.length) {
    throw new RequestError('chatroom和robotKey的长度必须一致(每个机器人一项)');
  }
  const targets = robotKeys.map((key, index) => {
    const robot = world.robotFor(user, key);
    const groups = chatroom[index].split(';').filter(Boolean);
    if (groups.length === 0) throw new RequestError(`chatroom[${index}]不能为空`);
    groups.forEach(id => world.groupFor(robot, id, `chatroom[${index}]`));
    return {robotKey: key, groups};
  });
  world.log.groupSettings.push({r: templateRobot.robotKey, g: template, module: modules, targets});
  return {code: '0', msg: 'ok'};
}

function listChats(world, user, fields) {
  const count =
      Math.min(readInt(fields, 'count', {required: true, min: 1}), world.config.maxPageSize);
  const until = readInt(fields, 'timestamp', {min: 0}) ?? world.nowMs();
  const robotKey = readString(fields, 'robotKey');
  const robots = robotKey === undefined ? world.robotsOf(user) : [world.robotFor(user, robotKey)];
  const active = chat => chat.lastMsgActive > 0 && chat.lastMsgActive <= until;
  const chatsOf =
      robot => [...robot.chats.values()].filter(active).map(chat => world.chatEvent(robot, chat));
  const chats = robots.flatMap(chatsOf).sort((a, b) => b.lastMsgActive - a.lastMsgActive);
  return {msg: 'OK', code: '0', total: chats.length, chats: chats.slice(0, count)};
}

// 2.11: newest first; s_timestamp ≤ timestamp ≤ `timestamp` (both inclusive),
// then offset/count.
function listMessages(world, user, fields) {
  const robot = world.robotFor(user, readString(fields, 'robotKey', {required: true}));
  const chatUser = readString(fields, 'chatUser', {required: true});
  const contentType = readInt(fields, 'contentType');
  const from = readInt(fields, 's_timestamp', {min: 0}) ?? 0;
  const until = readInt(fields, 'timestamp', {min: 0}) ?? world.nowMs();
  const msgIds = readStringArray(fields, 'msgIds');
  const offset = readInt(fields, 'offset', {min: 0}) ?? 0;
  const count = Math.min(readInt(fields, 'count', {min: 1}) ?? 20, world.config.maxPageSize);
  const wanted = m => m.chatUser === chatUser && equals(m.content.contentType, contentType) &&
      m.timestamp >= from && m.timestamp <= until &&
      (!msgIds?.length || msgIds.includes(m.messageId));
  const matches = robot.messages.filter(wanted).reverse();
  const model = matches.slice(offset, offset + count);
  return {msg: 'OK', code: '0', total: matches.length, model};
}

function cleanUnread(world, user, fields) {
  const chatId = readString(fields, 'chatId', {required: true});
  const {robot, chatUser} = world.resolveChatId(user, chatId);
  const chat = robot.chats.get(chatUser);
  if (!chat) throw new RequestError(`chatId无效: ${chatId}`);
  chat.unreadCount = 0;
  world.log.unreadCleans.push({robotKey: robot.robotKey, chatId: chat.chatId});
  return {code: '0', msg: 'ok'};
}

function syncContacts(world, user, fields) {
  const robot = world.robotFor(user, readString(fields, 'robotKey', {required: true}));
  const syncType = readInt(fields, 'syncType', {allowed: [0, 1, 2, 3, 4]}) ?? 0;
  world.log.contactSyncs.push({robotKey: robot.robotKey, syncType});
  return {code: '0', msg: 'ok'};
}

// 2.8: an action (`type`) or a send (`chatId` + `message`, no `type`),
// answered with what the socket would push.
async function bridge(world, user, fields, {actions}) {
  if (fields.type === undefined && (fields.chatId !== undefined || fields.message !== undefined)) {
    const {echo, failure} = actions.handleSend(() => user, fields, 'bridge');
    return failure ?? {...echo, code: '0', msg: 'OK'};
  }
  return actions.handleAction(() => user, fields, 'bridge');
}

const kAuthPath = '/robotapi/client/auth';
const kRoutes = {
  '/wxworkapi/robot/list': listRobots,
  '/wxworkapi/external/user/list': listCustomers,
  '/wxworkapi/group/list': listGroups,
  '/wxworkapi/grouptag/list/download': downloadGroups,
  '/wxworkapi/group/member/list': listMembers,
  '/wxworkapi/multiple/task/save': saveTask,
  '/wxworkapi/bridge': bridge,
  '/wxworkapi/group/setting/duplicate': duplicateGroupSetting,
  '/wxworkapi/chat/list': listChats,
  '/wxworkapi/chat/message': listMessages,
  '/wxworkapi/unreadmsg/clean': cleanUnread,
  '/wxworkapi/contact/sync': syncContacts,
};

function authenticate(world, fields) {
  const accessKey = readString(fields, 'accessKey', {required: true});
  const accessSecret = readString(fields, 'accessSecret', {required: true});
  const {token, entry} = world.authenticate(accessKey, accessSecret);
  return ok({
    data: {
      createTime: entry.createTime,
      expireMinutes: world.config.expireMinutes,
      accessToken: token,
      username: entry.user.username,
    },
  });
}

function isApiPath(path) {
  return path === kAuthPath || Object.prototype.hasOwnProperty.call(kRoutes, path);
}

// The body answering one API call. The token comes from the `token` header
// (the document's way), else from a `token` body field (as the 2.7 example
// carries it).
async function answerApi(world, actions, {path, headers, fields, parseError, baseUrl}) {
  const busyCode = world.takeBusy();
  if (busyCode) return {code: busyCode, msg: '服务器繁忙', data: null};
  try {
    if (parseError) throw parseError;
    if (path === kAuthPath) return authenticate(world, fields);
    const user = world.userForToken(headers.token ?? fields.token);
    return await kRoutes[path](world, user, fields, {actions, baseUrl});
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    return {code: error.code, msg: error.message, data: null};
  }
}

module.exports = {
  answerApi,
  isApiPath
};
