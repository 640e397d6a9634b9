// Reads a rendered Allure 3 report the way a person does, in headless Chromium, and prints what it saw as JSON.
//
//   node browse.mjs '{"report": ".../index.html", "chromium": "/usr/bin/chromium",
//                     "screenshots": "reports/screenshots", "prefix": "overview", "probe": "<test name>"}'
//
// It lists every test leaf of the results tree, the categories with their tests, and, when "probe" names a test,
// opens that test, expands its failed step and the evidence of the refused call (else the step's first attachment). Screenshots go to
// <screenshots>/<prefix>-*.png. The Python tests decide what is right; this script only looks.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const args = JSON.parse(process.argv[2]);
const shot = async (page, name) => {
  if (!args.screenshots) return null;
  mkdirSync(args.screenshots, { recursive: true });
  const path = join(args.screenshots, `${args.prefix}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
};
// The tree opens only the groups with failures; open the others, round after round, until every group is open.
// An open group's container holds its header and its content; a closed one holds the header alone.
const expandAll = async (page) => {
  for (let round = 0; round < 20; round++) {
    const opened = await page.locator('[data-testid="tree-section"]').evaluateAll((sections) => {
      const closed = sections.filter((section) => section.parentElement.children.length < 2);
      closed.forEach((section) => section.querySelector('[data-testid="tree-arrow"]').click());
      return closed.length;
    });
    if (opened === 0) return;
    await page.waitForTimeout(50);
  }
  throw new Error("the report's tree did not open completely");
};
const texts = (locator) => locator.evaluateAll((nodes) => nodes.map((n) => n.innerText.trim()));

const browser = await chromium.launch({ executablePath: args.chromium, args: ["--no-sandbox"] });
const seen = { screenshots: [], errors: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // A report that fails to load its embedded data, or reaches for the network, says so on the console.
  page.on("console", (message) => message.type() === "error" && seen.errors.push(message.text()));
  page.on("pageerror", (error) => seen.errors.push(String(error)));
  const url = pathToFileURL(args.report).href;
  await page.goto(url);
  await page.locator('[data-testid="tree-section"], [data-testid="tree-leaf"]').first().waitFor({ timeout: 30000 });

  seen.title = (await texts(page.locator('[data-testid="report-title"]')))[0] ?? "";
  seen.metadata = await page.locator('[data-testid="metadata-item"]').evaluateAll((items) =>
    items.map((item) => [
      item.querySelector('[data-testid="metadata-item-key"]')?.innerText.trim() ?? "",
      item.querySelector('[data-testid="metadata-item-value"]')?.innerText.trim() ?? "",
    ]),
  );
  // The first page's Global Attachments tab: the verdict and the control summary, read as the report draws them.
  seen.globals = [];
  if ((await page.locator('[data-testid="nav-tab-globalAttachments"]').count()) > 0) {
    await page.locator('[data-testid="nav-tab-globalAttachments"]').click();
    const globals = page.locator('[data-testid="test-result-attachment"]');
    await globals.first().waitFor({ timeout: 10000 });
    for (let i = 0; i < (await globals.count()); i++) {
      const item = globals.nth(i);
      const header = item.locator('[data-testid="test-result-attachment-header"] button').first();
      const name = (await header.innerText()).trim().replace(/^\d+\s*/, "");
      await header.click();
      const preview = item.locator('[data-testid="markdown-attachment-preview"]');
      await preview.waitFor({ timeout: 10000 });
      const frame = await preview.locator("iframe").count() ? preview.frameLocator("iframe").locator("body") : preview;
      seen.globals.push({ name, text: (await frame.innerText()).trim() });
    }
    seen.screenshots.push(await shot(page, "globals"));
    seen.globalErrors = Number((await page.locator('[data-testid="nav-tab-globalErrors"]').innerText()).replace(/\D+/g, "") || 0);
    await page.locator('[data-testid="nav-tab-results"]').click();
    await page.locator('[data-testid="tree-section"], [data-testid="tree-leaf"]').first().waitFor({ timeout: 10000 });
  }
  await expandAll(page);
  seen.sections = await texts(page.locator('[data-testid="tree-section-title"]'));
  seen.leaves = await texts(page.locator('[data-testid="tree-leaf-title"]'));
  seen.screenshots.push(await shot(page, "overview"));

  // A run without failures has no categories, and the report then shows no Categories tab.
  seen.categories = [];
  if ((await page.locator('[data-testid="nav-tab-categories"]').count()) > 0) {
    await page.locator('[data-testid="nav-tab-categories"]').click();
    await page.locator('[data-testid="tree-section"]').first().waitFor({ timeout: 10000 });
    await expandAll(page);
    seen.categories = await page.locator('[data-testid="tree-section"]').evaluateAll((sections) =>
      sections.map((section) => {
        const group = section.parentElement;
        return {
          name: section.querySelector('[data-testid="tree-section-title"]')?.innerText.trim() ?? "",
          count: Number(section.innerText.trim().split("\n").pop()),
          leaves: [...group.querySelectorAll('[data-testid="tree-leaf-title"]')].map((n) => n.innerText.trim()),
        };
      }),
    );
    seen.screenshots.push(await shot(page, "categories"));
  }

  if (args.probe) {
    await page.locator('[data-testid="nav-tab-results"]').click();
    await page.locator('[data-testid="tree-section"], [data-testid="tree-leaf"]').first().waitFor({ timeout: 10000 });
    await expandAll(page);
    await page.locator('[data-testid="tree-leaf"]', { hasText: args.probe }).first().click();
    await page.locator('[data-testid="test-result-info-title"]').waitFor({ timeout: 10000 });
    const probe = { title: (await texts(page.locator('[data-testid="test-result-info-title"]')))[0] };
    probe.error = (await texts(page.locator('[data-testid="test-result-error-message"]')))[0] ?? "";
    probe.links = await texts(page.locator('[data-testid="test-result-meta-link"]'));
    probe.steps = await texts(page.locator('[data-testid="test-result-step-title"]'));
    // The failed Gherkin step; the error's trace that follows it is drawn as a failed row without a title.
    const failed = page.locator('[data-testid="test-result-step"]', {
      has: page.locator('[data-testid="test-result-step-header"] [data-testid="tree-leaf-status-failed"]'),
    }).filter({ has: page.locator('[data-testid="test-result-step-title"]') }).first();
    if ((await failed.locator('[data-testid="test-result-step-content"]').count()) === 0) {
      await failed.locator('[data-testid="test-result-step-arrow-button"]').first().click();
    }
    await failed.locator('[data-testid="test-result-attachment"]').first().waitFor({ timeout: 10000 });
    probe.attachments = await failed.locator('[data-testid="test-result-attachment-header"]').evaluateAll((headers) =>
      headers.map((header) => header.querySelector("button")?.innerText.trim().replace(/^\d+\s*/, "") ?? ""),
    );
    // Open the evidence of the refused call when there is one (its title ends in "-> <error code>").
    const refused = failed.locator('[data-testid="test-result-attachment"]', { hasText: "->" });
    const attachment = (await refused.count()) > 0 ? refused.first() : failed.locator('[data-testid="test-result-attachment"]').first();
    await attachment.locator('[data-testid="test-result-attachment-header"] button').first().click();
    await page.waitForTimeout(500);
    probe.attachmentText = (await attachment.innerText()).trim();
    await attachment.scrollIntoViewIfNeeded();
    seen.probe = probe;
    seen.screenshots.push(await shot(page, "failing-probe"));
  }
} finally {
  await browser.close();
}
seen.screenshots = seen.screenshots.filter(Boolean);
process.stdout.write(JSON.stringify(seen));
