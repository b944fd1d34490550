#!/usr/bin/env node
// Runs s3rver (an S3-protocol server from npm) for tests: on 127.0.0.1 at the
// port the kernel picks, with one bucket, and prints
// "listening on 127.0.0.1:PORT" once it accepts connections.
//
// s3rver 3.7 checks only the access key id of a Signature Version 4 request,
// not the signature, so this launcher puts a verifier in front of it: a
// request whose signature does not match its account's secret gets 403
// SignatureDoesNotMatch, as from AWS. Before listening, the verifier checks
// itself against the signatures AWS publishes in its SigV4 documentation.
// It also fixes two ranges s3rver answers unlike S3 (see answerRangesAsS3).
//
// Usage: node s3rver_launcher.js --directory DIR --bucket NAME
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const S3rver = require('s3rver');
const S3Error = require('s3rver/lib/models/error');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

// s3rver's built-in account.
const kSecrets = new Map([['S3RVER', 'S3RVER']]);
const kMaxClockSkewMs = 15 * 60 * 1000;

function sha256Hex(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data).digest();
}

// RFC 3986 percent-encoding of everything but unreserved characters.
function uriEncode(text) {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    c => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

// S3's canonical URI: each path segment decoded, then encoded once.
function canonicalUri(rawPath) {
  return rawPath
    .split('/')
    .map(segment => uriEncode(decodeURIComponent(segment)))
    .join('/');
}

function canonicalQuery(rawQuery) {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map(pair => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      const value = equals < 0 ? '' : pair.slice(equals + 1);
      const decode = s => decodeURIComponent(s.replace(/\+/g, ' '));
      return [uriEncode(decode(name)), uriEncode(decode(value))];
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

// The Signature Version 4 signature of a request. `headers` has lowercase
// names; `signedHeaders` lists the ones signed, sorted.
function signature({ method, rawPath, rawQuery, headers, signedHeaders, secret, scope }) {
  const canonicalHeaders = signedHeaders
    .map(name => `${name}:${String(headers[name]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    method,
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    signedHeaders.join(';'),
    headers['x-amz-content-sha256'],
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    headers['x-amz-date'],
    scope.join('/'),
    sha256Hex(canonicalRequest),
  ].join('\n');
  let key = 'AWS4' + secret;
  for (const part of scope) key = hmac(key, part);
  return hmac(key, stringToSign).toString('hex');
}

function denied(code, message) {
  return new S3Error(code, message);
}

// Checks the Authorization header of a request as S3 does; throws the S3
// error S3 would answer with.
function verify(req) {
  const authorization = req.headers['authorization'];
  if (!authorization) throw denied('AccessDenied', 'Anonymous access is forbidden');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) {
    throw denied('AuthorizationHeaderMalformed', 'The authorization header is malformed');
  }
  const [, accessKeyId, scopeText, signedText, signatureProvided] = match;
  const secret = kSecrets.get(accessKeyId);
  if (secret === undefined) {
    throw denied('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist');
  }
  const scope = scopeText.split('/');
  const date = req.headers['x-amz-date'] || '';
  if (scope.length !== 4 || scope[0] !== date.slice(0, 8) || scope[3] !== 'aws4_request') {
    throw denied('AuthorizationHeaderMalformed', 'The credential scope is malformed');
  }
  const signedHeaders = signedText.split(';');
  const sorted = [...signedHeaders].sort().join(';') === signedText;
  const missing = signedHeaders.filter(name => !(name in req.headers));
  const unsigned = Object.keys(req.headers).filter(
    name => name.startsWith('x-amz-') && !signedHeaders.includes(name),
  );
  if (!sorted || missing.length || unsigned.length || !signedHeaders.includes('host')) {
    throw denied('SignatureDoesNotMatch', 'The signed headers do not match the request');
  }
  if (!req.headers['x-amz-content-sha256']) {
    throw denied('InvalidRequest', 'Missing required header: x-amz-content-sha256');
  }
  const requestTime = Date.parse(
    date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (!(Math.abs(Date.now() - requestTime) <= kMaxClockSkewMs)) {
    throw denied('RequestTimeTooSkewed', 'The request time is too far from the server time');
  }
  const queryAt = req.url.indexOf('?');
  const expected = signature({
    method: req.method,
    rawPath: queryAt < 0 ? req.url : req.url.slice(0, queryAt),
    rawQuery: queryAt < 0 ? '' : req.url.slice(queryAt + 1),
    headers: req.headers,
    signedHeaders,
    secret,
    scope,
  });
  if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signatureProvided))) {
    throw denied(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided',
    );
  }
}

// The GET Object, PUT Object and GET Bucket examples of AWS's "Signature
// Calculations for the Authorization Header: Transferring Payload in a Single
// Chunk", with their published signatures.
function checkAgainstAwsExamples() {
  const emptyHash = sha256Hex('');
  const common = {
    secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    scope: ['20130524', 'us-east-1', 's3', 'aws4_request'],
  };
  const host = 'examplebucket.s3.amazonaws.com';
  const date = '20130524T000000Z';
  const examples = [
    {
      method: 'GET',
      rawPath: '/test.txt',
      rawQuery: '',
      headers: {
        host,
        range: 'bytes=0-9',
        'x-amz-content-sha256': emptyHash,
        'x-amz-date': date,
      },
      signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      published: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    },
    {
      method: 'PUT',
      rawPath: '/test$file.text',
      rawQuery: '',
      headers: {
        date: 'Fri, 24 May 2013 00:00:00 GMT',
        host,
        'x-amz-content-sha256': sha256Hex('Welcome to Amazon S3.'),
        'x-amz-date': date,
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      },
      signedHeaders: ['date', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-storage-class'],
      published: '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    },
    {
      method: 'GET',
      rawPath: '/',
      rawQuery: 'max-keys=2&prefix=J',
      headers: { host, 'x-amz-content-sha256': emptyHash, 'x-amz-date': date },
      signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'],
      published: '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    },
  ];
  for (const example of examples) {
    const computed = signature({ ...common, ...example });
    if (computed !== example.published) {
      throw new Error(`SigV4 verifier disagrees with AWS's ${example.method} example: ${computed}`);
    }
  }
}

// s3rver takes the end of "bytes=0-0" for no end and sends the whole object,
// and answers any range of an empty object with a 206 that promises a byte it
// never sends. S3 sends the one byte, and refuses the range with 416
// InvalidRange (which s3rver answers for a range it finds no content for).
function answerRangesAsS3() {
  const getObject = FilesystemStore.prototype.getObject;
  FilesystemStore.prototype.getObject = async function getObjectAsS3(bucket, key, options) {
    const object = await getObject.call(this, bucket, key, options);
    if (!object || !object.content || !object.range) return object;
    if (object.size === 0) {
      object.content.destroy();
      object.content = null;
    } else if (options.start === 0 && options.end === 0) {
      object.content.destroy();
      object.content = fs.createReadStream(this.getResourcePath(bucket, key, 'object'), {
        start: 0,
        end: 0,
      });
      object.range.end = 0;
    }
    return object;
  };
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i + 1 < argv.length; i += 2) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  if (!args.directory || !args.bucket) {
    throw new Error('usage: s3rver_launcher.js --directory DIR --bucket NAME');
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  checkAgainstAwsExamples();
  answerRangesAsS3();
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: args.directory,
    silent: true,
    configureBuckets: [{ name: args.bucket }],
  });
  // First in line, so no request reaches s3rver unverified; s3rver's error
  // handler turns the thrown S3Error into its XML answer.
  server.middleware.unshift(async (ctx, next) => {
    verify(ctx.req);
    await next();
  });
  const { address, port } = await server.run();
  process.stdout.write(`listening on ${address}:${port}\n`);
}

main().catch(error => {
  process.stderr.write(`s3rver_launcher: ${error.stack || error}\n`);
  process.exit(1);
});
