/**
 * The dashboard in a real browser (Chromium through playwright-core) over a real engine,
 * RabbitMQ, FHIR server and embedded store: an operator logs in, sends an ADT over MLLP and
 * sees it in the message browser within 2 s, filters by control ID, opens it (timeline, HL7,
 * Bundle); the destination goes down, the message goes retrying then dead; it comes back, the
 * operator replays it from the page and sees it delivered. A viewer sees counters and no
 * patient data. A screenshot is written to test-artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adt, sendOne } from '../support/engine.js';
import { startOpsStack, TEST_PASSWORD, type OpsStack } from '../support/ops.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
let stack: OpsStack;
let browser: Browser;

beforeAll(async () => {
  // retries 1 s apart, so "retrying" stays on the page long enough to be seen before "dead"
  stack = await startOpsStack({ maxAttempts: 3, initialDelay: '1s', maxDelay: '1s' });
  await stack.addUser('dieu-phoi', 'operator');
  await stack.addUser('xem', 'viewer');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  await mkdir(ARTIFACTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function logIn(name: string): Promise<Page> {
  const page = await (await browser.newContext({ locale: 'vi-VN' })).newPage();
  await page.goto(`${stack.base}/`);
  await page.waitForURL(/\/login$/);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', TEST_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('#channel-rows tr');
  return page;
}

const row = (page: Page, controlId: string) => page.locator('#message-rows tr', { hasText: controlId });

it('lets an operator watch, open, lose and replay a message, and a viewer see only counters', async () => {
  const page = await logIn('dieu-phoi');
  await expect.poll(() => page.textContent('#live')).toContain('● live');

  // 1. a message sent over MLLP shows up within 2 s, pushed (no reload)
  const controlId = `UI-${Date.now()}`;
  expect(await sendOne(stack.mllpPort(), adt(controlId, 'MRN-UI-1'))).toMatch(/MSA\|AA/);
  await row(page, controlId).waitFor({ timeout: 2000 });
  await expect.poll(() => page.textContent(`#channel-rows tr[data-channel="${stack.channelId}"] td[data-k=received]`)).toBe('1');

  // 2. filter by control ID: that message alone
  const other = `UI-OTHER-${Date.now()}`;
  await sendOne(stack.mllpPort(), adt(other, 'MRN-UI-2'));
  await row(page, other).waitFor();
  await page.fill('#filters input[name=controlId]', controlId);
  await page.click('#filters button[type=submit]');
  await expect.poll(() => page.locator('#message-rows tr').count()).toBe(1);
  await row(page, controlId).filter({ hasText: 'emr: sent' }).waitFor();

  // 3. open it: timeline, the HL7 and the Bundle side by side
  await row(page, controlId).click();
  await page.locator('#timeline tr', { hasText: 'sent' }).waitFor();
  const timeline = await page.textContent('#timeline');
  for (const status of ['received', 'transformed', 'sent']) expect(timeline).toContain(status);
  expect(await page.textContent('#input')).toContain(`ADT^A01^ADT_A01|${controlId}`);
  expect(await page.textContent('#input')).toContain('Nguyễn^Thị Ánh');
  const bundle = JSON.parse((await page.textContent('#bundle')) ?? '') as { resourceType: string; entry: { resource: { resourceType: string } }[] };
  expect(bundle.resourceType).toBe('Bundle');
  expect(bundle.entry.map((e) => e.resource.resourceType)).toContain('Patient');

  // 4. the destination goes down: retrying, then dead
  stack.proxy.down();
  const lost = `UI-LOST-${Date.now()}`;
  await page.fill('#filters input[name=controlId]', lost);
  await page.click('#filters button[type=submit]');
  expect(await sendOne(stack.mllpPort(), adt(lost, 'MRN-UI-3'))).toMatch(/MSA\|AA/);
  await row(page, lost).filter({ hasText: 'emr: retrying' }).waitFor({ timeout: 15_000 });
  await row(page, lost).filter({ hasText: 'emr: dead-lettered' }).waitFor({ timeout: 15_000 });

  // 5. it comes back; the operator lists the dead letters, counts, replays with a reason
  stack.proxy.up();
  await page.fill('#dead-form input[name=queue]', 'emr');
  await page.click('#dead-form button[type=submit]');
  const deadRow = page.locator('#dead-rows tr', { hasText: lost });
  await deadRow.waitFor();
  await deadRow.locator('input[type=checkbox]').check();
  await page.click('#dry-run');
  await expect.poll(() => page.textContent('#replay-result')).toBe('would replay 1 of 1');
  await page.click('#replay-selected');
  await expect.poll(() => page.textContent('#replay-result')).toContain('give a reason');
  await page.fill('#replay-form input[name=reason]', 'EMR hoạt động lại sau bảo trì');
  await page.click('#replay-selected');
  await expect.poll(() => page.textContent('#replay-result')).toBe('replayed 1');
  await row(page, lost).filter({ hasText: 'emr: sent' }).waitFor({ timeout: 15_000 });
  await page.fill('#filters input[name=controlId]', '');
  await page.click('#filters button[type=submit]');
  await page.screenshot({ path: new URL('dashboard-operator.png', ARTIFACTS).pathname, fullPage: true });

  // 6. a viewer: counters and states, no patient data, no message API
  const viewer = await logIn('xem');
  await expect.poll(() => viewer.textContent(`#channel-rows tr[data-channel="${stack.channelId}"] td[data-k=received]`)).toBe('3');
  const seen = (await viewer.content()) + (await viewer.textContent('body'));
  for (const secret of ['Nguyễn', 'MRN-UI', controlId, lost]) expect(seen).not.toContain(secret);
  expect(await viewer.locator('#browser').count()).toBe(0);
  expect((await viewer.request.get(`${stack.base}/api/messages`)).status()).toBe(403);
  expect(await viewer.textContent('#channel-rows')).toContain('ADT từ HIS (Bệnh viện Chợ Rẫy)');
  await viewer.screenshot({ path: new URL('dashboard-viewer.png', ARTIFACTS).pathname, fullPage: true });
}, 120_000);
