/**
 * End-to-end test of the docs site's live demo: builds the site (MNIST slice, API reference, VitePress
 * production build, which also fails on a broken link), serves the output on 127.0.0.1, and drives
 * Debian's headless Chromium (WebGPU on SwiftShader where the page can have it) with playwright-core:
 * training runs some steps and the displayed loss falls, a digit drawn with the mouse gets a prediction,
 * and a screenshot is saved to e2e/artifacts/demo.png. Also: a tutorial page shows its example program
 * verbatim, and the local search finds it.
 *
 * TORCHLET_DOCS_REUSE_BUILD=1 serves an existing `.vitepress/dist` instead of building (local iteration).
 * TORCHLET_REQUIRE_WEBGPU=1 (set by CI) requires the demo to train on WebGPU once `@torchlet/webgpu` is
 * built.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serveStatic } from './static-server.js';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(app, '.vitepress', 'dist');
const artifacts = join(app, 'e2e', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const webgpuBuilt = existsSync(join(app, '..', '..', 'packages', 'webgpu', 'dist', 'index.js'));

/** Runs a command to completion without blocking the event loop (vitest's worker must stay responsive). */
function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: app, stdio: 'inherit', env: process.env });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed with exit code ${code}`)),
    );
  });
}

let browser: Browser;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  if (!(process.env.TORCHLET_DOCS_REUSE_BUILD === '1' && existsSync(join(dist, 'demo.html')))) {
    await run(process.execPath, ['scripts/gen-mnist.mjs']);
    await run(process.execPath, ['scripts/gen-api.mjs']);
    await run(process.execPath, [join(app, 'node_modules', 'vitepress', 'bin', 'vitepress.js'), 'build']);
  }
  expect(existsSync(join(dist, 'demo.html')), 'the build wrote demo.html').toBe(true);
  ({ url: baseUrl, server } = await serveStatic(dist));
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--enable-unsafe-webgpu',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(artifacts, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

async function openDemo(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${baseUrl}/demo${query}`);
  await page.waitForSelector('[data-testid="train"]:not([disabled])', { timeout: 90_000 });
  return { page, errors };
}

const numberAttr = async (page: Page, testId: string, attr = 'data-value') =>
  Number(await page.getAttribute(`[data-testid="${testId}"]`, attr));

/** Starts training and waits until `steps` steps ran and the shown loss is below the first step's. */
async function trainUntilLossFalls(page: Page, steps: number): Promise<{ first: number; loss: number }> {
  await page.click('[data-testid="train"]');
  await page.waitForFunction(
    (n) => {
      const step = Number(document.querySelector<HTMLElement>('[data-testid="step"]')?.dataset.value);
      const loss = document.querySelector<HTMLElement>('[data-testid="loss"]');
      return step >= n && Number(loss?.dataset.value) < Number(loss?.dataset.first);
    },
    steps,
    { timeout: 300_000, polling: 250 },
  );
  return { first: await numberAttr(page, 'loss', 'data-first'), loss: await numberAttr(page, 'loss') };
}

/** Draws a "7" on the demo's canvas with mouse events. */
async function drawSeven(page: Page): Promise<void> {
  const canvas = page.locator('[data-testid="draw-canvas"]');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  if (!box) throw new Error('the drawing canvas is not visible');
  const at = (x: number, y: number): [number, number] => [box.x + box.width * x, box.y + box.height * y];
  await page.mouse.move(...at(0.25, 0.22));
  await page.mouse.down();
  await page.mouse.move(...at(0.75, 0.22), { steps: 12 });
  await page.mouse.move(...at(0.45, 0.8), { steps: 16 });
  await page.mouse.up();
}

describe('live demo', () => {
  test('trains LeNet-5 (loss falls), predicts a drawn digit, screenshot', async () => {
    const { page, errors } = await openDemo('');
    const device = await page.getAttribute('[data-testid="backend"]', 'data-device');
    console.log(`demo backend: ${(await page.textContent('[data-testid="backend"]'))?.trim()}`);
    if (process.env.TORCHLET_REQUIRE_WEBGPU === '1' && webgpuBuilt) expect(device).toBe('webgpu');
    expect(['webgpu', 'cpu']).toContain(device);

    // WebGPU on SwiftShader (a CPU implementation of a GPU) is far slower per step than the CPU backend:
    // ask it for fewer steps.
    const { first, loss } = await trainUntilLossFalls(page, device === 'webgpu' ? 12 : 60);
    console.log(`demo loss: first step ${first.toFixed(3)}, last 20 steps ${loss.toFixed(3)}`);
    expect(loss).toBeLessThan(first);

    await drawSeven(page);
    const prediction = page.locator('[data-testid="prediction"]');
    await expect
      .poll(async () => prediction.getAttribute('data-digit'), { timeout: 30_000 })
      .toMatch(/^[0-9]$/);
    console.log(`demo prediction for a drawn 7: ${await prediction.getAttribute('data-digit')}`);

    // On the CPU, let the first test-set evaluation (step 50) land; then pause, for a settled screenshot.
    if (device === 'cpu')
      await page.waitForFunction(
        () =>
          Number.isFinite(
            Number(document.querySelector<HTMLElement>('[data-testid="accuracy"]')?.dataset.value),
          ),
        null,
        { timeout: 60_000 },
      );
    await page.evaluate(() => document.querySelector<HTMLElement>('[data-testid="pause"]')?.click());
    await page.waitForSelector('[data-testid="train"]', { timeout: 30_000 });
    await page.locator('[data-testid="mnist-demo"]').screenshot({ path: join(artifacts, 'demo.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 420_000);

  test('trains on the CPU backend when asked to (?backend=cpu), as where WebGPU is missing', async () => {
    const { page, errors } = await openDemo('?backend=cpu');
    expect(await page.getAttribute('[data-testid="backend"]', 'data-device')).toBe('cpu');
    expect(await page.textContent('[data-testid="backend"]')).toContain('CPU');
    const { first, loss } = await trainUntilLossFalls(page, 30);
    expect(loss).toBeLessThan(first);
    await page.locator('[data-testid="mnist-demo"]').screenshot({ path: join(artifacts, 'demo-cpu.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});

describe('site', () => {
  test('a tutorial shows its example program verbatim, and the local search finds it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${baseUrl}/tutorials/barebones`);
    const blocks = await page.locator('.vp-doc div[class*="language-"] pre code').allTextContents();
    const source = readFileSync(join(app, '..', '..', 'examples', 'barebones.mjs'), 'utf8');
    expect(blocks.some((code) => code.trimEnd() === source.trimEnd())).toBe(true);

    await page.locator('.VPNavBarSearch button').click();
    const input = page.locator('.VPLocalSearchBox input');
    await input.waitFor({ timeout: 30_000 });
    await input.fill('threeLayerConvnet');
    const links = page.locator('.VPLocalSearchBox .results li a');
    await expect.poll(async () => links.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.some((href) => href.startsWith('/tutorials/barebones'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
