// What a client asks over socket.io (and the same over POST /wxworkapi/bridge):
// sends by contentType ("message" events) and the document's actions
// ("action" events, chosen by `type`). Both the socket front and the bridge
// call handleSend / handleAction; they differ only in where the answer goes.
'use strict';

const {
  RequestError,
  readString,
  readInt,
  readUserId,
  readStringArray,
  readUserIdArray,
} = require('./params');
const {formatTime, isWeChatUser} = require('./world');

const kUrl = /^https?:\/\/\S+$/;

function readUrl(fields, name) {
  const url = readString(fields, name, {required: true});
  if (!kUrl.test(url)) throw new RequestError(`${name}必须是http(s)地址: ${url}`);
  return url;
}

// The fields each sent contentType carries (sections 3.4-3.6, 3.10, 3.24).
function sentContent(robot, chatUser, message) {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    throw new RequestError('message不能为空');
  }
  const contentType = readInt(message, 'contentType', {required: true});
  switch (contentType) {
    case 1: {
      const content = {contentType, content: readString(message, 'content', {required: true})};
      const atUserList = readString(message, 'atUserList');
      if (atUserList !== undefined) {
        if (!chatUser.startsWith('R:')) throw new RequestError('atUserList只能用于群聊');
        const group = robot.groups.get(chatUser);
        for (const userId of atUserList.split(',')) {
          if (group.members.get(userId.trim())?.status !== 1) {
            throw new RequestError(`atUserList中的用户不在群内: ${userId}`);
          }
        }
        content.atUserList = atUserList;
      }
      return content;
    }
    case 7:
      return {contentType, pic: readUrl(message, 'pic')};
    case 13: {
      const content = {
        contentType,
        title: readString(message, 'title', {required: true}),
        link: readUrl(message, 'link'),
        description: readString(message, 'description') ?? '',
      };
      const cover = readString(message, 'coverImgFile');
      if (cover !== undefined) content.coverImgFile = cover;
      return content;
    }
    case 8:
    case 5:
      return {contentType, fileName: readUrl(message, 'fileName')};
    default:
      throw new RequestError(`不支持发送的contentType: ${contentType}`);
  }
}

// 3.6: "coverImgFile 不支持带参数的 url, 无法下载时会导致链接消息发送不成功".
function deliverable(content) {
  return !(content.contentType === 13 && content.coverImgFile && /[?]/.test(content.coverImgFile));
}

// The envelope fields of an action answer, per the document's examples (they
// differ: dts a number or a string, robotBizType 5 or "5").
const kStyles = {
  plain: () => ({}),
  robot: () => ({robotType: 2, dts: Date.now()}),
  site: robot => ({
    robotType: 2,
    robotBizType: 5,
    siteCode: 'wenode_chat_wwy',
    dts: Date.now(),
    assignTo: robot?.assignTo ?? '',
  }),
  group: robot => ({
    robotType: 2,
    robotBizType: '5',
    dts: String(Date.now()),
    assignTo: robot?.assignTo ?? '',
  }),
};

function wait(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function personView(world, robot, userId) {
  const person = world.person(robot, userId);
  return {
    avatorUrl: person.avatorUrl ?? '',
    corpanyId: world.corps.get(robot.corpid)?.companyId ?? '',
    name: person.name ?? '',
    namePinyin: '',
    phone: '',
    officePhone: '',
    realRemarks: person.realRemarks ?? '',
    remarks: person.remarks ?? '',
    userId,
    wechatImgUrl: person.avatorUrl ?? '',
    gender: person.gender ?? 0,
    mobile: person.mobile ?? '',
    position: person.position ?? '',
    isOuterUser: isWeChatUser(userId) ? 1 : 0,
    isExternalUser: world.isCorpMember(robot, userId) ? 0 : 1,
  };
}

function memberInquiryView(world, robot, member) {
  const view = personView(world, robot, member.userId);
  return {...view, userId: Number(member.userId), name: member.name, avatorUrl: member.avatorUrl};
}

function groupInquiryView(world, robot, group) {
  const active = [...group.members.values()].filter(m => m.status === 1);
  return {
    conversationId: group.conversationId,
    name: group.name,
    creatorId: Number(group.creatorId),
    createTime: group.createTime,
    memberCount: active.length,
    normalMemberCount: active.length,
    outerUserCount: active.filter(m => isWeChatUser(m.userId)).length,
    isOuterGroupConversation: active.some(m => !world.isCorpMember(robot, m.userId)) ? 1 : 0,
    hasOuterUser: active.some(m => isWeChatUser(m.userId)) ? 1 : 0,
    isConversationDismiss: 0,
    conversationType: 2,
    status: 0,
    groupNotices: group.notice ? [group.notice] : [],
    memberList: active.map(member => memberInquiryView(world, robot, member)),
  };
}

function labelView(tagGroup, label) {
  return {
    isCorpLabel: tagGroup.personal ? 0 : 1,
    isGroupLabel: 0,
    createTime: label.createTime,
    fullName: `${tagGroup.name}:${label.name}`,
    isCustomLabelGroup: 0,
    labelId: String(label.labelId),
    labelGroupId: String(tagGroup.labelId),
    groupName: tagGroup.name,
    isFakeAddLabel: 0,
    name: label.name,
  };
}

function tagGroupView(tagGroup) {
  return {
    isCorpLabel: tagGroup.personal ? 0 : 1,
    isGroupLabel: 1,
    subLabelList: tagGroup.labels.map(label => labelView(tagGroup, label)),
    createTime: tagGroup.createTime,
    fullName: tagGroup.name,
    isCustomLabelGroup: tagGroup.personal ? 1 : 0,
    labelId: String(tagGroup.labelId),
    labelGroupId: '0',
    groupName: '',
    isFakeAddLabel: 0,
    name: tagGroup.name,
  };
}

class Actions {
  constructor(world) {
    this.world = world;
    this.handlers = {
      'chat.heart': {style: 'plain', run: () => ({}), robotless: true},
      'robot.message.forward': {style: 'plain', run: (r, q, v) => this.forward(r, q, v)},
      'robot.accept.friend.request': {style: 'plain', run: (r, q) => this.acceptFriend(r, q)},
      'robot.phone.contact.add': {style: 'plain', run: (r, q) => this.addByPhone(r, q)},
      'robot.cust.tags': {style: 'robot', run: (r, q) => this.tagCustomer(r, q)},
      'robot.tags.sync': {style: 'robot', run: r => this.syncTags(r)},
      'robot.cust.remarks.modify': {style: 'robot', run: (r, q) => this.modifyRemarks(r, q)},
      'robot.info.modify': {style: 'robot', run: (r, q) => this.modifyInfo(r, q)},
      'robot.kick.group.member': {style: 'group', run: (r, q) => this.kick(r, q)},
      'robot.conv.admins': {style: 'site', run: (r, q) => this.admins(r, q)},
      'robot.conv.modify.admins': {style: 'site', run: (r, q) => this.modifyAdmins(r, q)},
      'robot.invite.friends.join.group': {style: 'group', run: (r, q) => this.invite(r, q)},
      'robot.modify.group.name': {style: 'group', run: (r, q) => this.rename(r, q)},
      'robot.create.group': {style: 'group', run: (r, q) => this.createGroup(r, q)},
      'robot.contacts.inquiry': {style: 'group', run: (r, q) => this.inquire(r, q)},
      'robot.set.group.announcement': {style: 'group', run: (r, q) => this.announce(r, q)},
    };
  }

  // A "message" event: sends `message` into `chatId`. Returns {echo} (the
  // stored message, also pushed to the owners as "chat" + "message") or
  // {failure} (the emulator's answer to a refused send). `authorize` returns
  // the requesting user or throws (code 1000).
  handleSend(authorize, request, via) {
    const world = this.world;
    try {
      const user = authorize();
      if (request === null || typeof request !== 'object')
        throw new RequestError('请求必须是JSON对象');
      const messageId = readString(request, 'messageId', {required: true, maxLength: 32});
      const robotKey = readString(request, 'robotKey');
      const {robot, chatUser} = world.resolveChatId(user, request.chatId, robotKey);
      world.requireOnline(robot);
      this.requireChatTarget(robot, chatUser);
      const content = sentContent(robot, chatUser, request.message);
      const sendStatus = deliverable(content) ? 1 : 2;
      const {message} = world.recordMessage(robot, chatUser, {
        from: world.sender(robot, chatUser, robot.wxid),
        content,
        messageId,
        sendStatus,
      });
      world.log.sent.push({via, ...message});
      return {echo: message};
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      const failure = {
        messageId: typeof request?.messageId === 'string' ? request.messageId : '',
        chatId: typeof request?.chatId === 'string' ? request.chatId : '',
        code: error.code,
        msg: error.message,
        sendStatus: 2,
      };
      if (typeof request?.robotKey === 'string') failure.robotKey = request.robotKey;
      return {failure};
    }
  }

  // An "action" event: the answer carries the request's fields (less its
  // token), the envelope of the document's example, and code/msg.
  async handleAction(authorize, request, via) {
    const world = this.world;
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      return {code: '1', msg: '请求必须是JSON对象'};
    }
    const echo = {...request};
    delete echo.token;
    const handler = this.handlers[request.type];
    let robot = null;
    try {
      const user = authorize();
      if (typeof request.type !== 'string' || request.type === '')
        throw new RequestError('type不能为空');
      if (!handler) throw new RequestError(`不支持的type: ${request.type}`);
      readString(request, 'messageId', {required: true, maxLength: 32});
      if (!handler.robotless) {
        robot = world.robotFor(user, readString(request, 'robotKey', {required: true}));
        world.requireOnline(robot);
      }
      const fields = await handler.run(robot, request, via);
      const reply = {...echo, ...kStyles[handler.style](robot), ...fields, code: '0', msg: 'OK'};
      world.log.actions.push({
        via,
        type: request.type,
        robotKey: request.robotKey,
        messageId: request.messageId,
        code: '0'
      });
      return reply;
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      const style = handler ? kStyles[handler.style](robot) : {};
      world.log.actions.push({
        via,
        type: request.type,
        robotKey: request.robotKey,
        messageId: request.messageId,
        code: error.code,
        msg: error.message,
      });
      return {...echo, ...style, code: error.code, msg: error.message};
    }
  }

  requireChatTarget(robot, chatUser) {
    if (chatUser.startsWith('R:')) {
      const group = this.world.groupFor(robot, chatUser, 'chatUser');
      if (!this.world.robotInGroup(robot, group))
        throw new RequestError(`机器人不在群内: ${chatUser}`);
    } else if (!this.world.isFriend(robot, chatUser)) {
      throw new RequestError(`不是机器人的好友: ${chatUser}`);
    }
  }

  requireGroupOfRobot(robot, request) {
    const group =
        this.world.groupFor(robot, readString(request, 'groupId', {required: true}), 'groupId');
    if (!this.world.robotInGroup(robot, group))
      throw new RequestError(`机器人不在群内: ${group.conversationId}`);
    return group;
  }

  requireManager(robot, group) {
    if (group.creatorId !== robot.wxid && !group.admins.includes(robot.wxid)) {
      throw new RequestError('no permission: 机器人不是群主或群管理员');
    }
  }

  // 3.7: copies a received or sent message (by msgSvrID) into each target,
  // which the owners see as "chat" + "message" pairs carrying the request's
  // messageId.
  forward(robot, request, via) {
    const world = this.world;
    const msgSvrID = readUserId(request, 'msgSvrID', {required: true});
    const original = world.findMessage(robot, msgSvrID);
    if (!original) throw new RequestError(`msgSvrID无效: ${msgSvrID}`);
    if (![7, 8, 13, 78].includes(original.content.contentType)) {
      throw new RequestError(`不支持转发的消息类型: ${original.content.contentType}`);
    }
    const friends = readStringArray(request, 'friends', {required: true, nonEmpty: true});
    friends.forEach(target => this.requireChatTarget(robot, target));
    for (const target of friends) {
      const {message} = world.recordMessage(robot, target, {
        from: world.sender(robot, target, robot.wxid),
        content: {...original.content},
        messageId: request.messageId,
        sendStatus: 1,
      });
      world.log.sent.push({via, forwardOf: msgSvrID, ...message});
    }
    return {};
  }

  acceptFriend(robot, request) {
    const friendWxid = readUserId(request, 'friendWxid', {required: true});
    const friendRequest = robot.friendRequests.get(friendWxid);
    if (!friendRequest) throw new RequestError(`没有该用户的好友请求: ${friendWxid}`);
    robot.friendRequests.delete(friendWxid);
    const now = formatTime(Date.now());
    robot.customers.set(friendWxid, {
      userId: friendWxid,
      name: friendRequest.name,
      realRemarks: '',
      remarks: friendRequest.remarks,
      avatorUrl: friendRequest.wechatImgUrl,
      mobile: '',
      gender: friendRequest.gender,
      status: 1,
      corpid: '',
      tags: [],
      gmtCreate: now,
    });
    return {};
  }

  addByPhone(robot, request) {
    const phone = readString(request, 'phone', {required: true});
    const stranger = this.world.strangers.find(s => s.phone === phone);
    if (!stranger) throw new RequestError(`未找到该手机号对应的用户: ${phone}`);
    return {
      userData: {
        wechatImgUrl: stranger.wechatImgUrl,
        userId: Number(stranger.userId),
        name: stranger.name,
        gender: stranger.gender,
        isOuterUser: stranger.isOuterUser,
      },
    };
  }

  // 3.11, "打标签需要排队,单个机器人并发容易出错": a tag request takes
  // tagProcessingMs; another for the same robot arriving meanwhile fails
  // (failConcurrentTagging) or waits its turn.
  async tagCustomer(robot, request) {
    const world = this.world;
    const userId = readUserId(request, 'userId', {required: true});
    const tags = readStringArray(request, 'tags') ?? [];
    const erasingTags = readStringArray(request, 'erasingTags') ?? [];
    if (tags.length === 0 && erasingTags.length === 0)
      throw new RequestError('tags和erasingTags不能都为空');
    const customer = robot.customers.get(userId);
    if (!customer) throw new RequestError(`不是机器人的客户: ${userId}`);
    for (const labelId of [...tags, ...erasingTags]) {
      if (!world.findLabel(robot, labelId)) throw new RequestError(`标签不存在: ${labelId}`);
    }
    if (robot.tagRequestsInProgress > 0 && world.failConcurrentTagging) {
      world.log.tagConflicts += 1;
      throw new RequestError('打标签失败: 该机器人有打标签请求正在处理,请排队');
    }
    // Counted at once, not when its turn comes, so two requests that arrive
    // in one packet batch still collide.
    robot.tagRequestsInProgress += 1;
    const turn = robot.tagQueue.then(async () => {
      await wait(world.tagProcessingMs);
      customer.tags = customer.tags.filter(id => !erasingTags.includes(id));
      for (const id of tags) {
        if (!customer.tags.includes(id)) customer.tags.push(id);
      }
    });
    robot.tagQueue = turn;
    try {
      await turn;
    } finally {
      robot.tagRequestsInProgress -= 1;
    }
    return {};
  }

  syncTags(robot) {
    const groups = this.world.labelsOf(robot);
    const corp = this.world.corps.get(robot.corpid);
    const personal = groups.find(g => g.personal);
    return {
      labelList: groups.map(tagGroupView),
      personLabel: personal ? tagGroupView(personal) : null,
      companyName: corp?.companyName ?? '',
      companyId: corp?.companyId ?? '',
    };
  }

  modifyRemarks(robot, request) {
    const userId = readUserId(request, 'userId', {required: true});
    const customer = robot.customers.get(userId);
    if (!customer) throw new RequestError(`不是机器人的客户: ${userId}`);
    // "" clears the field.
    const realRemarks = readString(request, 'realRemarks', {keepEmpty: true});
    const remarks = readString(request, 'remarks', {keepEmpty: true});
    if (realRemarks === undefined && remarks === undefined) {
      throw new RequestError('realRemarks和remarks不能都为空');
    }
    if (realRemarks !== undefined) customer.realRemarks = realRemarks;
    if (remarks !== undefined) customer.remarks = remarks;
    return {};
  }

  modifyInfo(robot, request) {
    const name = readString(request, 'name');
    // "" clears these (the name cannot be empty).
    const alias = readString(request, 'alias', {keepEmpty: true});
    const gender = readInt(request, 'gender', {allowed: [1, 2]});
    const phone = readString(request, 'phone', {keepEmpty: true});
    const mobile = readString(request, 'mobile', {keepEmpty: true});
    const position = readString(request, 'position', {keepEmpty: true});
    if ([name, alias, gender, phone, mobile, position].every(v => v === undefined)) {
      throw new RequestError('没有要修改的信息');
    }
    if (name !== undefined) robot.nickName = name;
    if (alias !== undefined) robot.alias = alias;
    if (gender !== undefined) robot.gender = gender;
    if (phone !== undefined) robot.phone = phone;
    if (mobile !== undefined) robot.mobile = mobile;
    if (position !== undefined) robot.position = position;
    return {
      name: robot.nickName,
      alias: robot.alias,
      gender: robot.gender,
      phone: robot.phone,
      mobile: robot.mobile,
      position: robot.position,
      address: robot.address,
    };
  }

  // 3.16: the admins besides the owner; "invalid conversion id" as the
  // document shows for an id without "R:".
  admins(robot, request) {
    const conversationId = readString(request, 'conversationId', {required: true});
    const group = robot.groups.get(conversationId);
    if (!conversationId.startsWith('R:') || !group) throw new RequestError('invalid conversion id');
    return {admins: group.admins.filter(id => id !== group.creatorId)};
  }

  // 3.17: opcode 1 adds, 2 removes; only the owner may; admins must be corp
  // members in the group; at most 3 besides the owner.
  modifyAdmins(robot, request) {
    const opcode = readInt(request, 'opcode', {required: true, allowed: [1, 2]});
    const conversationId = readString(request, 'conversationId', {required: true});
    const group = robot.groups.get(conversationId);
    if (!conversationId.startsWith('R:') || !group) throw new RequestError('invalid conversion id');
    const admins = readUserIdArray(request, 'admins') ?? [];
    if (admins.length === 0) throw new RequestError('admins invalid');
    if (group.creatorId !== robot.wxid)
      throw new RequestError('no permission: 只有群主可以设置群管理员');
    if (opcode === 1) {
      for (const id of admins) {
        if (group.members.get(id)?.status !== 1)
          throw new RequestError(`admins invalid: ${id} 不在群内`);
        if (!this.world.isCorpMember(robot, id))
          throw new RequestError(`admins invalid: ${id} 不是企业成员`);
      }
      const next = [...new Set([...group.admins, ...admins])].filter(id => id !== group.creatorId);
      if (next.length > 3) throw new RequestError('admins invalid: 除群主外最多3个群管理员');
      group.admins = next;
    } else {
      for (const id of admins) {
        if (!group.admins.includes(id))
          throw new RequestError(`admins invalid: ${id} 不是群管理员`);
      }
      group.admins = group.admins.filter(id => !admins.includes(id));
    }
    return {};
  }

  // Adds (`entries`, {userId, name?, …}; members that left come back) and
  // removes (`removedIds`) members, then announces the change as
  // robot.group.members.changed (3.22). Returns whether a socket got it.
  changeMembers(robot, group, entries, removedIds) {
    const world = this.world;
    const added = [];
    for (const entry of entries) {
      if (group.members.get(entry.userId)?.status === 1) continue;
      group.members.set(entry.userId, world.memberRecord(robot, entry));
      added.push(entry.userId);
    }
    for (const userId of removedIds) group.members.get(userId).status = 0;
    group.admins = group.admins.filter(id => !removedIds.includes(id));
    if (added.length === 0 && removedIds.length === 0) return false;
    const view = userId => {
      const member = group.members.get(userId);
      return {
        gender: String(member.gender ?? 0),
        groupNickName: '',
        headImg: member.avatorUrl,
        nickName: member.name,
        userId,
        userName: userId,
      };
    };
    const event = {
      messageId: world.newMessageId(world.nowMs()),
      assignTo: robot.assignTo,
      code: '0',
      chatroom: group.conversationId,
      conversationId: group.conversationId,
      groupNickName: group.name,
      name: group.name,
      dts: String(Date.now()),
      type: 'robot.group.members.changed',
      msg: 'OK',
      robotBizType: '5',
      robotKey: robot.robotKey,
      robotType: 2,
      newMembers: added.map(view),
    };
    if (removedIds.length > 0) event.delMembers = removedIds.map(view);
    return world.pushAction(robot, event);
  }

  invite(robot, request) {
    const group = this.requireGroupOfRobot(robot, request);
    const friends = readUserIdArray(request, 'friends', {required: true, nonEmpty: true});
    for (const id of friends) {
      if (!this.world.isFriend(robot, id)) throw new RequestError(`不是机器人的好友: ${id}`);
    }
    this.changeMembers(
        robot,
        group,
        friends.map(userId => ({userId})),
        [],
    );
    return {};
  }

  kick(robot, request) {
    const group = this.requireGroupOfRobot(robot, request);
    const friends = readUserIdArray(request, 'friends', {required: true, nonEmpty: true});
    this.requireManager(robot, group);
    for (const id of friends) {
      if (group.members.get(id)?.status !== 1) throw new RequestError(`不在群内: ${id}`);
      if (id === group.creatorId || id === robot.wxid)
        throw new RequestError(`不能移出群主或自己: ${id}`);
    }
    this.changeMembers(robot, group, [], friends);
    return {};
  }

  rename(robot, request) {
    const group = this.requireGroupOfRobot(robot, request);
    const newName = readString(request, 'newName', {required: true, maxLength: 64});
    group.name = newName;
    const chat = robot.chats.get(group.conversationId);
    if (chat) chat.chatName = newName;
    return {};
  }

  createGroup(robot, request) {
    const world = this.world;
    const friends = readUserIdArray(request, 'friends', {required: true, nonEmpty: true});
    if (new Set(friends).size < 2) throw new RequestError('拉人建群至少需要2个好友');
    for (const id of friends) {
      if (!world.isFriend(robot, id)) throw new RequestError(`不是机器人的好友: ${id}`);
    }
    const members = [robot.wxid, ...new Set(friends)];
    const name = readString(request, 'name', {maxLength: 64}) ??
        members.map(id => world.person(robot, id).name).join('、');
    let conversationId;
    do {
      conversationId = `R:1069605${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;
    } while (robot.groups.has(conversationId));
    const group = {
      conversationId,
      name,
      creatorId: robot.wxid,
      createTime: formatTime(Date.now()),
      status: 1,
      admins: [],
      notice: '',
      members: new Map(members.map(id => [id, world.memberRecord(robot, {userId: id})])),
    };
    robot.groups.set(conversationId, group);
    return {groupId: conversationId, name};
  }

  inquire(robot, request) {
    const contacts = readStringArray(request, 'contacts', {required: true, nonEmpty: true});
    const found = [];
    for (const id of contacts) {
      if (id.startsWith('R:')) {
        const group = robot.groups.get(id);
        if (group) found.push(groupInquiryView(this.world, robot, group));
      } else if (/^\d+$/.test(id) && this.world.person(robot, id)) {
        found.push(personView(this.world, robot, id));
      }
    }
    return {reqContacts: request.contacts, contacts: found};
  }

  announce(robot, request) {
    const group = this.requireGroupOfRobot(robot, request);
    const notice = readString(request, 'notice', {required: true});
    readInt(request, 'isAll', {allowed: [0, 1]});
    this.requireManager(robot, group);
    group.notice = notice;
    return {};
  }
}

module.exports = {Actions};
