// Render Mermaid diagrams in headless Chromium with the `mermaid` npm package.
//
//   node tests/js/render_mermaid.mjs INPUT.json OUTPUT.json [PNG_PREFIX]
//
// With PNG_PREFIX, each diagram that rendered is also screenshotted to
// PNG_PREFIX-N.png (N from 1) so a person can look at it.
// INPUT.json: ["flowchart LR\n  a --> b", ...]
// OUTPUT.json: [{"ok": bool, "svg": "<svg ...", "error": "..."}, ...], one per input.
// Exit status 0 when the browser ran (whatever the diagrams' verdicts), 2 on a
// harness failure (no browser, no mermaid bundle).
//
// Chromium: CHROMIUM env var, default /usr/bin/chromium (Debian's package),
// launched headless with a fresh user-data-dir and no network side traffic.
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const [, , inputPath, outputPath, pngPrefix] = process.argv;
if (!inputPath || !outputPath) {
  console.error("usage: render_mermaid.mjs INPUT.json OUTPUT.json");
  process.exit(2);
}

const diagrams = JSON.parse(readFileSync(inputPath, "utf8"));
const bundle = require.resolve("mermaid/dist/mermaid.min.js");
const { chromium } = require("playwright-core");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "ctj-mermaid-profile-"));

let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
    timeout: 60000,
  });
  const page = context.pages()[0] || (await context.newPage());
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body><div id="out"></div></body></html>');
  await page.addScriptTag({ path: bundle });
  const results = await page.evaluate(async (texts) => {
    const m = globalThis.mermaid;
    m.initialize({ startOnLoad: false, securityLevel: "strict" });
    const out = [];
    let i = 0;
    for (const text of texts) {
      i += 1;
      try {
        const parsed = await m.parse(text); // throws on a syntax error
        const { svg } = await m.render(`ctj-diagram-${i}`, text);
        const bad = /Syntax error in text|Parse error/i.test(svg);
        out.push({ ok: !!parsed && !bad && svg.trimStart().startsWith("<svg"), svg, error: bad ? "error diagram rendered" : "" });
      } catch (e) {
        out.push({ ok: false, svg: "", error: String(e && e.message ? e.message : e) });
      }
    }
    return out;
  }, diagrams);
  for (const r of results) if (pageErrors.length && r.ok) r.pageErrors = pageErrors;
  if (pngPrefix) {
    for (const [i, r] of results.entries()) {
      if (!r.ok) continue;
      await page.setContent(`<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#fff">${r.svg}</body></html>`);
      const box = await page.locator("svg").first().boundingBox();
      await page.setViewportSize({ width: Math.ceil(Math.max(box.width, 200)) + 16, height: Math.ceil(Math.max(box.height, 100)) + 16 });
      await page.locator("svg").first().screenshot({ path: `${pngPrefix}-${i + 1}.png` });
    }
  }
  writeFileSync(outputPath, JSON.stringify(results));
} catch (e) {
  console.error(`render_mermaid: ${e && e.stack ? e.stack : e}`);
  process.exitCode = 2;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
