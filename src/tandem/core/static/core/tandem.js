// After htmx swaps in a form with errors, move focus to the first invalid field so keyboard
// and screen-reader users land where they need to act.
document.addEventListener("htmx:afterSwap", (event) => {
  const invalid = event.detail.target.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
});

// Forms that post without htmx ask before destructive actions: <form data-confirm="…">.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
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
