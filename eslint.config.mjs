// The browser pages' JavaScript (counter_api/static) must run on the old Chromium of
// 2016-2019 smart TVs and of old PCs: the browserslist in package.json ("chrome >= 53").
// es-x: no syntax or built-in newer than ES2016 (Chrome 53 has ES2015 and ES2016 but not
// async/await, Object.values, object spread, optional chaining ...). compat: no web API
// that Chrome 53 lacks (AbortController, ResizeObserver, Element.append ...).
import compat from "eslint-plugin-compat";
import esx from "eslint-plugin-es-x";

// DOM and built-in methods newer than Chrome 53 (Element.append/prepend/before/after/
// replaceWith 54, getAttributeNames 61, Promise#finally 63, toggleAttribute 69,
// flat/flatMap 69, String#padStart 57, trimStart 66, matchAll 73, replaceAll 85, at 92).
const LATER_METHODS = [
  "append", "prepend", "before", "after", "replaceWith", "replaceChildren",
  "getAttributeNames", "finally", "toggleAttribute", "flat", "flatMap", "padStart",
  "padEnd", "trimStart", "trimEnd", "matchAll", "replaceAll", "at",
];

export default [
  {
    files: ["counter_api/static/**/*.js"],
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "script",
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { compat, "es-x": esx },
    settings: { lintAllEsApis: true },
    rules: {
      ...esx.configs["flat/restrict-to-es2016"].rules,
      "compat/compat": "error",
      // Methods that neither plugin can tie to a type in plain JavaScript: any call of
      // these names is refused (Chrome 53 lacks them on every object that has them).
      "no-restricted-syntax": [
        "error",
        {
          selector: `CallExpression > MemberExpression.callee[property.name=/^(${LATER_METHODS.join("|")})$/]`,
          message: "Not in Chrome 53 (smart TVs of 2016-2019): use an older way.",
        },
      ],
    },
  },
];
