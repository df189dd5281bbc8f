// The self-service machine's touch parts: the on-screen pad that stands in for a keyboard (ID
// numbers, order numbers, pinyin initials) and the idle timer that wipes the screen when a
// passenger walks away.

// Key sets: an ID number is 17 digits and a digit or X; an order number is "O" + date + hex
// (the page adds the "O"); pinyin initials are A–Z.
export const PAD_KEYS = {
  id: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0"],
  order: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "A", "B", "C", "D", "E", "F"],
  letters: "ABCDEFGHIJKLMNOPQRSTUVWXYZ".split(""),
};

// A pad of big keys inside `element`. Each key press calls onKey(key), where key is a character,
// "back" or "clear". `labels` gives the words of the back and clear keys.
export function renderPad(element, keys, labels) {
  element.innerHTML = keys.map((k) => `<button type="button" data-key="${k}">${k}</button>`).join("") +
    `<button type="button" data-key="back" class="pad-fn">${labels.back}</button>` +
    `<button type="button" data-key="clear" class="pad-fn">${labels.clear}</button>`;
  element.dataset.keys = keys.join("");
}

// Applies a pad key to a text: appends, deletes the last character or clears; `max` caps length.
export function applyKey(text, key, max) {
  if (key === "back") return text.slice(0, -1);
  if (key === "clear") return "";
  return text.length >= max ? text : text + key;
}

// Calls onIdle() after `seconds` without a touch, a key or an input, unless paused() is true (a
// request in flight: a card payment must not be wiped before its tickets show). Returns
// { poke() } to restart the count by hand.
export function watchIdle(seconds, onIdle, paused) {
  let timer = null;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { if (paused()) arm(); else onIdle(); }, seconds * 1000);
  };
  for (const type of ["pointerdown", "touchstart", "keydown", "input"]) {
    document.addEventListener(type, arm, { capture: true, passive: true });
  }
  arm();
  return { poke: arm };
}
