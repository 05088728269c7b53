// The browser pages' CSS (counter_api/static) must work on the old Chromium of 2016-2019
// smart TVs and old PCs: the browserslist in package.json ("chrome >= 53").
export default {
  plugins: ["stylelint-no-unsupported-browser-features"],
  rules: {
    "plugin/no-unsupported-browser-features": [
      true,
      {
        severity: "error",
        ignore: [
          // "Partial" only for overflow: clip and the two-value shorthand, which we
          // never write; overflow: hidden/auto/visible work everywhere.
          "css-overflow",
          // font-display: an old browser ignores it and waits for the font as it always
          // did (our fonts are served on the LAN, there is no slow CDN to wait for).
          "css-font-rendering-controls",
          // "text-decoration: none" and "underline" are CSS 2 and work everywhere; only
          // the shorthand with a style or colour is newer, and we never write it.
          "mdn-text-decoration-shorthand",
          // "Partial" for page-break-inside: avoid on some boxes: when printing a
          // report on an old browser, a table row may split across pages. Harmless.
          "css-page-break",
        ],
      },
    ],
  },
};
