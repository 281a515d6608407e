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
