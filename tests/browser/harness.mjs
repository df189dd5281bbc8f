// Shared set-up for browser tests: a real keyun node on a free port with a fresh SQLite file,
// and Debian's headless chromium driven by playwright-core (never a downloaded browser).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const KEYUN = process.env.KEYUN_BIN;
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";

// Starts `keyun serve --demo --port 0` and resolves once it prints the URL it listens on.
// With `keep` a directory of an earlier node, it serves that node's database again and leaves
// the directory in place when stopped.
export async function startNode(extraArgs = [], { keep } = {}) {
  if (!KEYUN) throw new Error("set KEYUN_BIN to the keyun binary (ctest does)");
  const dir = keep || mkdtempSync(path.join(tmpdir(), "keyun-browser-"));
  const child = spawn(KEYUN, ["serve", "--demo", "--port", "0", "--db", path.join(dir, "keyun.db"), ...extraArgs],
    { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("keyun did not start in 60 s:\n" + output)), 60000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`keyun exited with ${code}:\n${output}`)); });
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    url,
    dir,
    output: () => output,
    // Sends `signal` and resolves to how the process ended ({code, signal}); keeps the files.
    async signal(name) {
      child.kill(name);
      return exited;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  const userDataDir = mkdtempSync(path.join(tmpdir(), "keyun-chromium-"));
  // A persistent context is how playwright takes a fresh --user-data-dir.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    newPage: () => context.newPage(),
    async close() { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); },
  };
}

// The text (pdftotext -layout) of the PDF behind an object URL (blob:) the page holds.
export async function pdfTextOf(page, href) {
  const base64 = await page.evaluate(async (url) => {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    let text = "";
    bytes.forEach((b) => { text += String.fromCharCode(b); });
    return btoa(text);
  }, href);
  const dir = mkdtempSync(path.join(tmpdir(), "keyun-pdf-"));
  try {
    writeFileSync(path.join(dir, "page.pdf"), Buffer.from(base64, "base64"));
    return execFileSync("pdftotext", ["-layout", path.join(dir, "page.pdf"), "-"]).toString();
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

// A new tab on a staff page (`path`, e.g. "/manifest") with the login form sent for
// `username`; the caller waits for what the page shows next (its app, or #login-error).
export async function staffLoginPage(chrome, node, path, username, password = "keyun-demo") {
  const page = await chrome.newPage();
  await page.goto(node.url + path);
  await page.fill("#login-form input[name=username]", username);
  await page.fill("#login-form input[name=password]", password);
  await page.click("#login-form button[type=submit]");
  return page;
}

// A tab on the station window page (/window) with the demo clerk logged in, ready to search.
export async function clerkWindowPage(chrome, node) {
  const page = await staffLoginPage(chrome, node, "/window", "clerk");
  await page.waitForSelector("#search-form[data-ready=true]");
  return page;
}
