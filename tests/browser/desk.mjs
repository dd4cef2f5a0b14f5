// The review desk in a real browser (Debian's chromium, driven by playwright-core): the samples
// dropped on the round's upload form, each result shown as it is checked, a unit's findings,
// a marked cell clicked, a finding marked explained, the marked copy downloaded, a branch link
// made, opened by the branch and revoked. Run by the
// ignored test `desk::in_a_real_browser` (tests/desk.rs), which starts the desk and sets:
//   DESK_URL  the reviewer's access URL
//   SAMPLES   the folder of sample workbooks
//   SHOTS     (optional) where to write a screenshot of each page
import { chromium } from "playwright-core";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const url = process.env.DESK_URL;
const samples = process.env.SAMPLES;
const shots = process.env.SHOTS;
assert.ok(url && samples, "DESK_URL and SAMPLES are needed");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
let failed = 0;
try {
  const context = await browser.newContext({
    acceptDownloads: true,
    locale: "en-GB",
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(String(e)));
  // A download ends its navigation (ERR_ABORTED): not a failure.
  page.on("requestfailed", (r) => {
    if (!/\.xlsx$/.test(r.url())) problems.push("request failed: " + r.url());
  });

  // The access URL sets the cookie and leads to the round.
  await page.goto(url);
  assert.equal(new URL(page.url()).pathname, "/");
  assert.equal(await page.textContent("h1"), "The round");

  // The samples dropped on the form, as a browser drops files.
  const names = readdirSync(samples).filter((n) => n.endsWith(".xlsx")).sort();
  const files = names.map((n) => ({ name: n, b64: readFileSync(join(samples, n)).toString("base64") }));
  const dt = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name));
    }
    return dt;
  }, files);
  await page.dispatchEvent("#upload", "drop", { dataTransfer: dt });
  // Each result shown as it is checked, with a link to its page.
  await page.waitForFunction(
    (n) => document.querySelectorAll("#upload-progress a.state").length === n,
    names.length,
    { timeout: 300000 },
  );
  const progress = await page.textContent("#upload-progress");
  assert.match(progress, /branch-gender-split\.xlsx — errors \(2 \/ 0\)/);
  await page.reload();
  const round = await page.textContent("table.round");
  assert.match(round, /Đảng bộ xã Bản Bo/);
  const shot = async (p, name) => {
    if (shots) await p.screenshot({ path: join(shots, name), fullPage: false });
  };
  await shot(page, "desk-round.png");

  // A unit's page: its findings by form, the most likely explanation.
  await page.click("table.round a:has-text('Đảng bộ xã Bản Bo')");
  await page.waitForSelector("ol.findings");
  const findings = await page.textContent("main");
  assert.match(findings, /M01\.gender-split/);
  assert.match(findings, /Most likely/);

  // A click on a marked cell goes to its finding.
  await page.click("td.m-error a");
  const target = await page.evaluate(() => location.hash);
  assert.match(target, /^#f\d+$/);
  assert.ok(await page.isVisible(`li${target}`), "the cell's finding is shown");
  await shot(page, "desk-unit.png");

  // A finding marked explained, with a note.
  const note = "two members moved in December, confirmed by phone";
  await page.fill("form.mark >> nth=0 >> input[name=note]", note);
  await Promise.all([page.waitForNavigation(), page.click("form.mark >> nth=0 >> button")]);
  assert.match(await page.textContent("p.explained"), new RegExp(note));

  // The marked copy downloaded.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click("a:has-text('Marked copy for the branch')"),
  ]);
  const path = await download.path();
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(0, 2).toString(), "PK");
  assert.match(download.suggestedFilename(), /^marked-\d+\.xlsx$/);

  // The page with the mark: the note beside its finding.
  await page.evaluate(() => document.querySelector("p.explained").scrollIntoView({ block: "center" }));
  await shot(page, "desk-explained.png");

  // A link for the unit's branch: shown once.
  await Promise.all([page.waitForNavigation(), page.click("form.link button")]);
  const link = (await page.textContent("code.link")).trim();
  assert.match(link, /\/branch\/[0-9a-f]{64}$/);
  assert.match(await page.textContent("p.warn"), /only this computer can open the link/);
  await shot(page, "desk-link-made.png");

  // The branch opens it in its own browser (no reviewer's cookie): its unit only.
  const branch = await browser.newContext({ acceptDownloads: true, locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const bpage = await branch.newPage();
  bpage.on("pageerror", (e) => problems.push(String(e)));
  await bpage.goto(link);
  assert.match(await bpage.textContent("h1"), /Your unit's workbooks: Đảng bộ xã Bản Bo/);
  assert.doesNotMatch(await bpage.textContent("main"), /Bình Lư/);
  await shot(bpage, "desk-branch.png");
  await bpage.click("ol.versions a");
  await bpage.waitForSelector("ol.findings");
  assert.match(await bpage.textContent("main"), /M01\.gender-split/);
  assert.match(await bpage.textContent("main"), /Back to your unit's workbooks/);
  assert.match(await bpage.textContent("p.explained"), new RegExp(note));
  assert.equal(await bpage.locator("form.mark").count(), 0);
  await shot(bpage, "desk-branch-unit.png");

  // The reviewer's list of links, and one revoked: the branch is refused from then on.
  await page.goto(new URL("/links", url).href);
  assert.match(await page.textContent("table.links"), /open/);
  await shot(page, "desk-links.png");
  await Promise.all([page.waitForNavigation(), page.click("form.revoke button")]);
  assert.match(await page.textContent("table.links"), /revoked/);
  const refused = await bpage.goto(link);
  assert.equal(refused.status(), 401);
  await branch.close();

  assert.deepEqual(problems, [], "the pages logged errors (a CSP violation, a failed request)");
} catch (e) {
  failed = 1;
  console.error(e);
} finally {
  await browser.close();
}
console.log(`${1 - failed} passed, ${failed} failed`);
process.exit(failed);
