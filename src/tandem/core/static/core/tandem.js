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
