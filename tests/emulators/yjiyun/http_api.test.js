// The HTTP endpoints of sections 2.2-2.13: lists with pagination and filters,
// the group download, mass-send tasks, group setting duplication, chats,
// messages, unread clearing, contact sync, and bad requests.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const {
  baseConfig,
  startEmulator,
  kRobotKey,
  kRobotWxid,
  kOtherRobotKey,
  kColleague,
  kCustomer,
  kCustomer2,
  kCustomer3,
  kGroup,
} = require('./harness');

test('HTTP API', async t => {
  const config = baseConfig();
  config.maxPageSize = 30;
  config.generate = {customers: 45, groups: 3, seed: 2};
  const emulator = await startEmulator(config);
  t.after(() => emulator.stop());
  const token = await emulator.token();
  const api = (path, fields, options = {}) => emulator.api(path, fields, {token, ...options});

  await t.test('robot/list shows the document fields', async () => {
    const {body} = await api('/wxworkapi/robot/list');
    assert.equal(body.code, '0');
    assert.equal(body.total, 1);
    const [robot] = body.data;
    assert.deepEqual(
        Object.keys(robot).sort(),
        [
          'aliasName',
          'clientCode',
          'color',
          'corpid',
          'headImg',
          'lastLoginTime',
          'masterClientCode',
          'nickName',
          'officialUserId',
          'robotKey',
          'robotStatus',
          'serviceCode',
          'wxid',
        ],
    );
    assert.equal(robot.wxid, kRobotWxid);
    assert.equal(robot.robotStatus, 1);
  });

  await t.test('external/user/list pages with total and clamps pageSize', async () => {
    const first = (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey})).body;
    assert.equal(first.total, 48);
    assert.equal(first.data.length, 20, 'pageSize defaults to 20');
    assert.equal(first.data[0].userId, Number(kCustomer));
    const third =
        (await api(
             '/wxworkapi/external/user/list', {robotKey: kRobotKey, pageNum: 3, pageSize: 20}))
            .body;
    assert.equal(third.data.length, 8);
    const clamped =
        (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey, pageSize: 1000})).body;
    assert.equal(clamped.data.length, 30);
    const beyond =
        (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey, pageNum: 9})).body;
    assert.deepEqual([beyond.total, beyond.data.length], [48, 0]);
    const all = new Set();
    for (let pageNum = 1; pageNum <= 3; ++pageNum) {
      const page =
          (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey, pageNum, pageSize: 20}))
              .body;
      page.data.forEach(c => all.add(c.userId));
    }
    assert.equal(all.size, 48, 'pages neither overlap nor skip');
  });

  await t.test('external/user/list filters', async () => {
    const list = async fields =>
        (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey, ...fields})).body;
    assert.deepEqual(
        (await list({status: 0})).data.map(c => String(c.userId)),
        [kCustomer3],
    );
    assert.equal((await list({status: 0})).data[0].isDelete, 1);
    assert.deepEqual(
        (await list({userId: kCustomer2})).data.map(c => c.name),
        ['disten'],
    );
    assert.deepEqual(
        (await list({name: '职教'})).data.map(c => String(c.userId)),
        [kCustomer],
        'name matches the remark too',
    );
    assert.deepEqual(
        (await list({tagList: ['消费品']})).data.map(c => String(c.userId)),
        [kCustomer],
    );
    assert.equal((await list({tagList: ['连锁零售']})).total, 0);
    const form = (await api(
                      '/wxworkapi/external/user/list',
                      {robotKey: kRobotKey, tagList: ['连锁零售', '消费品']},
                      {form: true},
                      ))
                     .body;
    assert.equal(form.total, 1, 'form arrays as repeated keys');
    const customer = (await list({userId: kCustomer})).data[0];
    assert.equal(customer.isOuterUser, 1);
    assert.equal(customer.realRemarks, '职教');
    assert.equal(customer.gmtCreate, '2020-03-06 17:31:24');
  });

  await t.test('external/user/list refuses bad input clearly', async () => {
    const missing = (await api('/wxworkapi/external/user/list', {})).body;
    assert.deepEqual([missing.code, missing.msg], ['1', 'robotKey不能为空']);
    const badPage =
        (await api('/wxworkapi/external/user/list', {robotKey: kRobotKey, pageNum: 'x'})).body;
    assert.equal(badPage.code, '1');
    assert.match(badPage.msg, /pageNum/);
    const foreign = (await api('/wxworkapi/external/user/list', {robotKey: kOtherRobotKey})).body;
    assert.equal(foreign.code, '1');
  });

  await t.test('group/list and its filters', async () => {
    const all = (await api('/wxworkapi/group/list', {robotKey: kRobotKey})).body;
    assert.equal(all.total, 4);
    const mine = all.data.find(g => g.conversationId === kGroup);
    assert.deepEqual(
        {
          creatorId: mine.creatorId,
          creatorName: mine.creatorName,
          memberCount: mine.memberCount,
          outerUserCount: mine.outerUserCount,
          status: mine.status,
          isOuterGroupConversation: mine.isOuterGroupConversation,
        },
        {
          creatorId: Number(kRobotWxid),
          creatorName: '甜甜甜',
          memberCount: 4,
          outerUserCount: 2,
          status: 1,
          isOuterGroupConversation: 1,
        },
    );
    const byName = (await api('/wxworkapi/group/list', {robotKey: kRobotKey, name: '生成'})).body;
    assert.equal(byName.total, 3);
    const byId =
        (await api('/wxworkapi/group/list', {robotKey: kRobotKey, conversationId: kGroup})).body;
    assert.equal(byId.total, 1);
    const paged =
        (await api('/wxworkapi/group/list', {robotKey: kRobotKey, pageSize: 3, pageNum: 2})).body;
    assert.deepEqual([paged.total, paged.data.length], [4, 1]);
  });

  await t.test('group/member/list', async () => {
    const members =
        (await api('/wxworkapi/group/member/list', {robotKey: kRobotKey, conversationId: kGroup}))
            .body;
    assert.equal(members.total, 4);
    const creator = members.data.find(m => m.isCreator === 1);
    assert.equal(String(creator.userId), kRobotWxid);
    const colleague = members.data.find(m => String(m.userId) === kColleague);
    assert.deepEqual(
        [colleague.isOuterUser, colleague.isExternalUser, colleague.name], [0, 0, 'Ze']);
    const customer = members.data.find(m => String(m.userId) === kCustomer);
    assert.deepEqual([customer.isOuterUser, customer.isExternalUser], [1, 1]);
    const named = (await api('/wxworkapi/group/member/list', {
                    robotKey: kRobotKey,
                    conversationId: kGroup,
                    memberName: 'dist',
                  })).body;
    assert.deepEqual(
        named.data.map(m => String(m.userId)),
        [kCustomer2],
    );
    const unknown =
        (await api('/wxworkapi/group/member/list', {robotKey: kRobotKey, conversationId: 'R:1'}))
            .body;
    assert.equal(unknown.code, '1');
  });

  await t.test('grouptag/list/download in both request forms', async () => {
    const chosen = (await api('/wxworkapi/grouptag/list/download', {
                     robotKey: kRobotKey,
                     conversationIds: [kGroup]
                   })).body;
    assert.equal(chosen.code, '0');
    const csv = await (await fetch(chosen.downloadUrl)).text();
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], '序号,群名称,群主,状态,群类型,群人数,创建时间,更新时间');
    assert.equal(lines.length, 2);
    assert.match(lines[1], /^0,99998,甜甜甜,正常,外部群,4,/);
    const query = (await api('/wxworkapi/grouptag/list/download', {
                    robotKeys: [kRobotKey],
                    orderBy: 1,
                    memberCount: 4,
                  })).body;
    const rows = (await (await fetch(query.downloadUrl)).text()).trim().split('\n').slice(1);
    assert.deepEqual(
        rows.map(r => r.split(',')[1]),
        ['99998', '生成群1', '生成群2', '生成群3'],
    );
  });

  await t.test('multiple/task/save validates and stores', async () => {
    const task = {
      token,
      name: '消息群发 test',
      taskType: '1',
      commandType: 'wxwork.robot.batch.send',
      taskRule: '2',
      taskData: {
        contents: [
          {content: '消息群发 test', msgType: 1},
          {content: 'http://mfile.yjiyun.com/a.jpg', msgType: 3},
          {msgType: 78, title: '微信读书', content: '向上生长', senderName: '凯撒'},
        ],
        acceptTarget: [{robotKey: kRobotKey, chatUser: [kGroup]}],
        isGroupChat: '2',
      },
      suitCount: 1,
      perSuitSecond: 45,
      perSuitSecondUpper: 60,
    };
    const saved = (await emulator.api('/wxworkapi/multiple/task/save', task)).body;
    assert.equal(saved.code, '0');
    assert.equal(saved.data.taskId, 1);
    const flat = (await api('/wxworkapi/multiple/task/save', {
                   name: 'flat',
                   taskType: 2,
                   execStartTime: '09:30',
                   weekday: ['MON', '3'],
                   commandType: 'wxwork.robot.batch.send',
                   isGroupChat: 1,
                   suitCount: 12,
                   robotKey: kRobotKey,
                   chatUser: [kCustomer],
                   msgType: 16,
                   link: 'https://www.yjiyun.com',
                   title: '卡片',
                 })).body;
    assert.equal(flat.code, '0');
    const reject = async (change, pattern) => {
      const {body} = await api('/wxworkapi/multiple/task/save', {...task, ...change});
      assert.equal(body.code, '1', JSON.stringify(change));
      assert.match(body.msg, pattern);
    };
    await reject({name: ''}, /name不能为空/);
    await reject({commandType: 'x'}, /commandType/);
    await reject({perSuitSecond: undefined}, /perSuitSecond不能为空/);
    await reject({perSuitSecondUpper: 10}, /perSuitSecondUpper/);
    await reject({taskType: 2}, /execStartTime/);
    await reject({taskType: 2, execStartTime: '25:00', weekday: ['MON']}, /execStartTime/);
    await reject({taskData: {...task.taskData, contents: [{msgType: 2, content: 'x'}]}}, /msgType/);
    await reject({taskData: {...task.taskData, contents: [{msgType: 16, title: 't'}]}}, /link/);
    await reject(
        {
          taskData: {...task.taskData, acceptTarget: [{robotKey: kRobotKey, chatUser: [kCustomer]}]}
        },
        /chatUser无效/,
    );
    const {tasks} = await emulator.state();
    assert.equal(tasks.length, 2);
    assert.equal(tasks[0].contents.length, 3);
    assert.equal(tasks[0].token, undefined);
    assert.deepEqual(tasks[1].weekday, ['MON', '3']);
  });

  await t.test('group/setting/duplicate', async () => {
    const generated = (await api('/wxworkapi/group/list', {robotKey: kRobotKey, name: '生成'}))
                          .body.data.map(
                              g => g.conversationId,
                          );
    const ok = (await api('/wxworkapi/group/setting/duplicate', {
                 chatroom: [`${generated[0]};${generated[1]}`],
                 g: kGroup,
                 module: ['WELCOME_NEW_MEMBER', 'PERIOD_AUTO_REPLY'],
                 r: kRobotKey,
                 robotKey: [kRobotKey],
               })).body;
    assert.deepEqual(ok, {code: '0', msg: 'ok'});
    const badModule = (await api('/wxworkapi/group/setting/duplicate', {
                        chatroom: [generated[0]],
                        g: kGroup,
                        module: ['NOPE'],
                        r: kRobotKey,
                        robotKey: [kRobotKey],
                      })).body;
    assert.match(badModule.msg, /module/);
    const mismatch = (await api('/wxworkapi/group/setting/duplicate', {
                       chatroom: [generated[0], generated[1]],
                       g: kGroup,
                       module: ['WELCOME_NEW_MEMBER'],
                       r: kRobotKey,
                       robotKey: [kRobotKey],
                     })).body;
    assert.match(mismatch.msg, /长度/);
    const {groupSettings} = await emulator.state();
    assert.deepEqual(
        groupSettings[0].targets, [{robotKey: kRobotKey, groups: [generated[0], generated[1]]}]);
  });

  await t.test('chat/list, chat/message and unreadmsg/clean', async () => {
    const group = await emulator.control('messages', {
      robotKey: kRobotKey,
      chatUser: kGroup,
      from: kCustomer,
      count: 5,
      content: '群消息{i}',
    });
    await emulator.control('messages', {
      robotKey: kRobotKey,
      chatUser: kCustomer2,
      count: 3,
      contentType: 7,
    });
    const chats = (await api('/wxworkapi/chat/list', {count: 10})).body;
    assert.equal(chats.code, '0');
    assert.deepEqual(
        chats.chats.map(c => c.chatUser),
        [kCustomer2, kGroup],
    );
    const [privateChat, groupChat] = chats.chats;
    assert.equal(privateChat.chatId, `S:${kRobotWxid}_${kCustomer2}`);
    assert.deepEqual(
        [privateChat.unreadCount, privateChat.pushContent, privateChat.isGroupChat],
        [3, '[图片]', 0]);
    assert.equal(groupChat.chatId, `S:${kRobotWxid}_${kGroup}`);
    assert.equal(groupChat.pushContent, '职教: 群消息5');
    assert.equal(groupChat.botInfo.robotKey, kRobotKey);
    assert.equal((await api('/wxworkapi/chat/list', {count: 1})).body.chats.length, 1);
    const older =
        (await api('/wxworkapi/chat/list', {count: 10, timestamp: privateChat.lastMsgActive - 1}))
            .body;
    assert.deepEqual(
        older.chats.map(c => c.chatUser),
        [kGroup],
    );
    assert.equal((await api('/wxworkapi/chat/list', {})).body.code, '1', 'count is required');
    // Chats made to share one time come in a stable order.
    await emulator.control(
        'chats', {robotKey: kRobotKey, chatUser: kGroup, lastMsgActive: privateChat.lastMsgActive});
    const tiedAt = privateChat.lastMsgActive;
    const tied = (await api('/wxworkapi/chat/list', {count: 10, timestamp: tiedAt})).body;
    assert.deepEqual(tied.chats.map(c => c.lastMsgActive), [tiedAt, tiedAt]);
    await assert.rejects(
        emulator.control('chats', {robotKey: kRobotKey, chatUser: kCustomer3, lastMsgActive: 1}),
        /没有该会话/);
    await emulator.control(
        'chats', {robotKey: kRobotKey, chatUser: kGroup, lastMsgActive: groupChat.lastMsgActive});

    const messages =
        (await api('/wxworkapi/chat/message', {robotKey: kRobotKey, chatUser: kGroup})).body;
    assert.equal(messages.total, 5);
    assert.deepEqual(
        messages.model.map(m => m.content.content),
        ['群消息5', '群消息4', '群消息3', '群消息2', '群消息1'],
    );
    const first = messages.model[4];
    assert.equal(first.from.contactId, kCustomer);
    assert.equal(first.from.isGroupContact, 1);
    assert.equal(first.chatName, '99998');
    assert.ok(first.messageId.length <= 32);
    const stamps = group.messages.map(m => m.timestamp);
    const window = (await api('/wxworkapi/chat/message', {
                     robotKey: kRobotKey,
                     chatUser: kGroup,
                     s_timestamp: stamps[1],
                     timestamp: stamps[3],
                   })).body;
    assert.deepEqual(
        window.model.map(m => m.content.content),
        ['群消息4', '群消息3', '群消息2'],
    );
    const paged = (await api('/wxworkapi/chat/message', {
                    robotKey: kRobotKey,
                    chatUser: kGroup,
                    offset: 1,
                    count: 2,
                  })).body;
    assert.deepEqual(
        paged.model.map(m => m.content.content),
        ['群消息4', '群消息3'],
    );
    const byId = (await api('/wxworkapi/chat/message', {
                   robotKey: kRobotKey,
                   chatUser: kGroup,
                   msgIds: [group.messages[0].messageId],
                 })).body;
    assert.deepEqual(
        byId.model.map(m => m.content.content),
        ['群消息1'],
    );
    const images = (await api('/wxworkapi/chat/message', {
                     robotKey: kRobotKey,
                     chatUser: kCustomer2,
                     contentType: 1,
                   })).body;
    assert.equal(images.total, 0);

    const cleaned = (await api('/wxworkapi/unreadmsg/clean', {chatId: privateChat.chatId})).body;
    assert.equal(cleaned.code, '0');
    const after = (await api('/wxworkapi/chat/list', {count: 10, robotKey: kRobotKey})).body;
    assert.equal(after.chats.find(c => c.chatUser === kCustomer2).unreadCount, 0);
    assert.equal(after.chats.find(c => c.chatUser === kGroup).unreadCount, 5);
    const unknown = (await api('/wxworkapi/unreadmsg/clean', {
                      chatId: `S:${kRobotWxid}_7881000000000000`
                    })).body;
    assert.equal(unknown.code, '1');
  });

  await t.test('contact/sync', async () => {
    assert.equal(
        (await api('/wxworkapi/contact/sync', {robotKey: kRobotKey, syncType: 3})).body.code, '0');
    assert.equal(
        (await api('/wxworkapi/contact/sync', {robotKey: kRobotKey, syncType: 9})).body.code, '1');
    assert.deepEqual((await emulator.state()).contactSyncs, [{robotKey: kRobotKey, syncType: 3}]);
  });

  await t.test('malformed requests', async () => {
    const response = await fetch(`${emulator.baseUrl}/wxworkapi/robot/list`, {
      method: 'POST',
      headers: {token, 'content-type': 'application/json'},
      body: '{"robotKey": ',
    });
    const body = await response.json();
    assert.equal(body.code, '1');
    assert.match(body.msg, /JSON/);
    const get = await fetch(`${emulator.baseUrl}/wxworkapi/robot/list`, {headers: {token}});
    assert.equal(get.status, 405);
    const missing = await fetch(`${emulator.baseUrl}/wxworkapi/nothing`, {method: 'POST'});
    assert.equal(missing.status, 404);
  });
});
