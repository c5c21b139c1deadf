import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amzDate, canonicalQuery, EMPTY_SHA256, sha256Hex, signV4, uriEncode } from './sigv4.ts';

// The four worked examples of AWS's Amazon S3 API reference, "Examples: Signature Calculations in
// AWS Signature Version 4" (sig-v4-header-based-auth): example credentials, bucket `examplebucket`
// (virtual-hosted style), 2013-05-24T00:00:00Z, us-east-1. Each gives the hash of the canonical
// request (last line of the string to sign) and the final signature, computed by AWS, not by us.
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const common = { host: 'examplebucket.s3.amazonaws.com', region: 'us-east-1', credentials, date: new Date('2013-05-24T00:00:00Z') };

describe('SigV4 signer against the AWS S3 published examples', () => {
  it('GET Object with a Range header', () => {
    const r = signV4({ ...common, method: 'GET', path: '/test.txt', headers: { Range: 'bytes=0-9' }, payloadHash: EMPTY_SHA256 });
    assert.equal(
      r.canonicalRequest,
      [
        'GET',
        '/test.txt',
        '',
        'host:examplebucket.s3.amazonaws.com',
        'range:bytes=0-9',
        `x-amz-content-sha256:${EMPTY_SHA256}`,
        'x-amz-date:20130524T000000Z',
        '',
        'host;range;x-amz-content-sha256;x-amz-date',
        EMPTY_SHA256,
      ].join('\n'),
    );
    assert.equal(
      r.stringToSign,
      'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    );
    assert.equal(r.signature, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    assert.equal(
      r.headers['authorization'],
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    assert.equal(r.pathAndQuery, '/test.txt');
  });

  it('PUT Object with a signed payload, a Date header and a key that needs encoding', () => {
    const body = 'Welcome to Amazon S3.';
    assert.equal(sha256Hex(body), '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const r = signV4({
      ...common,
      method: 'PUT',
      path: '/test$file.text',
      headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
      payloadHash: sha256Hex(body),
    });
    assert.equal(r.pathAndQuery, '/test%24file.text');
    assert.ok(r.stringToSign.endsWith('\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d'));
    assert.equal(r.signature, '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
    assert.match(r.headers['authorization']!, /SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,/);
  });

  it('GET Bucket lifecycle (a query parameter without a value)', () => {
    const r = signV4({ ...common, method: 'GET', path: '/', query: { lifecycle: '' }, payloadHash: EMPTY_SHA256 });
    assert.equal(r.canonicalRequest.split('\n')[2], 'lifecycle=');
    assert.ok(r.stringToSign.endsWith('\n9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca'));
    assert.equal(r.signature, 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it('GET Bucket (list objects) with sorted query parameters', () => {
    const r = signV4({ ...common, method: 'GET', path: '/', query: { prefix: 'J', 'max-keys': '2' }, payloadHash: EMPTY_SHA256 });
    assert.equal(r.pathAndQuery, '/?max-keys=2&prefix=J');
    assert.ok(r.stringToSign.endsWith('\ndf57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7'));
    assert.equal(r.signature, '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });
});

describe('SigV4 helpers', () => {
  it('encodes like RFC 3986 unreserved, upper-case hex', () => {
    assert.equal(uriEncode("a b+c/d~e_f.g-h!'()*"), 'a%20b%2Bc%2Fd~e_f.g-h%21%27%28%29%2A');
    assert.equal(canonicalQuery({ b: '2', a: 'x y', uploadId: 'A/B=' }), 'a=x%20y&b=2&uploadId=A%2FB%3D');
  });

  it('formats the date without separators or milliseconds', () => {
    assert.equal(amzDate(new Date('2026-01-02T03:04:05.678Z')), '20260102T030405Z');
  });

  it('signs the session token when there is one', () => {
    const r = signV4({ ...common, credentials: { ...credentials, sessionToken: 'tok' }, method: 'GET', path: '/', payloadHash: EMPTY_SHA256 });
    assert.equal(r.headers['x-amz-security-token'], 'tok');
    assert.match(r.headers['authorization']!, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
  });
});
