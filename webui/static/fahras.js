// Progressive enhancements for the search page; everything works without them.
"use strict";

const SEARCH_DELAY_MS = 200;
// Inputs that do not take text: "/" pressed on them still jumps to the search box.
const NOT_TYPED_INTO = ["checkbox", "radio", "button", "submit", "reset"];

function autoSubmitFilters(form) {
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.type === "checkbox" || target.classList.contains("per-page")) {
      form.requestSubmit();
    }
  });
  // Empty fields stay out of the URL (no "&since=&until="); the server redirects such URLs too.
  form.addEventListener("submit", () => {
    const fields = Array.from(form.elements).concat(Array.from(document.querySelectorAll('[form="search-form"]')));
    fields.forEach((field) => {
      if (!field.name || field.disabled) return;
      const blank = typeof field.value === "string" && field.value.trim() === "";
      const isDefault = field.dataset && field.dataset.default !== undefined && field.value === field.dataset.default;
      if (blank || isDefault) field.disabled = true;
    });
  });
  // Coming back with the back button shows the page from the cache: fields must be usable again.
  window.addEventListener("pageshow", () => {
    Array.from(form.elements).forEach((field) => { field.disabled = false; });
    document.querySelectorAll('[form="search-form"]').forEach((field) => { field.disabled = false; });
  });
}

function focusShortcut(box) {
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const active = document.activeElement;
    const typing = active && (active.isContentEditable || ["TEXTAREA", "SELECT"].includes(active.tagName) ||
      (active.tagName === "INPUT" && !NOT_TYPED_INTO.includes(active.type)));
    if (typing) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
}

// The search page's parameters as they are in the address bar, without paging.
function currentSearch() {
  const params = new URLSearchParams(window.location.search);
  params.delete("page");
  params.delete("per_page");
  return params;
}

function excludeUrl(facet, value) {
  const params = currentSearch();
  const kept = params.getAll(facet).filter((v) => v !== value);
  params.delete(facet);
  kept.forEach((v) => params.append(facet, v));
  const excluded = params.getAll("not_" + facet);
  if (!excluded.includes(value)) params.append("not_" + facet, value);
  return window.location.pathname + "?" + params.toString();
}

function foundRow(facet, item) {
  const row = document.createElement("li");
  row.className = "facet-value" + (item.excluded ? " excluded" : "");
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.dataset.value = item.value;
  box.checked = item.selected;
  const text = document.createElement("span");
  text.className = "facet-label";
  text.dir = "auto";
  text.textContent = item.label;
  const count = document.createElement("span");
  count.className = "count";
  count.textContent = String(item.count);
  label.append(box, " ", text, " ");
  if (item.type_label) {
    const kind = document.createElement("span");
    kind.className = "actor-type";
    kind.dataset.type = item.type;
    kind.title = "النوع: " + item.type_label;
    kind.textContent = item.type_label;
    label.append(kind, " ");
  }
  label.append(count);
  const exclude = document.createElement("a");
  exclude.className = "facet-exclude";
  exclude.href = excludeUrl(facet, item.value);
  exclude.title = "استبعاد " + item.label;
  exclude.setAttribute("aria-label", "استبعاد " + item.label);
  exclude.textContent = "⊘";
  row.append(label, exclude);
  return row;
}

// A value ticked in the search results becomes the form's own checkbox (or a hidden field) before submitting.
function syncFoundChoice(form, fieldset, facet, box) {
  const value = box.dataset.value;
  const listed = Array.from(fieldset.querySelectorAll(`.facet-listed input[name="${facet}"]`)).find((input) => input.value === value);
  if (listed) {
    listed.checked = box.checked;
  } else if (box.checked) {
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = facet;
    hidden.value = value;
    form.append(hidden);
  }
}

function enableFacetSearch(form, box) {
  const facet = box.dataset.facet;
  const fieldset = document.getElementById("facet-" + facet);
  if (!fieldset) return;
  const listed = fieldset.querySelector(".facet-listed");
  const found = fieldset.querySelector(".facet-found");
  const nothing = fieldset.querySelector(".facet-empty");
  const searching = fieldset.querySelector(".facet-searching");
  let timer = null;
  let latest = 0;
  box.hidden = false;

  function showListed() {
    found.hidden = true;
    found.replaceChildren();
    listed.hidden = false;
    nothing.hidden = true;
    searching.hidden = true;
  }

  async function search(text, ticket) {
    const params = currentSearch();
    params.set("contains", text);
    searching.hidden = false;
    try {
      const response = await fetch(box.dataset.facetUrl + "?" + params.toString(), { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (ticket !== latest) return;  // a later keystroke already asked again
      const values = response.ok ? data.values : [];
      found.replaceChildren(...values.map((item) => foundRow(facet, item)));
      listed.hidden = true;
      found.hidden = values.length === 0;
      nothing.hidden = values.length > 0;
    } catch (error) {
      // The server could not answer (stopped, offline): keep the list the page came with.
      if (ticket === latest) showListed();
    } finally {
      if (ticket === latest) searching.hidden = true;
    }
  }

  box.addEventListener("input", () => {
    clearTimeout(timer);
    const text = box.value.trim();
    latest += 1;
    if (!text) {
      showListed();
      return;
    }
    const ticket = latest;
    timer = setTimeout(() => search(text, ticket), SEARCH_DELAY_MS);
  });
  found.addEventListener("change", (event) => {
    if (event.target.type === "checkbox") syncFoundChoice(form, fieldset, facet, event.target);
  });
  // Enter in the search box must not submit the search form.
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
    if (event.key === "Escape") {
      box.value = "";
      latest += 1;
      showListed();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("search-form");
  const box = document.getElementById("q");
  if (box) focusShortcut(box);
  if (!form) return;
  autoSubmitFilters(form);
  document.querySelectorAll("input.facet-filter[data-facet-url]").forEach((input) => enableFacetSearch(form, input));
});
