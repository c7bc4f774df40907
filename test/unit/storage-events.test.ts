import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { InvalidRequestError } from '../../src/errors.js';
import { MAX_EVENT_BYTES, eventGridValidationResponse, parseStorageEvent, type StorageObjectEvent } from '../../src/storage-events.js';

const FIXTURES = new URL('../fixtures/storage-events/', import.meta.url);

function raw(name: string): string {
  return readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8');
}

function fixture(name: string): unknown {
  return JSON.parse(raw(name)) as unknown;
}

function rejects(body: unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    parseStorageEvent(body);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `accepted ${typeof body === 'string' ? body.slice(0, 80) : JSON.stringify(body)?.slice(0, 80)}`).to.be.instanceOf(InvalidRequestError);
  expect((thrown as InvalidRequestError).field).to.equal('event');
  expect((thrown as InvalidRequestError).message).to.match(message);
}

const GCS_OBJECT: StorageObjectEvent = { source: 'gcs-pubsub', bucket: 'example-uploads', key: 'uploads/café menu.pdf', size: 4096, etag: 'CMDzq7nBmvoCEAE=', id: '2070443601311540' };
const AZURE_OBJECT = { bucket: 'uploads', key: 'avatars/my photo #1.png', size: 524288, etag: '0x8DCA1B2C3D4E5F6', id: '831e1650-001e-001b-66ab-eeb76e069631' };

describe('storage events: the providers\' documented shapes', () => {
  const created: Array<[string, StorageObjectEvent[]]> = [
    ['s3-records', [{ source: 's3', bucket: 'example-uploads', key: 'uploads/red flower (1).jpg', size: 1024, etag: '0123456789abcdef0123456789abcdef', id: 'C3D13FE58DE4C810' }]],
    [
      's3-records-two',
      [
        { source: 's3', bucket: 'example-uploads', key: 'a/one.txt', size: 5, etag: '5d41402abc4b2a76b9719d911017c592', id: 'C3D13FE58DE4C810' },
        { source: 's3', bucket: 'example-uploads', key: 'a/two + three.bin', size: 10485760, etag: '9b2cf535f27731c974343645a3985328-2', id: 'C3D13FE58DE4C810' },
      ],
    ],
    ['s3-sns', [{ source: 's3', bucket: 'example-uploads', key: 'uploads/red flower (1).jpg', size: 1024, etag: '0123456789abcdef0123456789abcdef', id: 'C3D13FE58DE4C810' }]],
    ['s3-sqs', [{ source: 's3', bucket: 'example-uploads', key: 'uploads/red flower (1).jpg', size: 1024, etag: '0123456789abcdef0123456789abcdef', id: 'C3D13FE58DE4C810' }]],
    ['s3-sqs-sns', [{ source: 's3', bucket: 'example-uploads', key: 'uploads/red flower (1).jpg', size: 1024, etag: '0123456789abcdef0123456789abcdef', id: 'C3D13FE58DE4C810' }]],
    ['ceph-rgw-records', [{ source: 's3', bucket: 'ev1796108411709', key: '.upgrant-staging/a b+c.txt', size: 5, etag: '5d41402abc4b2a76b9719d911017c592', id: '1796108413.026637.5d41402abc4b2a76b9719d911017c592' }]],
    ['eventbridge-object-created', [{ source: 'eventbridge', bucket: 'example-uploads', key: 'uploads/report 2026.pdf', size: 2048, etag: 'b1946ac92492d2347c6235b4d2611184', id: '2d4eba74-fd51-3966-4bfa-b013c9da8ff1' }]],
    ['gcs-pubsub-push', [GCS_OBJECT]],
    ['gcs-pubsub-pull', [GCS_OBJECT]],
    ['gcs-pubsub-payload-none', [{ source: 'gcs-pubsub', bucket: 'example-uploads', key: 'uploads/café menu.pdf', id: '2070443601311541' }]],
    ['gcs-cloudevent', [{ ...GCS_OBJECT, source: 'gcs-cloudevent', id: '7918104283417040' }]],
    ['gcs-cloudevent-data-only', [{ ...GCS_OBJECT, source: 'gcs-cloudevent', id: 'example-uploads/uploads/café menu.pdf/1796040000123456' }]],
    ['azure-eventgrid-created', [{ source: 'azure-eventgrid', ...AZURE_OBJECT }]],
    ['azure-cloudevent-created', [{ source: 'azure-cloudevent', ...AZURE_OBJECT }]],
    ['local-upload', [{ source: 'local', bucket: 'local', key: '.upgrant-staging/0f8a2c/avatar.png', size: 48213, etag: '"4c1f0a"' }]],
  ];
  for (const [name, expected] of created) {
    it(`${name}: names the object it created`, () => {
      expect(parseStorageEvent(fixture(name))).to.deep.equal(expected);
    });
  }

  for (const name of ['s3-delete', 's3-test-event', 's3-sns-test-event', 'eventbridge-object-deleted', 'gcs-pubsub-delete', 'gcs-cloudevent-deleted', 'azure-eventgrid-deleted', 'azure-eventgrid-validation']) {
    it(`${name}: a notification that creates nothing yields []`, () => {
      expect(parseStorageEvent(fixture(name))).to.deep.equal([]);
    });
  }

  it('takes the body as parsed JSON, a string or a Buffer, and a replay parses the same', () => {
    for (const [name] of created) {
      const once = parseStorageEvent(fixture(name));
      expect(parseStorageEvent(raw(name)), name).to.deep.equal(once);
      expect(parseStorageEvent(Buffer.from(raw(name))), name).to.deep.equal(once);
      expect(parseStorageEvent(new Uint8Array(Buffer.from(raw(name)))), name).to.deep.equal(once);
      expect(parseStorageEvent(fixture(name)), `${name} replayed`).to.deep.equal(once);
    }
  });

  it('decodes S3 keys as AWS encodes them (form encoding) and keeps Ceph\'s raw keys', () => {
    const record = (eventSource: string, key: string) => ({
      Records: [{ eventSource, eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key } } }],
    });
    expect(parseStorageEvent(record('aws:s3', 'dir/a+b%2Bc%25d%2F%C3%A9.txt'))[0]!.key).to.equal('dir/a b+c%d/é.txt');
    expect(parseStorageEvent(record('minio:s3', 'dir%2Fx+y'))[0]!.key).to.equal('dir/x y');
    expect(parseStorageEvent(record('ceph:s3', 'dir/a b+c%41'))[0]!.key).to.equal('dir/a b+c%41');
    // Older Ceph and MinIO prefix the event name with "s3:".
    expect(parseStorageEvent({ Records: [{ eventSource: 'ceph:s3', eventName: 's3:ObjectCreated:Post', s3: { bucket: { name: 'b' }, object: { key: 'k' } } }] })).to.have.length(1);
  });

  it('unwraps SNS -> Lambda (Records[].Sns) and Eventarc\'s Pub/Sub wrapper, and yields [] for SNS confirmations', () => {
    const sns = fixture('s3-sns') as Record<string, unknown>;
    const viaLambda = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: 'arn:aws:sns:eu-west-1:111122223333:upgrant-uploads:1', Sns: sns }] };
    expect(parseStorageEvent(viaLambda)).to.deep.equal(parseStorageEvent(fixture('s3-records')));
    const push = fixture('gcs-pubsub-push') as { message: unknown; subscription: string };
    const wrapped = { specversion: '1.0', type: 'google.cloud.pubsub.topic.v1.messagePublished', source: '//pubsub.googleapis.com/projects/p/topics/t', id: '1', data: push };
    expect(parseStorageEvent(wrapped)).to.deep.equal([GCS_OBJECT]);
    for (const Type of ['SubscriptionConfirmation', 'UnsubscribeConfirmation']) {
      expect(parseStorageEvent({ Type, TopicArn: 'arn:aws:sns:eu-west-1:111122223333:upgrant-uploads', Message: 'You have chosen to subscribe…', SubscribeURL: 'https://sns.example/confirm' })).to.deep.equal([]);
    }
  });

  it('agrees the Azure blob name between the subject and data.url, encoded or not', () => {
    const event = (subject: string, url: string) => [
      { eventType: 'Microsoft.Storage.BlobCreated', subject: `/blobServices/default/containers/c1/blobs/${subject}`, id: 'x', data: { url } },
    ];
    expect(parseStorageEvent(event('a b/ü.txt', 'https://acct.blob.core.windows.net/c1/a%20b/%C3%BC.txt'))[0]!.key).to.equal('a b/ü.txt');
    expect(parseStorageEvent(event('a%20b.txt', 'https://acct.blob.core.windows.net/c1/a%20b.txt'))[0]!.key).to.equal('a b.txt');
    expect(parseStorageEvent(event('100%.txt', 'https://acct.blob.core.windows.net/c1/100%25.txt'))[0]!.key).to.equal('100%.txt');
    // Azurite's path-style URL has the account first.
    expect(parseStorageEvent(event('k.bin', 'http://127.0.0.1:10000/devstoreaccount1/c1/k.bin'))[0]!).to.include({ bucket: 'c1', key: 'k.bin' });
    rejects(event('a.txt', 'https://acct.blob.core.windows.net/c1/b.txt'), /another blob/);
    rejects(event('a.txt', 'not a url'), /not a URL/);
  });

  it('answers Event Grid\'s subscription validation, and only that', () => {
    expect(eventGridValidationResponse(fixture('azure-eventgrid-validation'))).to.deep.equal({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    expect(eventGridValidationResponse(raw('azure-eventgrid-validation'))).to.deep.equal({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    expect(eventGridValidationResponse(fixture('azure-eventgrid-created'))).to.equal(undefined);
    expect(eventGridValidationResponse(fixture('s3-records'))).to.equal(undefined);
    expect(eventGridValidationResponse('{not json')).to.equal(undefined);
  });
});

describe('storage events: malformed and foreign bodies', () => {
  it('refuses what is not a JSON object or array', () => {
    rejects(undefined, /empty/);
    rejects(null, /empty/);
    rejects(42, /JSON object/);
    rejects('', /not valid JSON/);
    rejects('{"Records": [', /not valid JSON/);
    rejects(Buffer.from('<xml/>'), /not valid JSON/);
    rejects('"a string"', /JSON object/);
    rejects([], /empty array/);
    rejects('x'.repeat(MAX_EVENT_BYTES + 1), /larger than/);
  });

  it('refuses JSON of no known shape', () => {
    rejects({}, /not a storage notification/);
    rejects({ hello: 'world' }, /not a storage notification/);
    rejects([{ hello: 'world' }], /not of Event Grid/);
    rejects({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: {} }, /not a storage notification/);
    rejects({ specversion: '1.0', type: 'com.example.other', data: {} }, /not a storage notification/);
    rejects([{ eventType: 'Microsoft.Resources.ResourceWriteSuccess', subject: '/subscriptions/x', data: {} }], /not a storage event/);
    rejects({ Records: [{ eventSource: 'aws:dynamodb', eventName: 'INSERT', dynamodb: {} }] }, /not an S3 event record/);
    rejects({ message: { attributes: { foo: 'bar' }, messageId: '1' }, subscription: 'projects/p/subscriptions/s' }, /not a Cloud Storage notification/);
    rejects({ kind: 'storage#bucket', bucket: 'b', name: 'n' }, /not a storage notification/);
  });

  it('refuses known shapes with missing or mistyped fields', () => {
    const s3 = fixture('s3-records') as { Records: Array<Record<string, unknown>> };
    const broken = (mutate: (record: { s3: { bucket: Record<string, unknown>; object: Record<string, unknown> } } & Record<string, unknown>) => void) => {
      const copy = structuredClone(s3) as { Records: Array<{ s3: { bucket: Record<string, unknown>; object: Record<string, unknown> } } & Record<string, unknown>> };
      mutate(copy.Records[0]!);
      return copy;
    };
    rejects(broken((r) => delete r.s3.bucket.name), /s3\.bucket\.name/);
    rejects(broken((r) => (r.s3.object.key = 7)), /s3\.object\.key/);
    rejects(broken((r) => (r.s3.object.key = '')), /s3\.object\.key/);
    rejects(broken((r) => (r.s3.object.key = 'bad%E0%A4%A')), /percent-escape/);
    rejects(broken((r) => (r.s3.object.size = -1)), /size/);
    rejects(broken((r) => (r.s3.object.size = '12')), /size/);
    rejects(broken((r) => delete r.eventName), /eventName/);
    rejects({ Records: ['x'] }, /Records\[0\] must be an object/);
    rejects({ Records: [{ eventSource: 'aws:sqs', body: '{' }] }, /Records\[0\]\.body is not valid JSON/);
    rejects({ Records: [{ eventSource: 'aws:sqs', body: 5 }] }, /body must be a string/);
    rejects({ Type: 'Notification', TopicArn: 'arn:aws:sns:x:1:t', Message: 'not json' }, /Message is not valid JSON/);
    rejects({ Type: 'Notification', TopicArn: 'arn:aws:sns:x:1:t', Message: '{"hello":1}' }, /not a storage notification/);
    rejects({ Type: 'Strange', TopicArn: 'arn:aws:sns:x:1:t', Message: '{}' }, /not a notification/);

    const eb = fixture('eventbridge-object-created') as { detail: { object: Record<string, unknown> } };
    delete eb.detail.object.key;
    rejects(eb, /detail\.object\.key/);

    const push = fixture('gcs-pubsub-push') as { message: { data: string; attributes: Record<string, string> } };
    rejects({ ...push, message: { ...push.message, data: '!!not base64!!' } }, /base64/);
    rejects({ ...push, message: { ...push.message, data: Buffer.from('not json').toString('base64') } }, /message\.data is not valid JSON/);
    rejects({ ...push, message: { ...push.message, attributes: { ...push.message.attributes, objectId: 'other.pdf' } } }, /another object/);
    rejects({ ...push, message: { ...push.message, attributes: { ...push.message.attributes, eventType: 'OBJECT_EXPLODE' } } }, /unknown/);
    const { objectId: _objectId, ...noObject } = push.message.attributes;
    rejects({ ...push, message: { ...push.message, attributes: noObject } }, /objectId/);

    const ce = fixture('gcs-cloudevent') as Record<string, unknown>;
    rejects({ ...ce, data: 'a string' }, /data as a JSON object/);
    rejects({ ...ce, data: { kind: 'storage#object', bucket: 'b' } }, /object\.name/);

    const grid = fixture('azure-eventgrid-created') as Array<Record<string, unknown>>;
    rejects([{ ...grid[0], subject: '/blobServices/default/containers/uploads' }], /subject must be/);
    rejects([{ ...grid[0], data: null }], /data must be an object/);
    rejects([grid[0], 'x'], /not of Event Grid/);

    rejects({ source: 'upgrant-local', bucket: 'local', key: 'k', size: 1.5 }, /size/);
    rejects({ source: 'upgrant-local', bucket: 'local', size: 1 }, /key/);
  });

  it('refuses envelopes nested deeper than any provider nests them', () => {
    let body: unknown = fixture('s3-records');
    for (let i = 0; i < 6; i++) body = { Type: 'Notification', TopicArn: 'arn:aws:sns:x:1:t', Message: JSON.stringify(body) };
    rejects(body, /deeper/);
  });

  it('throws nothing but InvalidRequestError, whatever the body', () => {
    const bodies: unknown[] = [true, 0, 'null', '[]', '[1]', '{"Records":null}', '{"Records":{}}', '{"message":null}', '{"receivedMessages":[1]}', { Records: [{ Sns: { Type: 'Notification', TopicArn: 'a', Message: 5 } }] }, { specversion: '1.0', type: 'google.cloud.storage.object.v1.finalized' }, [{ specversion: '1.0', type: 'Microsoft.Storage.BlobCreated' }]];
    for (const body of bodies) {
      try {
        parseStorageEvent(body);
      } catch (error) {
        expect(error, JSON.stringify(body)).to.be.instanceOf(InvalidRequestError);
      }
    }
  });
});
