// What every mounting of the router must do (the "done when"), run against a base URL:
// refusals grant nothing, route limits are refused at grant time naming the field, and an upload
// through the typed client lands at the route's key, verified, byte for byte, onUploaded once.
import { expect } from 'chai';
import { createUploadClient, UploadRouteError } from '../../src/client/index.js';
import { bytes, type Fixture } from './fixture.js';

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: { error?: { code: string; field?: string } } & Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : {}, headers: response.headers };
}

export async function runScenario(fixture: Fixture, apiUrl: string): Promise<void> {
  const before = fixture.grantCalls();
  // Refused: no credentials (401), a banned user (403), a thrown refusal (403).
  const file = { name: 'cat.png', type: 'image/png', size: 100 };
  const anonymous = await post(`${apiUrl}/avatar`, file);
  expect(anonymous.status).to.equal(401);
  expect(anonymous.json.error?.code).to.equal('unauthorized');
  expect((await post(`${apiUrl}/avatar`, file, { authorization: 'Bearer banned' })).status).to.equal(403);
  expect((await post(`${apiUrl}/avatar`, file, { authorization: 'Bearer throw-403' })).status).to.equal(403);
  expect((await post(`${apiUrl}/avatar/verify`, { token: 'ug1.x.y' })).status).to.equal(401);
  expect(fixture.grantCalls(), 'nothing granted for a refused request').to.equal(before);

  // Route limits at grant time, naming the field.
  const auth = { authorization: 'Bearer user-ann' };
  const wrongType = await post(`${apiUrl}/avatar`, { ...file, type: 'image/gif' }, auth);
  expect(wrongType.status).to.equal(400);
  expect(wrongType.json.error).to.include({ code: 'content-type-not-allowed', field: 'type' });
  const tooBig = await post(`${apiUrl}/avatar`, { ...file, size: 2 * 1024 * 1024 }, auth);
  expect(tooBig.status).to.equal(413);
  expect(tooBig.json.error).to.include({ code: 'too-large', field: 'size' });
  expect(tooBig.headers.get('x-upgrant-error')).to.equal('too-large');
  expect(fixture.grantCalls(), 'nothing granted for a refused file').to.equal(before);

  // An authorized upload through the typed client.
  const data = bytes(4321, 1);
  const client = createUploadClient<Fixture['router']>({ url: apiUrl, headers: { authorization: 'Bearer user-ann' }, resumeStore: null });
  const seen = fixture.uploaded.length;
  const result = await client.upload('avatar', new File([data], 'My Cat!.png', { type: 'image/png' }));
  expect(result.key).to.match(/^avatars\/ann\/[0-9a-f]{32}\/My-Cat\.png$/);
  expect(result.object).to.include({ key: result.key, size: data.length, contentType: 'image/png' });
  expect(new Uint8Array((await fixture.read(result.key))!)).to.deep.equal(data);
  expect(fixture.uploaded.length - seen, 'onUploaded ran once').to.equal(1);
  const event = fixture.uploaded[fixture.uploaded.length - 1]!;
  expect(event.route).to.equal('avatar');
  expect(event.context).to.deep.equal({ userId: 'ann' });
  expect(event.object.key).to.equal(result.key);

  // The client reports refusals with the code and field.
  const refused = await client.upload('avatar', new File([data], 'x.gif', { type: 'image/gif' })).catch((e: unknown) => e);
  expect(refused).to.be.instanceOf(UploadRouteError);
  expect(refused).to.include({ status: 400, code: 'content-type-not-allowed', field: 'type' });
}
