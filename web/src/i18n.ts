import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import ko from "./locales/ko.json";
import en from "./locales/en.json";

const KEY = "cg.lang";

export function initI18n(lang?: string) {
  const stored = typeof localStorage !== "undefined" ? localStorage.getItem(KEY) : null;
  void i18n.use(initReactI18next).init({
    resources: { ko: { translation: ko }, en: { translation: en } },
    lng: lang ?? stored ?? "ko",
    fallbackLng: "ko",
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  i18n.on("languageChanged", (lng) => {
    document.documentElement.lang = lng;
    try {
      localStorage.setItem(KEY, lng);
    } catch {
      /* private mode */
    }
  });
  if (typeof document !== "undefined") document.documentElement.lang = i18n.language;
  return i18n;
}

export default i18n;
