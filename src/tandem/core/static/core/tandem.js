// After htmx swaps in a form with errors, move focus to the first invalid field so keyboard
// and screen-reader users land where they need to act.
document.addEventListener("htmx:afterSwap", (event) => {
  const invalid = event.detail.target.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
});

// Destructive actions ask first. `data-confirm="…"` on a form, or on the one submit button of
// a form that needs it (a "Decline" next to an "Approve"), works for every form: a plain one
// (the submit listener) and an htmx one (the htmx:confirm listener; htmx's own hx-confirm
// works there too). A form htmx submits is left to htmx (it prevents the default first).
function confirmQuestion(form, submitter) {
  if (submitter && submitter.dataset && submitter.dataset.confirm) return submitter.dataset.confirm;
  return form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
}

document.addEventListener("submit", (event) => {
  if (event.defaultPrevented) return;
  const question = confirmQuestion(event.target, event.submitter);
  if (question && !window.confirm(question)) event.preventDefault();
});

document.addEventListener("htmx:confirm", (event) => {
  const detail = event.detail;
  if (detail.question) return; // hx-confirm: htmx asks itself
  const trigger = detail.triggeringEvent;
  const question = confirmQuestion(detail.elt, trigger ? trigger.submitter : undefined);
  if (!question) return;
  event.preventDefault();
  if (window.confirm(question)) detail.issueRequest(true);
});

// The browser's time zone, for the fields that ask for it (no inline script: the CSP forbids it).
//   <input type="hidden" data-browser-time-zone="fill">  filled when empty (sign-up, first password);
//   <select data-browser-time-zone="UTC">                 set to the browser's zone while its value is
//                                                          still "UTC" (or "" for data-browser-time-zone="");
// in both selects the browser's zone is also offered first, under "Likely".
function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

function offerFirst(select, zone) {
  const existing = Array.from(select.options).find((option) => option.value === zone);
  if (!existing) return false;  // not a zone this list offers (e.g. an old alias)
  let likely = Array.from(select.querySelectorAll("optgroup")).find((group) => group.label === "Likely");
  if (!likely) {
    likely = document.createElement("optgroup");
    likely.label = "Likely";
    const first = Array.from(select.children).find((child) => child.value !== "");
    select.insertBefore(likely, first || null);
  }
  if (!Array.from(likely.children).some((option) => option.value === zone)) {
    likely.appendChild(new Option(existing.text.includes("/") ? existing.text : zone.replaceAll("_", " "), zone));
  }
  return true;
}

document.addEventListener("DOMContentLoaded", () => {
  const zone = browserTimeZone();
  if (!zone) return;
  document.querySelectorAll("input[data-browser-time-zone]").forEach((input) => {
    if (!input.value) input.value = zone;
  });
  document.querySelectorAll("select[data-browser-time-zone]").forEach((select) => {
    const offered = offerFirst(select, zone);
    if (offered && (select.value === "" || select.value === select.dataset.browserTimeZone)) {
      select.value = zone;
    }
  });
});

// Small screens: each navigation bar gets a "Menu" button that shows and hides its links (the
// CSS shows the button below 40rem only).
function makeCollapsible(nav, label, index) {
  const list = nav.querySelector(":scope > ul");
  if (!list || nav.classList.contains("nav-collapsible")) return;
  list.id = list.id || `nav-list-${index}`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "nav-toggle secondary";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", list.id);
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("nav-open", open);
  });
  list.before(button);
  nav.classList.add("nav-collapsible");
}

// Tables: every body cell learns its column's name, so that the small-screen layout can stack a
// row into a card and still say what each value is. Runs again on content htmx swaps in.
function labelTableCells(root) {
  root.querySelectorAll("table").forEach((table) => {
    const headers = Array.from(table.querySelectorAll(":scope > thead > tr > th")).map((th) =>
      th.textContent.trim(),
    );
    if (!headers.length) return;
    table.classList.add("stacked");
    table.querySelectorAll(":scope > tbody > tr").forEach((row) => {
      let column = 0;
      Array.from(row.children).forEach((cell) => {
        const span = cell.colSpan || 1;
        if (span === 1 && headers[column] && !cell.dataset.label) cell.dataset.label = headers[column];
        column += span;
      });
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const site = document.querySelector(".site-nav");
  if (site) makeCollapsible(site, "Menu", 0);
  const program = document.querySelector(".program-nav");
  if (program) makeCollapsible(program, "Program menu", 1);
  labelTableCells(document);
});
document.addEventListener("htmx:load", (event) => {
  if (event.target instanceof Element) labelTableCells(event.target);
});
