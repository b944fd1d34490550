// Reading request fields: HTTP bodies (JSON or form-urlencoded, the document's
// default) and socket.io payloads. A bad field throws RequestError, which the
// callers answer with code "1" and the message naming the field.
'use strict';

class RequestError extends Error {
  constructor(message, code = '1') {
    super(message);
    this.code = code;
  }
}

// The document's bodies are form-urlencoded unless it says JSON; a client may
// send either, so both are read. Form arrays come as repeated keys, `key[]`
// or a JSON array text.
function parseBody(contentType, text) {
  if (text.trim() === '') return {};
  if (/json/i.test(contentType || '') || /^\s*[{[]/.test(text)) {
    let value;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new RequestError(`请求体不是合法的JSON: ${error.message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RequestError('请求体必须是JSON对象');
    }
    return value;
  }
  return parseForm(text);
}

function parseForm(text) {
  const fields = {};
  for (const [rawName, value] of new URLSearchParams(text)) {
    const name = rawName.endsWith('[]') ? rawName.slice(0, -2) : rawName;
    if (rawName.endsWith('[]') || name in fields) {
      const previous = fields[name];
      fields[name] = previous === undefined ? [value] : [].concat(previous, value);
    } else {
      fields[name] = value;
    }
  }
  return fields;
}

function isAbsent(value) {
  return value === undefined || value === null || value === '';
}

// `keepEmpty`: "" is a value (a field set to nothing), not an absent field.
function readString(fields, name, {required = false, maxLength, keepEmpty = false} = {}) {
  const value = fields[name];
  if (keepEmpty && value === '') return value;
  if (isAbsent(value)) {
    if (required) throw new RequestError(`${name}不能为空`);
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new RequestError(`${name}必须是字符串`);
  }
  const text = String(value);
  if (maxLength !== undefined && text.length > maxLength) {
    throw new RequestError(`${name}不能超过${maxLength}个字符`);
  }
  return text;
}

// Integers arrive as JSON numbers or as strings (forms, and the document's own
// examples: "taskType":"1").
function readInt(fields, name, {required = false, min, max, allowed} = {}) {
  const value = fields[name];
  if (isAbsent(value)) {
    if (required) throw new RequestError(`${name}不能为空`);
    return undefined;
  }
  const number = typeof value === 'number' ? value : /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) throw new RequestError(`${name}必须是整数`);
  if (allowed && !allowed.includes(number)) {
    throw new RequestError(`${name}必须是${allowed.join('/')}之一`);
  }
  if ((min !== undefined && number < min) || (max !== undefined && number > max)) {
    throw new RequestError(`${name}超出范围`);
  }
  return number;
}

// A user id (Long in the document): a JSON number or a string of digits,
// kept as the digit string.
function asUserId(value, name) {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) {
    throw new RequestError(`${name}不是合法的用户ID: ${JSON.stringify(value)}`);
  }
  return text;
}

function readUserId(fields, name, {required = false} = {}) {
  if (isAbsent(fields[name])) {
    if (required) throw new RequestError(`${name}不能为空`);
    return undefined;
  }
  return asUserId(fields[name], name);
}

// An array field: a JSON array, repeated form keys, or (from a form) one JSON
// array text.
function readArray(fields, name, {required = false, nonEmpty = false} = {}) {
  let value = fields[name];
  if (isAbsent(value)) {
    if (required) throw new RequestError(`${name}不能为空`);
    return undefined;
  }
  if (typeof value === 'string') {
    if (/^\s*\[/.test(value)) {
      try {
        value = JSON.parse(value);
      } catch {
        throw new RequestError(`${name}必须是数组`);
      }
    } else {
      value = [value];
    }
  }
  if (!Array.isArray(value)) throw new RequestError(`${name}必须是数组`);
  if (nonEmpty && value.length === 0) throw new RequestError(`${name}不能为空`);
  return value;
}

function readStringArray(fields, name, options = {}) {
  const values = readArray(fields, name, options);
  if (values === undefined) return undefined;
  return values.map(value => {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new RequestError(`${name}的元素必须是字符串`);
    }
    return String(value);
  });
}

function readUserIdArray(fields, name, options = {}) {
  const values = readArray(fields, name, options);
  return values === undefined ? undefined : values.map(value => asUserId(value, name));
}

module.exports = {
  RequestError,
  parseBody,
  readString,
  readInt,
  readUserId,
  readArray,
  readStringArray,
  readUserIdArray,
  asUserId,
};
