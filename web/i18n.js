// Chinese by default, English on request; the choice is remembered per browser.
// Usage: <span data-i18n="stations"></span>, t("stations"), setupLanguageToggle(button, dict).
const stored = () => localStorage.getItem("keyun.lang") || "zh";
let lang = stored();
let dictionary = {};

export function t(key, ...args) {
  const entry = dictionary[key];
  let text = entry ? (entry[lang] ?? entry.zh) : key;
  args.forEach((arg, i) => { text = text.replace(`{${i}}`, arg); });
  return text;
}

export function currentLanguage() { return lang; }

export function applyTranslations(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
}

export function setupI18n(dict, toggleButton, onChange) {
  dictionary = dict;
  applyTranslations();
  if (toggleButton) {
    toggleButton.textContent = lang === "zh" ? "English" : "中文";
    toggleButton.addEventListener("click", () => {
      lang = lang === "zh" ? "en" : "zh";
      localStorage.setItem("keyun.lang", lang);
      toggleButton.textContent = lang === "zh" ? "English" : "中文";
      applyTranslations();
      if (onChange) onChange();
    });
  }
}
