// Every send (by contentType) and every action of section 3, once over the
// socket.io channel and once over POST /wxworkapi/bridge: same answers, same
// effects on the world, same events pushed to connected sockets.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const {
  startEmulator,
  kRobotKey,
  kRobotWxid,
  kColleague,
  kColleague2,
  kCustomer,
  kCustomer2,
  kCustomer3,
  kGroup,
  kLabelConsumer,
  kLabelRetail,
} = require('./harness');

const kPrivateChat = `S:${kRobotWxid}_${kCustomer}`;
const kGroupChat = `S:${kRobotWxid}_${kGroup}`;

for (const via of ['socket', 'bridge']) {
  test(`sends and actions over the ${via}`, async t => {
    const emulator = await startEmulator();
    t.after(() => emulator.stop());
    const token = await emulator.token();
    // Receives the pushed events in both cases; over the socket it also asks.
    const listener = await emulator.connect(token);
    t.after(() => listener.close());
    const api = (path, fields) => emulator.api(path, fields, {token});

    const act = async fields => {
      const payload = {robotKey: kRobotKey, messageId: emulator.messageId(), ...fields};
      if (via === 'socket') return listener.act(payload);
      const {body} = await api('/wxworkapi/bridge', payload);
      assert.equal(body.messageId, payload.messageId);
      return body;
    };
    // Resolves with {answer, echo} for a successful send, {answer} otherwise;
    // over the socket the answer of a refused send is a "message" event.
    const send = async (chatId, message) => {
      const messageId = emulator.messageId();
      const request = {chatId, messageId, message};
      if (via === 'socket') {
        listener.emit('message', request);
        const answer = await listener.next('message', m => m.messageId === messageId);
        return {answer, ok: answer.code === undefined};
      }
      const {body} = await api('/wxworkapi/bridge', request);
      if (body.code === '0') {
        const pushed = await listener.next('message', m => m.messageId === messageId);
        assert.equal(pushed.msgSvrID, body.msgSvrID);
      }
      return {answer: body, ok: body.code === '0'};
    };
    const stored = async (chatUser, messageId) =>
        (await api('/wxworkapi/chat/message', {robotKey: kRobotKey, chatUser, msgIds: [messageId]}))
            .body.model[0];

    await t.test('text to a customer: chat and message echo, stored as sent', async () => {
      const {answer, ok} = await send(kPrivateChat, {contentType: 1, content: '123'});
      assert.ok(ok, JSON.stringify(answer));
      assert.equal(answer.chatId, kPrivateChat);
      assert.equal(answer.chatUser, kCustomer);
      assert.deepEqual(answer.from, {
        contactId: kRobotWxid,
        nickName: '甜甜甜',
        headImg: 'http://wework.qpic.cn/bizmail/robot/0',
        isGroupContact: 0,
        isSelf: 1,
      });
      assert.deepEqual(answer.content, {contentType: 1, content: '123'});
      assert.equal(answer.sendStatus, 1);
      const chat = await listener.next('chat', c => c.chatUser === kCustomer);
      assert.equal(chat.pushContent, '123');
      assert.equal(chat.botInfo.robotStatus, 1);
      assert.equal((await stored(kCustomer, answer.messageId)).sendStatus, 1);
    });

    await t.test('text with atUserList to a group', async () => {
      const {answer, ok} = await send(kGroupChat, {
        contentType: 1,
        content: '@职教 你好',
        atUserList: `${kCustomer},${kColleague}`,
      });
      assert.ok(ok, JSON.stringify(answer));
      assert.equal(answer.content.atUserList, `${kCustomer},${kColleague}`);
      assert.equal(answer.isGroupChat, 1);
      assert.equal(answer.from.isGroupContact, 1);
    });

    await t.test('image, link, file and video', async () => {
      const cases = [
        [{contentType: 7, pic: 'http://media.yjiyun.com/xxx.png'}, 'pic'],
        [
          {
            contentType: 13,
            title: '链接标题',
            link: 'https://www.yjiyun.com/community/group.html',
            description: '链接描述内容',
            coverImgFile: 'https://media.yjiyun.com/xxx.png',
          },
          'title',
        ],
        [{contentType: 8, fileName: 'http://media.yjiyun.com/xxx.xls'}, 'fileName'],
        [{contentType: 5, fileName: 'http://media.yjiyun.com/xxx.MP4'}, 'fileName'],
      ];
      for (const [message, field] of cases) {
        const {answer, ok} = await send(kGroupChat, message);
        assert.ok(ok, JSON.stringify(answer));
        assert.equal(answer.content[field], message[field]);
        assert.equal(answer.sendStatus, 1);
      }
    });

    await t.test('a link whose cover has parameters is not delivered', async () => {
      const {answer} = await send(kPrivateChat, {
        contentType: 13,
        title: 't',
        link: 'https://www.yjiyun.com',
        coverImgFile: 'https://media.yjiyun.com/c.png?size=1',
      });
      assert.equal(answer.sendStatus, 2);
      assert.equal((await stored(kCustomer, answer.messageId)).sendStatus, 2);
    });

    await t.test('refused sends say why', async () => {
      const refusals = [
        [kPrivateChat, {contentType: 3, content: 'x'}, /contentType/],
        [kPrivateChat, {contentType: 7}, /pic不能为空/],
        [kPrivateChat, {contentType: 7, pic: 'not a url'}, /pic必须是http/],
        [
          kPrivateChat, {contentType: 1, content: 'x', atUserList: kCustomer},
          /atUserList只能用于群聊/
        ],
        [kGroupChat, {contentType: 1, content: 'x', atUserList: kCustomer3}, /不在群内/],
        [
          `S:${kRobotWxid}_${kCustomer3}`, {contentType: 1, content: 'x'},
          /不是机器人的好友/
        ],
        ['S:1_2', {contentType: 1, content: 'x'}, /chatId/],
        [kGroupChat, undefined, /message不能为空/],
      ];
      for (const [chatId, message, pattern] of refusals) {
        const {answer, ok} = await send(chatId, message);
        assert.ok(!ok, JSON.stringify(message));
        assert.equal(answer.code, '1');
        assert.match(answer.msg, pattern);
      }
      await emulator.control('robots', {robotKey: kRobotKey, robotStatus: 2});
      const offline = await send(kPrivateChat, {contentType: 1, content: 'x'});
      assert.match(offline.answer.msg, /不在线/);
      const offlineAction = await act({type: 'robot.tags.sync'});
      assert.equal(offlineAction.code, '1');
      await emulator.control('robots', {robotKey: kRobotKey, robotStatus: 1});
    });

    await t.test('robot.message.forward copies a message into each target', async () => {
      const [image] = (await emulator.control(
                           'messages', {robotKey: kRobotKey, chatUser: kCustomer, contentType: 7}))
                          .messages;
      await listener.next('message', m => m.msgSvrID === image.msgSvrID);
      const answer = await act({
        type: 'robot.message.forward',
        msgSvrID: Number(image.msgSvrID),
        friends: [kCustomer2, kGroup],
      });
      assert.equal(answer.code, '0', answer.msg);
      for (const target of [kCustomer2, kGroup]) {
        const copy = await listener.next(
            'message', m => m.messageId === answer.messageId && m.chatUser === target);
        assert.equal(copy.content.contentType, 7);
        assert.equal(copy.from.isSelf, 1);
      }
      const [text] =
          (await emulator.control('messages', {robotKey: kRobotKey, chatUser: kCustomer})).messages;
      const refused = await act(
          {type: 'robot.message.forward', msgSvrID: text.msgSvrID, friends: [kCustomer2]});
      assert.equal(refused.code, '1');
      assert.match(refused.msg, /不支持转发/);
      const unknown =
          await act({type: 'robot.message.forward', msgSvrID: 1, friends: [kCustomer2]});
      assert.match(unknown.msg, /msgSvrID无效/);
    });

    await t.test('friend request, then robot.accept.friend.request', async () => {
      const newFriend = '7881300000000919';
      await emulator.control('events', {
        type: 'robot.on.new.friend.request',
        robotKey: kRobotKey,
        userId: newFriend,
        name: '蘑菇',
        reason: '我是蘑菇',
        gender: 1,
      });
      const request = await listener.next('action', a => a.type === 'robot.on.new.friend.request');
      assert.deepEqual(
          [request.userId, request.name, request.reason, request.isOuterUser, request.code],
          [7881300000000919, '蘑菇', '我是蘑菇', 1, '0'],
      );
      const accepted =
          await act({type: 'robot.accept.friend.request', friendWxid: String(request.userId)});
      assert.deepEqual([accepted.code, accepted.msg, accepted.friendWxid], ['0', 'OK', newFriend]);
      const customers =
          (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey, userId: newFriend}))
              .body;
      assert.equal(customers.data[0].name, '蘑菇');
      const again = await act({type: 'robot.accept.friend.request', friendWxid: newFriend});
      assert.equal(again.code, '1');
    });

    await t.test('robot.phone.contact.add', async () => {
      const found = await act({type: 'robot.phone.contact.add', phone: '15620000229'});
      assert.equal(found.code, '0');
      assert.equal(found.phone, '15620000229');
      assert.deepEqual(found.userData, {
        wechatImgUrl: '',
        userId: 16888555558708,
        name: '陈xx',
        gender: 1,
        isOuterUser: 0,
      });
      const missing = await act({type: 'robot.phone.contact.add', phone: '10000000000'});
      assert.equal(missing.code, '1');
    });

    await t.test('robot.cust.tags and robot.tags.sync', async () => {
      const tagged = await act({
        type: 'robot.cust.tags',
        userId: kCustomer,
        tags: [kLabelRetail],
        erasingTags: [kLabelConsumer],
      });
      assert.equal(tagged.code, '0', tagged.msg);
      assert.deepEqual(
          [tagged.robotType, typeof tagged.dts, tagged.userId], [2, 'number', kCustomer]);
      const customer =
          (await emulator.state()).robots[0].customers.find(c => c.userId === kCustomer);
      assert.deepEqual(customer.tags, [kLabelRetail]);
      const byTag =
          (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey, tagList: ['连锁零售']}))
              .body;
      assert.equal(byTag.total, 1);
      const badLabel = await act({type: 'robot.cust.tags', userId: kCustomer, tags: ['1']});
      assert.match(badLabel.msg, /标签不存在/);
      const stranger =
          await act({type: 'robot.cust.tags', userId: '7881000000000009', tags: [kLabelRetail]});
      assert.match(stranger.msg, /不是机器人的客户/);

      const sync = await act({type: 'robot.tags.sync'});
      assert.equal(sync.code, '0');
      assert.deepEqual(
          sync.labelList.map(g => [g.name, g.isGroupLabel, g.subLabelList.length]),
          [
            ['行业', 1, 2],
            ['个人标签', 1, 1],
          ],
      );
      assert.equal(sync.labelList[0].subLabelList[0].fullName, '行业:消费品');
      assert.equal(sync.labelList[0].subLabelList[0].labelId, kLabelConsumer);
      assert.equal(sync.personLabel.isCustomLabelGroup, 1);
      assert.equal(sync.companyName, '广州有机云计算有限责任公司');
      assert.equal(sync.companyId, '1970325046037717');
    });

    await t.test('robot.cust.remarks.modify', async () => {
      const answer = await act({
        type: 'robot.cust.remarks.modify',
        userId: kCustomer2,
        realRemarks: '老客户',
        remarks: 'VIP'
      });
      assert.equal(answer.code, '0', answer.msg);
      const customer =
          (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey, userId: kCustomer2}))
              .body.data[0];
      assert.deepEqual([customer.realRemarks, customer.remarks], ['老客户', 'VIP']);
      // "" clears a field; the other stays.
      const cleared =
          await act({type: 'robot.cust.remarks.modify', userId: kCustomer2, realRemarks: ''});
      assert.equal(cleared.code, '0', cleared.msg);
      const after =
          (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey, userId: kCustomer2}))
              .body.data[0];
      assert.deepEqual([after.realRemarks, after.remarks], ['', 'VIP']);
    });

    await t.test('robot.info.modify', async () => {
      const answer = await act({
        type: 'robot.info.modify',
        name: 'HONG',
        alias: 'HONG',
        gender: 1,
        phone: '38261212',
        mobile: '13900000000',
        position: 'CPP',
      });
      assert.deepEqual(
          [answer.code, answer.name, answer.position, answer.address, answer.robotType],
          ['0', 'HONG', 'CPP', '', 2],
      );
      const robots = (await api('/wxworkapi/robot/list')).body.data;
      assert.equal(robots[0].nickName, 'HONG');
      const empty = await act({type: 'robot.info.modify'});
      assert.equal(empty.code, '1');
      const cleared = await act({type: 'robot.info.modify', alias: ''});
      assert.deepEqual([cleared.code, cleared.alias, cleared.name], ['0', '', 'HONG']);
    });

    await t.test('robot.conv.admins and robot.conv.modify.admins', async () => {
      const none = await act({type: 'robot.conv.admins', conversationId: kGroup});
      assert.deepEqual(
          [none.code, none.admins, none.siteCode, none.robotBizType],
          ['0', [], 'wenode_chat_wwy', 5]);
      const invalid = await act({type: 'robot.conv.admins', conversationId: '10696661588019912'});
      assert.deepEqual([invalid.code, invalid.msg], ['1', 'invalid conversion id']);
      const add = await act({
        type: 'robot.conv.modify.admins',
        opcode: 1,
        conversationId: kGroup,
        admins: [kColleague]
      });
      assert.equal(add.code, '0', add.msg);
      const now = await act({type: 'robot.conv.admins', conversationId: kGroup});
      assert.deepEqual(now.admins, [kColleague]);
      const external = await act({
        type: 'robot.conv.modify.admins',
        opcode: 1,
        conversationId: kGroup,
        admins: [kCustomer]
      });
      assert.equal(external.code, '1');
      assert.match(external.msg, /^admins invalid: .*企业成员/);
      const empty = await act(
          {type: 'robot.conv.modify.admins', opcode: 1, conversationId: kGroup, admins: []});
      assert.deepEqual([empty.code, empty.msg], ['1', 'admins invalid']);
      const removed = await act({
        type: 'robot.conv.modify.admins',
        opcode: 2,
        conversationId: kGroup,
        admins: [kColleague]
      });
      assert.equal(removed.code, '0');
      assert.deepEqual((await act({type: 'robot.conv.admins', conversationId: kGroup})).admins, []);
    });

    await t.test('robot.invite.friends.join.group pushes robot.group.members.changed', async () => {
      const answer = await act({
        type: 'robot.invite.friends.join.group',
        groupId: kGroup,
        friends: [Number(kColleague2)]
      });
      assert.deepEqual([answer.code, typeof answer.dts, answer.robotBizType], ['0', 'string', '5']);
      const changed = await listener.next('action', a => a.type === 'robot.group.members.changed');
      assert.equal(changed.conversationId, kGroup);
      assert.deepEqual(
          changed.newMembers.map(m => [m.userId, m.nickName]),
          [[kColleague2, 'Pe']],
      );
      const members =
          (await api('/wxworkapi/group/member/list', {robotKey: kRobotKey, conversationId: kGroup}))
              .body;
      assert.ok(members.data.some(m => String(m.userId) === kColleague2));
      const stranger = await act({
        type: 'robot.invite.friends.join.group',
        groupId: kGroup,
        friends: ['7881000000000009']
      });
      assert.equal(stranger.code, '1');
    });

    await t.test('robot.kick.group.member', async () => {
      const answer =
          await act({type: 'robot.kick.group.member', groupId: kGroup, friends: [kCustomer2]});
      assert.equal(answer.code, '0', answer.msg);
      const changed = await listener.next(
          'action', a => a.type === 'robot.group.members.changed' && a.delMembers);
      assert.deepEqual(
          changed.delMembers.map(m => m.userId),
          [kCustomer2],
      );
      const left = (await api('/wxworkapi/group/member/list', {
                     robotKey: kRobotKey,
                     conversationId: kGroup,
                     memberUserId: kCustomer2,
                   })).body.data[0];
      assert.equal(left.status, 0);
      const again =
          await act({type: 'robot.kick.group.member', groupId: kGroup, friends: [kCustomer2]});
      assert.match(again.msg, /不在群内/);
    });

    await t.test('robot.modify.group.name', async () => {
      const answer =
          await act({type: 'robot.modify.group.name', groupId: kGroup, newName: '测试 25'});
      assert.deepEqual([answer.code, answer.newName, answer.groupId], ['0', '测试 25', kGroup]);
      const groups =
          (await api('/wxworkapi/group/list', {robotKey: kRobotKey, conversationId: kGroup})).body;
      assert.equal(groups.data[0].name, '测试 25');
      const blank = await act({type: 'robot.modify.group.name', groupId: kGroup, newName: ''});
      assert.equal(blank.code, '1');
    });

    await t.test('robot.create.group', async () => {
      const answer = await act({type: 'robot.create.group', friends: [kCustomer, kColleague]});
      assert.equal(answer.code, '0', answer.msg);
      assert.match(answer.groupId, /^R:\d+$/);
      assert.equal(answer.name, 'HONG、聚焦职教2、Ze');
      const members = (await api('/wxworkapi/group/member/list', {
                        robotKey: kRobotKey,
                        conversationId: answer.groupId
                      })).body;
      assert.equal(members.total, 3);
      const tooFew = await act({type: 'robot.create.group', friends: [kCustomer]});
      assert.equal(tooFew.code, '1');
    });

    await t.test('robot.contacts.inquiry for people and groups', async () => {
      const answer = await act(
          {type: 'robot.contacts.inquiry', contacts: [Number(kCustomer), kGroup, 'R:nope']});
      assert.equal(answer.code, '0');
      assert.deepEqual(answer.reqContacts, [Number(kCustomer), kGroup, 'R:nope']);
      assert.equal(answer.contacts.length, 2);
      const [person, group] = answer.contacts;
      assert.deepEqual(
          [person.userId, person.name, person.realRemarks], [kCustomer, '聚焦职教2', '职教']);
      assert.equal(group.conversationId, kGroup);
      assert.equal(group.creatorId, Number(kRobotWxid));
      assert.equal(group.memberList.length, group.memberCount);
    });

    await t.test('robot.set.group.announcement', async () => {
      const answer = await act(
          {type: 'robot.set.group.announcement', groupId: kGroup, isAll: 1, notice: '大家好'});
      assert.equal(answer.code, '0', answer.msg);
      const group =
          (await emulator.state()).robots[0].groups.find(g => g.conversationId === kGroup);
      assert.equal(group.notice, '大家好');
      const missing = await act({type: 'robot.set.group.announcement', groupId: kGroup});
      assert.match(missing.msg, /notice不能为空/);
    });

    await t.test('heartbeat, unknown types and missing fields', async () => {
      assert.equal((await act({type: 'chat.heart'})).code, '0');
      const unknown = await act({type: 'robot.fly'});
      assert.deepEqual([unknown.code, unknown.msg], ['1', '不支持的type: robot.fly']);
      const noRobot = await act({type: 'robot.tags.sync', robotKey: undefined});
      assert.match(noRobot.msg, /robotKey不能为空/);
    });

    await t.test(`the log records the ${via}`, async () => {
      const {actions, sent} = await emulator.state();
      assert.ok(actions.length > 20);
      assert.ok(actions.every(a => a.via === via));
      assert.ok(sent.every(s => s.via === via));
    });
  });
}
