// Steps on the self-service machine page (/kiosk) shared by kiosk.test.mjs and
// kiosk_change.test.mjs: set the machine up, type on its pad, find a passenger's tickets.

export const KIOSK_SCREEN = { width: 1280, height: 1024 };

// A fresh tab on /kiosk (query e.g. "?idle=3"), set up by station staff: the machine's session
// lives in the tab's sessionStorage.
export async function kioskPage(chrome, node, query = "", username = "kiosk") {
  const page = await chrome.newPage();
  await page.setViewportSize(KIOSK_SCREEN);
  await page.goto(node.url + "/kiosk" + query);
  await page.waitForSelector("#app[data-screen=setup]");
  await page.fill("#setup-form input[name=username]", username);
  await page.fill("#setup-form input[name=password]", "keyun-demo");
  await page.click("#setup-login");
  if (username === "kiosk") await page.waitForSelector("#app[data-screen=home]");
  return page;
}

// Touches the on-screen pad's keys, one per character.
export async function padType(page, text) {
  for (const ch of text) await page.click(`#pad button[data-key="${ch}"]`);
}

export const idle = (page) => page.waitForSelector("#app:not([data-busy])");

// From the home screen: the button of `service` (collect, refund, change), the ID swiped on the
// pad, and the list of the holder's tickets.
export async function findByIdCard(page, service, idNumber) {
  await page.click(`#go-${service}`);
  await page.waitForSelector("#app[data-screen=find]");
  await padType(page, idNumber);
  await page.click("#find-ok");
  await page.waitForSelector("#app[data-screen=tickets] #ticket-list[data-loaded]");
}
