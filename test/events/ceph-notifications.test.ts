// Ceph RGW bucket notifications, end to end: an SNS-style topic with a push-endpoint on our own
// loopback HTTP listener, a bucket notification for the staging prefix, real uploads, and the
// bodies RGW pushes fed to parseStorageEvent. Measured facts this pins (docs/lifecycle.md):
// RGW pushes S3 Records[] with eventSource "ceph:s3", keys NOT URL-encoded, the prefix filter holds.
import { CreateBucketCommand, DeleteObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SigV4Signer, amzDate } from '../../drivers/s3/sigv4.js';
import { DEFAULT_STAGING_PREFIX } from '../../src/staging-prefix.js';
import { parseStorageEvent } from '../../src/storage-events.js';
import { CEPH_CREDENTIALS, useCeph, type Ceph } from '../support/ceph.js';

const REGION = 'us-east-1';

/** One SNS API call on the RGW endpoint (form POST, SigV4 with service "sns"); the XML answer. */
async function snsCall(endpoint: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(params).toString();
  const host = new URL(endpoint).host;
  const stamp = amzDate(new Date());
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': stamp };
  const signed = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', ...signed.map((name) => `${name}:${headers[name]}`), '', signed.join(';'), payloadHash].join('\n');
  const signer = new SigV4Signer(REGION, 'sns');
  const scope = signer.scope(stamp.slice(0, 8));
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const signature = createHmac('sha256', signer.signingKey(CEPH_CREDENTIALS.secretAccessKey, stamp.slice(0, 8))).update(toSign).digest('hex');
  const { host: _host, ...sent } = headers;
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${CEPH_CREDENTIALS.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}` },
    body,
  });
  return { status: response.status, body: await response.text() };
}

/** Our push endpoint: every body RGW posts, and a way to wait for the next one. */
class Receiver {
  readonly bodies: string[] = [];
  readonly paths: string[] = [];
  #server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.paths.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      this.bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/upgrant-events`;
  }

  /** Wait (in 20 ms steps) until `count` bodies have arrived; mocha's timeout bounds it. */
  async waitFor(count: number): Promise<void> {
    while (this.bodies.length < count) await new Promise((r) => setTimeout(r, 20));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('Ceph RGW bucket notifications pushed to an HTTP endpoint', function () {
  this.timeout(240_000);
  let ceph: Ceph | undefined;
  let s3: S3Client;
  const receiver = new Receiver();
  const bucket = `events-${Date.now().toString(36)}`;

  before(async function () {
    ceph = await useCeph('the Ceph notification test');
    if (!ceph) return this.skip();
    s3 = new S3Client({ endpoint: ceph.endpoint, region: REGION, forcePathStyle: true, credentials: CEPH_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const pushEndpoint = await receiver.listen();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const topic = await snsCall(ceph.endpoint, {
      Action: 'CreateTopic',
      Name: `${bucket}-uploads`,
      'Attributes.entry.1.key': 'push-endpoint',
      'Attributes.entry.1.value': pushEndpoint,
    });
    expect(topic.status, topic.body).to.equal(200);
    const arn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(topic.body)?.[1];
    expect(arn, topic.body).to.be.a('string');
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          TopicConfigurations: [
            { Id: 'upgrant-staging', TopicArn: arn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: DEFAULT_STAGING_PREFIX }] } } },
          ],
        },
      }),
    );
  });

  after(async () => {
    s3?.destroy();
    await receiver.close();
  });

  it('pushes an S3 Records[] body for each staged upload, which parseStorageEvent accepts', async () => {
    const key = `${DEFAULT_STAGING_PREFIX}grant 1/a+b %41.txt`;
    // Outside the staging prefix: filtered out by the notification configuration.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'avatars/not-staged.txt', Body: 'elsewhere', ContentType: 'text/plain' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'hello', ContentType: 'text/plain' }));
    await receiver.waitFor(1);
    expect(receiver.paths[0]).to.match(/^POST \/upgrant-events application\/json/);
    const events = parseStorageEvent(receiver.bodies[0]);
    // Ceph sends the key as it is (AWS would send "grant+1/a%2Bb+%2541.txt"): the parser keeps it.
    expect(events).to.deep.equal([{ source: 's3', bucket, key, size: 5, etag: '5d41402abc4b2a76b9719d911017c592', id: events[0]!.id }]);
    expect(events[0]!.id).to.be.a('string');
    // A replayed body parses to the same event.
    expect(parseStorageEvent(receiver.bodies[0])).to.deep.equal(events);
  });

  it('pushes the removal too, which parses to no object, and nothing for keys outside the prefix', async () => {
    const before = receiver.bodies.length;
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'avatars/not-staged.txt' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${DEFAULT_STAGING_PREFIX}grant 1/a+b %41.txt` }));
    await receiver.waitFor(before + 1);
    const records = (JSON.parse(receiver.bodies[before]!) as { Records: { eventName: string }[] }).Records;
    expect(records.map((r) => r.eventName)).to.deep.equal(['ObjectRemoved:Delete']);
    expect(parseStorageEvent(receiver.bodies[before])).to.deep.equal([]);
    // Every body so far named a staged key only (the two avatars/ operations sent nothing).
    const keys = receiver.bodies.flatMap((body) => (JSON.parse(body) as { Records: { s3: { object: { key: string } } }[] }).Records.map((r) => r.s3.object.key));
    expect(keys.every((k) => k.startsWith(DEFAULT_STAGING_PREFIX)), keys.join(', ')).to.equal(true);
  });
});
