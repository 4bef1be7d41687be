// Progressive enhancements for the search page; everything works without them.
"use strict";

// Same spirit as indexer/normalize.py, enough for matching while typing:
// drop diacritics and tatweel, fold alef, ta marbuta and alef maqsura forms.
const DIACRITICS = /[\u064B-\u065F\u0670\u0640]/g;
const ALEF_FORMS = /[\u0622\u0623\u0625\u0671]/g;

function foldArabic(text) {
  return text
    .normalize("NFKC")
    .replace(DIACRITICS, "")
    .replace(ALEF_FORMS, "\u0627")
    .replace(/\u0629/g, "\u0647")
    .replace(/\u0649/g, "\u064A")
    .toLowerCase()
    .trim();
}

function autoSubmitFilters(form) {
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.type === "checkbox") {
      form.requestSubmit();
    }
  });
}

function enableFilterBox(box) {
  const fieldset = document.getElementById(box.dataset.filterList);
  if (!fieldset) return;
  const rows = Array.from(fieldset.querySelectorAll(".facet-value"));
  const more = fieldset.querySelector(".facet-more");
  const nothing = fieldset.querySelector(".facet-empty");
  const labels = rows.map((row) => foldArabic(row.querySelector(".facet-label").textContent));
  box.hidden = false;
  box.addEventListener("input", () => {
    const wanted = foldArabic(box.value);
    let shown = 0;
    rows.forEach((row, i) => {
      const match = !wanted || labels[i].includes(wanted);
      row.hidden = !match;
      if (match) shown += 1;
    });
    // Typing searches the whole list, including the values behind "more".
    if (more && wanted) more.open = true;
    if (nothing) nothing.hidden = shown > 0;
  });
  // Enter in the filter box must not submit the search form.
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("search-form");
  if (form) autoSubmitFilters(form);
  document.querySelectorAll("input.facet-filter[data-filter-list]").forEach(enableFilterBox);
});
