// The emulator's config file (README.md, "Config file"): accounts, token
// lifetime, the engine.io version spoken, tagging behaviour, and the initial
// world (corps with their tags, robots with customers, colleagues and groups).
// Unknown keys and wrong types are errors naming the key.
'use strict';

class ConfigError extends Error {}

function fail(path, message) {
  throw new ConfigError(`${path}: ${message}`);
}

function checkObject(value, path, validators) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(path, 'must be an object');
  }
  for (const key of Object.keys(value)) {
    if (!(key in validators)) fail(`${path}.${key}`, 'unknown key');
  }
  const result = {};
  for (const [key, validate] of Object.entries(validators)) {
    result[key] = validate(value[key], `${path}.${key}`);
  }
  return result;
}

const object = validators => (value, path) => checkObject(value, path, validators);

const optional = (validate, fallback) => (value, path) => value === undefined ?
    (typeof fallback === 'function' ? fallback() : fallback) :
    validate(value, path);

function required(validate) {
  return (value, path) => {
    if (value === undefined) fail(path, 'is required');
    return validate(value, path);
  };
}

function string(value, path) {
  if (typeof value !== 'string') fail(path, 'must be a string');
  return value;
}

function boolean(value, path) {
  if (typeof value !== 'boolean') fail(path, 'must be true or false');
  return value;
}

const integer = (min = -Infinity, max = Infinity) => (value, path) => {
  if (!Number.isSafeInteger(value)) fail(path, 'must be an integer');
  if (value < min || value > max) fail(path, `must be in [${min}, ${max}]`);
  return value;
};

// User, label and robot ids: digit strings, or numbers below 2^53.
function digits(value, path) {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) fail(path, 'must be a numeric id');
  return value;
}

function groupId(value, path) {
  if (typeof value !== 'string' || !/^R:\S+$/.test(value)) fail(path, 'must be "R:…"');
  return value;
}

const oneOf = allowed => (value, path) => {
  if (!allowed.includes(value)) fail(path, `must be one of ${allowed.map(String).join(', ')}`);
  return value;
};

const arrayOf = validate => (value, path) => {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  return value.map((item, index) => validate(item, `${path}[${index}]`));
};

const list = validate => optional(arrayOf(validate), () => []);

const label = object({
  labelId: required(digits),
  name: required(string),
  createTime: optional(string, '2020-10-29 20:29:02'),
});

const tagGroup = object({
  labelId: required(digits),
  name: required(string),
  createTime: optional(string, '2020-10-29 20:29:02'),
  // The corp's shared labels, or the robot's own ("个人标签", the document's
  // personLabel).
  personal: optional(boolean, false),
  labels: list(label),
});

const corp = object({
  corpid: required(string),
  companyId: optional(digits, ''),
  companyName: optional(string, ''),
  tagGroups: list(tagGroup),
});

const colleague = object({
  userId: required(digits),
  name: optional(string, ''),
  avatorUrl: optional(string, ''),
  gender: optional(integer(0, 2), 0),
  mobile: optional(string, ''),
  position: optional(string, ''),
});

const customer = object({
  userId: required(digits),
  name: optional(string, ''),
  realRemarks: optional(string, ''),
  remarks: optional(string, ''),
  avatorUrl: optional(string, ''),
  mobile: optional(string, ''),
  gender: optional(integer(0, 2), 0),
  // 1 normal, 0 deleted (the document's status).
  status: optional(oneOf([0, 1]), 1),
  corpid: optional(string, ''),
  tags: list(digits),
  gmtCreate: optional(string, '2020-03-06 17:31:24'),
});

// A member is a user id (its name is looked up among the robot's customers
// and colleagues) or an object.
function member(value, path) {
  if (typeof value !== 'object' || value === null) return {userId: digits(value, path)};
  return checkObject(value, path, {
    userId: required(digits),
    name: optional(string, undefined),
    avatorUrl: optional(string, undefined),
    gender: optional(integer(0, 2), undefined),
  });
}

const group = object({
  conversationId: required(groupId),
  name: optional(string, ''),
  creatorId: optional(digits, undefined),
  createTime: optional(string, '2019-12-21 15:54:25'),
  // Whether the robot is in the group: 1 yes, 0 no (left or removed).
  status: optional(oneOf([0, 1]), 1),
  admins: list(digits),
  notice: optional(string, ''),
  members: list(member),
});

const robot = object({
  robotKey: required(string),
  wxid: required(digits),
  nickName: optional(string, ''),
  aliasName: optional(string, null),
  headImg: optional(string, ''),
  robotStatus: optional(integer(0, 4), 1),
  clientCode: optional(string, undefined),
  masterClientCode: optional(string, undefined),
  officialUserId: optional(string, ''),
  corpid: optional(string, ''),
  lastLoginTime: optional(string, '2020-03-23 14:14:48'),
  assignTo: optional(string, undefined),
  address: optional(string, ''),
  colleagues: list(colleague),
  customers: list(customer),
  groups: list(group),
});

const stranger = object({
  phone: required(string),
  userId: required(digits),
  name: optional(string, ''),
  wechatImgUrl: optional(string, ''),
  gender: optional(integer(0, 2), 0),
  isOuterUser: optional(oneOf([0, 1]), 1),
});

const user = object({
  accessKey: required(string),
  accessSecret: required(string),
  username: optional(string, undefined),
});

const topLevel = object({
  users: required(arrayOf(user)),
  expireMinutes: optional(integer(1), 120),
  engineIo: optional(oneOf(['3', '4', 'both']), '4'),
  tagProcessingMs: optional(integer(0, 60000), 200),
  failConcurrentTagging: optional(boolean, true),
  maxPageSize: optional(integer(1), 100),
  pingIntervalMs: optional(integer(100), 25000),
  pingTimeoutMs: optional(integer(100), 20000),
  corps: list(corp),
  robots: list(robot),
  strangers: list(stranger),
  generate: optional(
      object({
        customers: optional(integer(0, 100000), 0),
        groups: optional(integer(0, 10000), 0),
        seed: optional(integer(0), 1),
      }),
      null,
      ),
});

// A small deterministic generator (mulberry32), so generated worlds repeat.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const kSurnames = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const kGivenNames =
    ['小红', '小明', '晓琪', '嘉仪', '利生', '平哥', '蘑菇', '甜甜', '江夏', '凯撒'];

function generateWorld(config) {
  const {customers: customerCount, groups: groupCount, seed} = config.generate;
  config.robots.forEach((robotConfig, robotIndex) => {
    const next = random(seed * 7919 + robotIndex);
    const pick = items => items[Math.floor(next() * items.length)];
    const firstId = 7881300000000000 + robotIndex * 1000000 + seed * 100000000;
    const generated = [];
    for (let i = 1; i <= customerCount; ++i) {
      generated.push({
        userId: String(firstId + i),
        name: `${pick(kSurnames)}${pick(kGivenNames)}${i}`,
        realRemarks: '',
        remarks: '',
        avatorUrl: `http://wx.qlogo.cn/mmhead/generated${i}/0`,
        mobile: `139${String(firstId + i).slice(-8)}`,
        gender: Math.floor(next() * 3),
        status: 1,
        corpid: '',
        tags: [],
        gmtCreate: '2020-03-06 17:31:24',
      });
    }
    robotConfig.customers.push(...generated);
    for (let g = 1; g <= groupCount && generated.length > 0; ++g) {
      const members = [{userId: robotConfig.wxid}];
      for (let m = 0; m < Math.min(3, generated.length); ++m) {
        members.push({userId: generated[(g * 3 + m) % generated.length].userId});
      }
      robotConfig.groups.push({
        conversationId: `R:1069605${String(seed).padStart(3, '0')}${
            String(robotIndex).padStart(3, '0')}${String(g).padStart(4, '0')}`,
        name: `生成群${g}`,
        creatorId: robotConfig.wxid,
        createTime: '2021-07-07 15:06:01',
        status: 1,
        admins: [],
        notice: '',
        members,
      });
    }
  });
}

function checkReferences(config) {
  const usernames = new Set(config.users.map(u => u.username));
  const robotKeys = new Set();
  const corpids = new Set(config.corps.map(c => c.corpid));
  config.robots.forEach((r, index) => {
    const path = `config.robots[${index}]`;
    if (robotKeys.has(r.robotKey)) fail(`${path}.robotKey`, `duplicate ${r.robotKey}`);
    robotKeys.add(r.robotKey);
    if (!usernames.has(r.clientCode) && !usernames.has(r.masterClientCode)) {
      fail(`${path}.clientCode`, `names no user (users[].username): ${r.clientCode}`);
    }
    if (r.corpid !== '' && !corpids.has(r.corpid)) {
      fail(`${path}.corpid`, `names no corp (corps[].corpid): ${r.corpid}`);
    }
    r.groups.forEach((g, gi) => {
      g.admins.forEach((admin, ai) => {
        if (!g.members.some(m => m.userId === admin)) {
          fail(`${path}.groups[${gi}].admins[${ai}]`, `${admin} is not a member`);
        }
      });
    });
  });
}

// Parses a config document into the normalized config (defaults filled in,
// ids as digit strings, generated customers and groups added).
function parseConfig(text) {
  let json;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config: not JSON: ${error.message}`);
  }
  const config = topLevel(json, 'config');
  if (config.users.length === 0) fail('config.users', 'must name at least one user');
  for (const u of config.users) u.username = u.username ?? u.accessKey;
  const defaultClientCode = config.users[0].username;
  for (const r of config.robots) {
    r.clientCode = r.clientCode ?? defaultClientCode;
    r.masterClientCode = r.masterClientCode ?? r.clientCode;
    r.assignTo = r.assignTo ?? r.clientCode;
    for (const g of r.groups) {
      g.creatorId = g.creatorId ?? r.wxid;
      if (!g.members.some(m => m.userId === r.wxid)) g.members.unshift({userId: r.wxid});
    }
  }
  if (config.generate) generateWorld(config);
  checkReferences(config);
  return config;
}

module.exports = {
  ConfigError,
  parseConfig
};
